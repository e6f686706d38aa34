/**
 * Issue 10's acceptance on the example organization, as a team runs it: `npm start` on a copy of
 * this project (its own AUTHORITY_HOME, local PostgreSQL servers), then a pull request that moves
 * campaign.name from the CRM to the CMS (policies/campaigns.ts edited in the copy), reviewed with
 * the built CLI, gated on both teams' approvals, refused at apply once re-planned, and applied from
 * the reviewed plans; the platforms then hold the new authority. The Markdown comment is kept in
 * test-artifacts/review-organization.md for people to read.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { OwnershipReport } from '../review/report';
import { PROJECT_DIR } from '../tooling/paths';
import { validate } from './support/json-schema';
import { eventually } from './support/wait';

const SCHEMA = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'schemas', 'ownership-report.schema.json'), 'utf8'));
const ARTIFACTS = path.join(PROJECT_DIR, 'test-artifacts');
/** What a clone has, without what it builds or runs (node_modules is linked, dist copied). */
const NOT_COPIED = new Set(['node_modules', '.git', '.authority', 'cdktf.out', 'test-artifacts', 'coverage', 'test']);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-org-review-'));
fs.chmodSync(work, 0o755);
const project = path.join(work, 'project');
const home = path.join(work, 'home');
const env = { ...process.env, AUTHORITY_HOME: home, CHECKPOINT_DISABLE: '1', AUTHORITY_TODAY: '2027-01-01' };
const POLICY = path.join(project, 'policies', 'campaigns.ts');

function run(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}
const cli = (...args: string[]) => run([path.join(project, 'dist', 'cli', 'authority.js'), ...args]);
const embedded = (command: string) => run([path.join(project, 'dist', 'tooling', 'embedded.js'), command]);

/** Replaces each `from` in `text` once; fails naming what it did not find (the example changed). */
function edit(text: string, ...swaps: [string, string][]): string {
  for (const [from, to] of swaps) {
    if (!text.includes(from)) throw new Error(`policies/campaigns.ts no longer contains ${JSON.stringify(from)}: update this test's edit.`);
    text = text.replace(from, to);
  }
  return text;
}

const ORIGINAL = fs.readFileSync(path.join(PROJECT_DIR, 'policies', 'campaigns.ts'), 'utf8');
/** The pull request: the CMS owns campaign names, the content team governs them, the CRM keeps a read-only copy. */
const MOVED = edit(ORIGINAL,
  ['authority: crm,\n      origin: crm,', 'authority: cms!,\n      origin: cms!,'],
  ["governedBy: 'Marketing operations',\n      copies: [Copy.readOnly(ops), ...(cms ? [Copy.readOnly(cms)] : []),", "governedBy: 'Content team',\n      copies: [Copy.readOnly(crm), Copy.readOnly(ops),"],
  ['correction: CorrectionPath.at(crm, {', 'correction: CorrectionPath.at(cms!, {'],
);

async function connect(name: string): Promise<Client> {
  const c = JSON.parse(fs.readFileSync(path.join(home, 'embedded', 'connections.json'), 'utf8'))[name];
  const db = new Client({ host: c.host, port: c.port, database: c.database, user: c.username, password: fs.readFileSync(c.passwordFile, 'utf8').trim() });
  await db.connect();
  return db;
}

/** The authority each guard on campaigns.name names, per platform (absent: not guarded). */
async function guards(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of ['crm', 'cms', 'ops', 'bi']) {
    const db = await connect(name);
    try {
      const rows = (await db.query<{ args: Buffer }>(
        `SELECT t.tgargs AS args FROM pg_trigger t WHERE t.tgrelid = 'campaigns'::regclass AND t.tgname LIKE 'authority_guard_campaigns_campaign_naming%' AND t.tgparentid = 0`)).rows;
      if (rows.length) found[name] = rows[0].args.toString('utf8').split('\0')[1];
    } finally {
      await db.end();
    }
  }
  return found;
}

/** Where `copy` receives campaigns from: its subscriptions' sources that carry the table. */
async function feeds(copy: string): Promise<string[]> {
  const db = await connect(copy);
  try {
    return (await db.query<{ source: string }>(
      `SELECT substring(obj_description(s.oid, 'pg_subscription') FROM ' from ([^ ]+)\\.') AS source
         FROM pg_subscription s JOIN pg_subscription_rel r ON r.srsubid = s.oid
        WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND r.srrelid = 'campaigns'::regclass
        ORDER BY 1`)).rows.map((r) => r.source);
  } finally {
    await db.end();
  }
}

