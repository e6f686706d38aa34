/**
 * `authority review` end to end: the built CLI (dist/cli/authority.js) synthesizes a two-domain
 * project, plans each domain with real terraform and the real provider against real PostgreSQL,
 * and reports the ownership change of each pull request a reviewer would see.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OwnershipReport } from '../review/report';
import { validate } from './support/json-schema';
import { TestPlatforms, startTestPlatforms } from './support/platforms';
import { ReviewProject } from './support/review-project';

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schemas', 'ownership-report.schema.json'), 'utf8'));

let platforms: TestPlatforms;
let project: ReviewProject;

/** Runs the review as JSON and parses it; fails with the command's own words. */
async function jsonReview(...args: string[]): Promise<OwnershipReport> {
  const r = await project.review('--format', 'json', ...args);
  if (r.code !== 0) throw new Error(`authority review exited ${r.code}:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as OwnershipReport;
  expect(validate(SCHEMA, report)).toEqual([]);
  return report;
}

beforeAll(async () => {
  platforms = await startTestPlatforms();
  project = ReviewProject.create(platforms);
  // The organization as it runs today: reviewed (every fact new), then applied from the saved plans.
  const first = await jsonReview();
  expect(first.changes.map((c) => `${c.domain} ${c.fact} ${c.kind}`)).toEqual([
    'campaigns campaign.name fact-added', 'campaigns campaign.status fact-added', 'campaigns campaign.assignee fact-added',
    'operations content.routing_state fact-added',
  ]);
  project.apply('campaigns', 'operations');
});

afterAll(async () => {
  project?.destroy();
  project?.remove();
  await platforms?.stop();
});

afterEach(() => project.model({}));

test('moving campaign.name from the CRM to the operations tool: one authority move, both teams, the correction path before and after', async () => {
  project.model({ nameAuthority: 'ops' });
  const report = await jsonReview();
  expect(report.changes).toEqual([expect.objectContaining({
    domain: 'campaigns', fact: 'campaign.name', kind: 'authority-moved',
    before: 'crm (copies: ops read-only)', after: 'ops (copies: crm read-only)',
    correctionBefore: 'crm: edit the campaign name (#marketing-ops)', correction: 'ops: edit the campaign name (#marketing-ops)',
  })]);
  expect([...report.changes[0].approvers].sort()).toEqual(['Brand team', 'Marketing operations']);

  // The digest is over the saved plan files, and reading them again gives the same one.
  const bytes = fs.readFileSync(project.planFile('campaigns'));
  expect(report.plans[0]).toMatchObject({ domain: 'campaigns', planFile: '.authority/plans/campaigns.tfplan', digest: createHash('sha256').update(bytes).digest('hex') });
  const again = await jsonReview('--from-plans');
  expect(again.planDigest).toBe(report.planDigest);

  // The pull-request comment shows the same, and the digest.
  const md = await project.review('--format', 'markdown', '--from-plans');
  expect(md.stdout).toContain('<!-- authority-review -->');
  expect(md.stdout).toContain(`<!-- authority-review-digest: ${report.planDigest} -->`);
  expect(md.stdout).toContain('#### `campaign.name`: authority moves from crm to ops');
  expect(md.stdout).toContain('| Sync | crm → ops | **ops → crm** |');
  expect(md.stdout).toContain('<details><summary>Plan of campaigns</summary>');

  // Another change is another plan: another digest.
  project.model({ copyEdits: 'local_override', overrideExpires: '2027-01-10' });
  expect((await jsonReview()).planDigest).not.toBe(report.planDigest);
});

test('a read-only copy that becomes a local override says who may now edit what, why and until when', async () => {
  project.model({ copyEdits: 'local_override', overrideExpires: '2027-01-10' });
  const r = await project.review('campaigns', '--format', 'text');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('people may now edit campaign.name on ops, reason "launch-week renames", until 2027-01-10');
  expect(r.stdout).toContain('the local override of campaign.name on ops ends on 2027-01-10 (in 9 days)'); // AUTHORITY_TODAY=2027-01-01
  // The copy's protection stays, enforcing the override on PostgreSQL: nothing is destroyed.
  expect(r.stdout).not.toContain('WARNING: this change destroys');
  expect(r.stdout).toContain(`Plan digest: sha256:`);
  expect(r.stdout).not.toContain('\noperations'); // only the domain asked for
});

test('a change that touches no ownership (a description) has no ownership section, and --skip-no-changes says nothing', async () => {
  project.model({ description: 'A campaign, as marketing runs it.' });
  const md = await project.review('--format', 'markdown', '--out', 'review.md');
  expect(md.code).toBe(0);
  const comment = fs.readFileSync(path.join(project.dir, 'review.md'), 'utf8');
  expect(comment).toContain('## Ownership review: No ownership changes in 2 domains');
  expect(comment).not.toContain('| Fact |');
  const skipped = await project.review('--format', 'markdown', '--from-plans', '--skip-no-changes');
  expect([skipped.code, skipped.stdout]).toEqual([0, '']);
});

test('a guard disabled by hand on the platform shows as protection-drifted', async () => {
  const ops = await platforms.connect('ops');
  try {
    const guard = (await ops.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'campaigns'::regclass AND tgname LIKE 'authority_guard_campaigns_campaign_naming%'`)).rows[0].tgname;
    await ops.query(`ALTER TABLE campaigns DISABLE TRIGGER ${guard}`);
    const report = await jsonReview();
    expect(report.changes.map((c) => [c.kind, c.fact, c.platform])).toEqual([['protection-drifted', 'campaign.name', 'ops']]);
    await ops.query(`ALTER TABLE campaigns ENABLE ALWAYS TRIGGER ${guard}`);
  } finally {
    await ops.end();
  }
});

test('bad input is a clear message, not a stack trace', async () => {
  const unknown = await project.review('billing', '--from-plans');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr.trim()).toBe('authority review: no domain named billing; the domains are: campaigns, operations.');
  const format = await project.review('--format', 'yaml');
  expect(format.code).toBe(2);
  expect(format.stderr).toContain('authority review: --format is one of markdown, json, text; got "yaml".');
});
