/**
 * `authority gate` on a report built from real saved plans: each ownership change needs each of
 * its teams' approvals, bound to the report's plan digest, at Sentinel's three levels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { authority, buildReport, change, reviewedProject, writeJson } from './gate-report-builder';

let project: string;
let report: string;
let planDigest: string;

beforeAll(() => {
  project = reviewedProject({ campaigns: { naming: 'crm' }, billing: { state: 'erp' } });
  const r = buildReport(project, ['campaigns', 'billing'], [
    // A move across teams needs both; the billing change only Finance.
    change('campaigns', 'campaign.name', ['Marketing operations', 'Content team'], 'authority moves from crm to cms'),
    change('billing', 'account.billing_state', ['Finance'], 'max lag 5m -> 1m'),
  ]);
  planDigest = r.planDigest;
  report = writeJson(path.join(project, 'review.json'), r);
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const approvals = (name: string, digest: string, approvedBy: string[]) =>
  writeJson(path.join(project, name), { planDigest: digest, approvedBy });

test('names each fact and the teams whose approval it lacks, and fails', async () => {
  const r = await authority(project, 'gate', '--report', report, '--approved-by', '@example/marketing-ops');
  expect(r.code).toBe(1);
  expect(r.err).toContain('2 of 2 ownership change(s) lack approval');
  expect(r.err).toMatch(/campaigns {2}campaign\.name {2}authority moves from crm to cms\n\s+missing approval of Content team \(@example\/content\)/);
  expect(r.err).toMatch(/billing {2}account\.billing_state .*\n\s+missing approval of Finance \(@example\/finance\)/);
  expect(r.err).not.toMatch(/missing approval of Marketing operations/);
});

test('passes when both teams of a move and the other domain\'s team approved the report\'s plans', async () => {
  // Names and handles both count: the team directory maps one to the other.
  const file = approvals('approved.json', planDigest, ['@example/marketing-ops', 'content team', 'Finance']);
  const r = await authority(project, 'gate', '--report', report, '--approvals', file);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('all 2 ownership change(s) approved');
});

test('approvals for another plan digest count for nothing, and it says so', async () => {
  const file = approvals('stale.json', 'f'.repeat(64), ['Marketing operations', 'Content team', 'Finance']);
  const r = await authority(project, 'gate', '--report', report, '--approvals', file);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${file}: these approvals are for plan digest ffffffffffff, not this report's ${planDigest.slice(0, 12)}: they count for nothing`);
  expect(r.err).toContain('missing approval of Finance (@example/finance)');
});

test('soft fails without an override; an override by a named person is appended to the log', async () => {
  const soft = await authority(project, 'gate', '--report', report, '--approvals', 'Finance', '--level', 'soft');
  expect(soft.code).toBe(1);
  expect(soft.err).toContain('--override-by NAME --override-reason TEXT');

  const log = path.join(project, 'audit', 'overrides.jsonl');
  const args = ['gate', '--report', report, '--approvals', 'Finance', '--level', 'soft', '--override-log', log];
  const first = await authority(project, ...args, '--override-by', 'Dana Lee', '--override-reason', 'CMS cut-over tonight; content team on leave');
  expect(first.code).toBe(0);
  expect(first.out).toContain(`Overridden by Dana Lee: "CMS cut-over tonight; content team on leave". Recorded in ${log}.`);
  await authority(project, ...args, '--override-by', 'Sam Roe', '--override-reason', 'again');
  const records = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(records).toHaveLength(2); // appended, never rewritten
  expect(records[0]).toMatchObject({
    planDigest, level: 'soft', overriddenBy: 'Dana Lee', reason: 'CMS cut-over tonight; content team on leave',
    missing: [{ change: 'campaigns/campaign.name/authority-moved', fact: 'campaign.name', teams: ['Marketing operations', 'Content team'] }],
  });
  expect(records[1].overriddenBy).toBe('Sam Roe');
});

test('hard fails and takes no override', async () => {
  const log = path.join(project, 'hard-overrides.jsonl');
  const r = await authority(project, 'gate', '--report', report, '--approvals', 'Finance', '--level', 'hard',
    '--override-by', 'Dana Lee', '--override-reason', 'please', '--override-log', log);
  expect(r.code).toBe(1);
  expect(r.err).toContain('Hard-mandatory: no override');
  expect(fs.existsSync(log)).toBe(false);
});

test('advisory reports what is missing and never fails', async () => {
  const r = await authority(project, 'gate', '--report', report, '--approvals', '', '--level', 'advisory');
  expect(r.code).toBe(0);
  expect(r.out).toContain('missing approval of Marketing operations (@example/marketing-ops) and Content team (@example/content)');
  expect(r.out).toContain('Advisory: reported only');
});

test('bad input names the file and what to fix, exit 2, no stack trace', async () => {
  const missing = await authority(project, 'gate', '--report', 'nope.json', '--approvals', 'Finance');
  expect(missing.code).toBe(2);
  expect(missing.err).toContain(`${path.join(project, 'nope.json')}: no report there.`);

  fs.writeFileSync(path.join(project, 'broken.json'), '{ "planDigest": ');
  const broken = await authority(project, 'gate', '--report', report, '--approvals', 'broken.json');
  expect(broken.code).toBe(2);
  expect(broken.err).toMatch(/broken\.json: not valid JSON .*Write \{"planDigest"/);

  const unbound = approvals('unbound.json', '', ['Finance']);
  expect((await authority(project, 'gate', '--report', report, '--approvals', unbound)).err).toContain('"planDigest" is missing');

  const level = await authority(project, 'gate', '--report', report, '--approvals', 'Finance', '--level', 'strict');
  expect(level.code).toBe(2);
  expect(level.err).toContain('--level must be one of advisory, soft, hard, not "strict"');
  for (const r of [missing, broken, level]) expect(r.err).not.toMatch(/\n\s+at /);
});

test('an approval that names no team is reported, not silently dropped', async () => {
  const r = await authority(project, 'gate', '--report', report, '--approved-by', '@example/markting-ops', '--level', 'advisory');
  expect(r.err).toContain('"@example/markting-ops" is no team in');
});