let report: OwnershipReport;
const reportFile = path.join(work, 'review.json');
const approvalsFile = path.join(work, 'approvals.json');
const reviewedPlans = path.join(work, 'reviewed-plans');

beforeAll(() => {
  // A copy of the project, as a clone: the dependencies linked, the built CLI and provider copied.
  fs.mkdirSync(project);
  for (const entry of fs.readdirSync(PROJECT_DIR)) {
    if (!NOT_COPIED.has(entry)) fs.cpSync(path.join(PROJECT_DIR, entry), path.join(project, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_DIR, 'node_modules'), path.join(project, 'node_modules'));
  const up = embedded('up');
  if (up.code !== 0) throw new Error(`npm start in the copy failed:\n${up.output}`);
}, 300_000);

afterAll(() => {
  embedded('down');
  fs.rmSync(work, { recursive: true, force: true });
});

test('moving campaign.name from the CRM to the CMS is one report: the move side by side, copies, sync, correction path, both teams', () => {
  fs.writeFileSync(POLICY, MOVED);
  const json = cli('review', '--format', 'json', '--out', reportFile);
  expect(json.stderr).toContain('wrote the json review');
  expect(json.code).toBe(0);
  report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  expect(validate(SCHEMA, report)).toEqual([]);
  expect(report.plans.map((p) => p.domain)).toEqual(['accounts', 'billing', 'campaigns', 'content', 'operations', 'support']);
  expect(report.changes.map((c) => `${c.domain} ${c.fact} ${c.kind}`)).toEqual([
    'campaigns campaign.name authority-moved', 'campaigns campaign.name governance-changed',
  ]);
  expect(report.changes[0].sides).toEqual({
    before: expect.objectContaining({ authority: 'crm', copies: 'ops, cms, bi read-only', sync: 'crm → ops, cms, bi', governedBy: 'Marketing operations' }),
    after: expect.objectContaining({ authority: 'cms', copies: 'crm, ops, bi read-only', sync: 'cms → crm, ops, bi', governedBy: 'Content team' }),
  });
  expect(report.changes[0].correction).toMatch(/^cms: open the campaign and edit its name/);
  expect([...report.changes[0].approvers].sort()).toEqual(['Content team', 'Marketing operations']);

  // The comment, from the same saved plans: the same digest, and what a reviewer reads first.
  const md = cli('review', '--from-plans', '--format', 'markdown', '--out', path.join(work, 'review.md'));
  expect(md.code).toBe(0);
  const comment = fs.readFileSync(path.join(work, 'review.md'), 'utf8');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'review-organization.md'), comment);
  expect(comment).toContain(`<!-- authority-review-digest: ${report.planDigest} -->`);
  const top = comment.slice(0, comment.indexOf('<details>'));
  expect(top).toContain('## Ownership review: `campaign.name` moves from crm to cms');
  expect(top).toContain('**Approvals needed from:** Content team, Marketing operations');
  expect(top).toContain('These are sync routes from the old authority: the move replaces them'); // the destroys, explained
  expect(top).toContain('| Authority | crm | **cms** |');
  expect(top).toContain('| Copies | ops, cms, bi read-only | **crm, ops, bi read-only** |');
  expect(top).toContain('| Sync | crm → ops, cms, bi | **cms → crm, ops, bi** |');
  expect(top).toMatch(/\| Correction path \| crm: open the campaign and edit its name [^|]*\| \*\*cms: open the campaign and edit its name/);
  expect(top).toContain('| Governed by | Marketing operations | **Content team** |');
  expect(comment).toContain('No ownership changes in accounts, billing, content, operations, support.');
  expect(comment).not.toContain('### accounts'); // the quiet domains do not crowd the move
});

test('the gate fails without the two teams\' approval and passes with it', () => {
  const none = cli('gate', '--report', reportFile, '--approvals', '');
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('missing approval of Content team (@example/content) and Marketing operations (@example/marketing-ops)');

  const one = cli('gate', '--report', reportFile, '--approved-by', '@example/marketing-ops');
  expect(one.code).toBe(1);
  expect(one.stderr).toContain('missing approval of Content team (@example/content)');
  expect(one.stderr).not.toContain('missing approval of Content team (@example/content) and');

  fs.writeFileSync(approvalsFile, JSON.stringify({ planDigest: report.planDigest, approvedBy: ['@example/marketing-ops', 'Content team'] }));
  const both = cli('gate', '--report', reportFile, '--approvals', approvalsFile);
  expect(both.stdout).toContain('all 2 ownership change(s) approved');
  expect(both.code).toBe(0);
});

test('a report edited after review (its changes dropped) is refused at apply: the plans are read again', async () => {
  const doctored = path.join(work, 'doctored.json');
  fs.writeFileSync(doctored, JSON.stringify({ ...report, changes: [] }));
  const refused = cli('apply', '--report', doctored, '--approvals', '');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('the report does not say what these plans do to ownership');
  expect(refused.stderr).toContain('campaigns: campaign.name: the plans make this change, which the report does not list');
  expect(await guards()).toEqual({ cms: 'crm', ops: 'crm', bi: 'crm' });
});

test('a plan made again after approval is refused at apply, and nothing moves', async () => {
  fs.cpSync(path.join(home, 'plans'), reviewedPlans, { recursive: true }); // what the pipeline keeps as its artifact
  fs.writeFileSync(POLICY, edit(MOVED, ['maxLag: Duration.minutes(5)', 'maxLag: Duration.minutes(10)']));
  expect(cli('review', '--format', 'json', '--out', path.join(work, 'review-again.json')).code).toBe(0);

  const refused = cli('apply', '--report', reportFile, '--approvals', approvalsFile);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/domain campaigns: \S*campaigns\.tfplan is not the reviewed plan/);
  expect(refused.stderr).toContain('nothing was applied');
  expect(await guards()).toEqual({ cms: 'crm', ops: 'crm', bi: 'crm' });
});

test('the reviewed plans apply: the CMS\'s copy is no longer guarded, the CRM\'s is, and the route runs CMS → CRM', async () => {
  fs.cpSync(reviewedPlans, path.join(home, 'plans'), { recursive: true }); // the merge job downloads the reviewed plans
  const applied = cli('apply', '--report', reportFile, '--approvals', approvalsFile);
  expect(applied.stdout).toContain('applied 6 reviewed plan(s)');
  expect(applied.code).toBe(0);

  expect(await guards()).toEqual({ crm: 'cms', ops: 'cms', bi: 'cms' });
  expect(await feeds('crm')).toEqual(['cms']);
  expect(await feeds('ops')).toEqual(['cms']);
  expect(await feeds('bi')).toEqual(['cms', 'ops']); // ops feeds it campaign.routing_state

  // People edit the name in the CMS now; the CRM refuses them and names the CMS.
  const [crm, cms] = await Promise.all([connect('crm'), connect('cms')]);
  try {
    await crm.query('SET ROLE operator');
    await expect(crm.query(`UPDATE campaigns SET name = 'by hand' WHERE id = 1`)).rejects.toThrow(/owned by the CMS \(cms\)/);
    await cms.query('SET ROLE operator');
    const name = `Renamed in the CMS at ${Date.now()}`;
    await cms.query('UPDATE campaigns SET name = $1 WHERE id = 1', [name]);
    const seen = await eventually(async () => (await crm.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name, (v) => v === name, 30_000);
    expect(seen).toBe(name);
  } finally {
    await Promise.all([crm.end(), cms.end()]);
  }
});

test('a change that touches no ownership (a Domain\'s description) has no ownership section', () => {
  fs.writeFileSync(POLICY, edit(MOVED, ["description: 'Campaign metadata and naming.'", "description: 'Campaign metadata, naming and launch dates.'"]));
  const md = cli('review', '--format', 'markdown', '--out', path.join(work, 'description.md'));
  expect(md.code).toBe(0);
  const comment = fs.readFileSync(path.join(work, 'description.md'), 'utf8');
  expect(comment).toContain('## Ownership review: No ownership changes in 6 domains');
  expect(comment).not.toContain('| Fact |');
  expect(comment).not.toContain('| Authority |');
  expect(comment).not.toContain('Approvals needed');
  const skipped = cli('review', '--from-plans', '--format', 'markdown', '--skip-no-changes');
  expect([skipped.code, skipped.stdout]).toEqual([0, '']);
});
