/**
 * `authority apply`: applies the saved plans that were reviewed and approved, with real
 * terraform, and refuses a plan made again after approval (naming the domain) before terraform runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDomainName, unreportedChanges, withoutOutputs } from '../review/apply';
import { authority, buildReport, change, reviewedProject, savePlan, writeJson, writeStack } from './gate-report-builder';
import { Terraform } from './support/terraform';

const CHANGES = [
  change('campaigns', 'campaign.name', ['Marketing operations', 'Content team']),
  change('billing', 'account.billing_state', ['Finance']),
];
const EVERYONE = ['Marketing operations', 'Content team', 'Finance'];

function reviewed() {
  const project = reviewedProject({ campaigns: { naming: 'crm' }, billing: { state: 'erp' } });
  const report = buildReport(project, ['campaigns', 'billing'], CHANGES);
  return { project, report, reportFile: writeJson(path.join(project, 'review.json'), report) };
}

const stateOf = (project: string, domain: string) =>
  new Terraform(path.join(project, 'cdktf.out', 'stacks', domain)).stateText();

const projects: string[] = [];
afterAll(() => projects.forEach((p) => fs.rmSync(p, { recursive: true, force: true })));

test('applies each reviewed plan in its domain\'s stack folder once approved', async () => {
  const { project, report, reportFile } = reviewed();
  projects.push(project);
  const approvals = writeJson(path.join(project, 'approvals.json'), { planDigest: report.planDigest, approvedBy: EVERYONE });
  const r = await authority(project, 'apply', '--report', reportFile, '--approvals', approvals);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('applied 2 reviewed plan(s): campaigns, billing');
  expect(stateOf(project, 'campaigns')).toContain('"crm"');
  expect(stateOf(project, 'billing')).toContain('"erp"');
});

test('refuses a plan made again after approval, naming the domain, and applies nothing', async () => {
  const { project, report, reportFile } = reviewed();
  projects.push(project);
  const approvals = writeJson(path.join(project, 'approvals.json'), { planDigest: report.planDigest, approvedBy: EVERYONE });
  // After approval, someone changes the billing stack and plans it again over the reviewed file.
  writeStack(path.join(project, 'cdktf.out', 'stacks', 'billing'), { state: 'crm' });
  savePlan(project, 'billing');

  const r = await authority(project, 'apply', '--report', reportFile, '--approvals', approvals);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/domain billing: cdktf\.out\/stacks\/billing\/reviewed\.tfplan is not the reviewed plan \(sha256 \w{12}, reviewed \w{12}\): it was made again after review/);
  expect(r.err).not.toContain('domain campaigns');
  expect(stateOf(project, 'campaigns')).toBe(''); // not even the unchanged domain
  expect(stateOf(project, 'billing')).toBe('');
});

test('refuses approvals bound to another plan digest, and when the gate finds approvals missing', async () => {
  const { project, reportFile } = reviewed();
  projects.push(project);
  const stale = writeJson(path.join(project, 'stale.json'), { planDigest: 'a'.repeat(64), approvedBy: EVERYONE });
  const r = await authority(project, 'apply', '--report', reportFile, '--approvals', stale);
  expect(r.code).toBe(1);
  expect(r.err).toContain('these approvals are for plan digest aaaaaaaaaaaa');

  const partly = await authority(project, 'apply', '--report', reportFile, '--approved-by', 'Finance');
  expect(partly.code).toBe(1);
  expect(partly.err).toContain('missing approval of Marketing operations (@example/marketing-ops) and Content team (@example/content)');
  expect(partly.err).toContain('refused by the gate; nothing was applied');
  expect(stateOf(project, 'campaigns')).toBe('');
});

test('refuses a report whose plans no longer add up to its plan digest', async () => {
  const { project, report } = reviewed();
  projects.push(project);
  // The billing plan re-made and the report's entry edited to match, but not its planDigest.
  writeStack(path.join(project, 'cdktf.out', 'stacks', 'billing'), { state: 'crm' });
  savePlan(project, 'billing');
  const fresh = buildReport(project, ['campaigns', 'billing'], CHANGES);
  const edited = writeJson(path.join(project, 'edited.json'), { ...fresh, planDigest: report.planDigest });
  const r = await authority(project, 'apply', '--report', edited, '--approvals',
    writeJson(path.join(project, 'approvals.json'), { planDigest: report.planDigest, approvedBy: EVERYONE }));
  expect(r.code).toBe(1);
  expect(r.err).toContain('the report was changed after review');
  expect(stateOf(project, 'billing')).toBe('');
});

test('the apply log keeps what terraform did and leaves out the ownership output (plain JSON from older versions, <sensitive> now)', () => {
  for (const value of ['"{\\"formatVersion\\":1}"', '<sensitive>']) {
    const said = `Apply complete! Resources: 2 added, 5 changed, 2 destroyed.\n\nOutputs:\n\nauthority_ownership = ${value}\n`;
    expect(withoutOutputs(said)).toBe('Apply complete! Resources: 2 added, 5 changed, 2 destroyed.');
  }
  expect(withoutOutputs('No changes.\n')).toBe('No changes.');
});

test('apply finds the ownership changes a report leaves out or lists with fewer approvers; extra ones only make the gate stricter', () => {
  const real = [change('campaigns', 'campaign.name', ['Content team', 'Marketing operations'])];
  const report = (changes: ReturnType<typeof change>[]) => ({ formatVersion: '1', planDigest: 'x', plans: [], changes });
  expect(unreportedChanges(report(real), real)).toEqual([]);
  expect(unreportedChanges(report([...real, change('billing', 'account.billing_state', ['Finance'])]), real)).toEqual([]);
  expect(unreportedChanges(report([]), real)).toEqual(['campaigns: campaign.name: the plans make this change, which the report does not list: "authority of campaign.name moves".']);
  expect(unreportedChanges(report([change('campaigns', 'campaign.name', ['Marketing operations'])]), real))
    .toEqual(['campaigns: campaign.name: the report leaves out Content team among the approvers of "authority of campaign.name moves".']);
});

test('a report naming a domain outside the stacks folder is refused', () => {
  expect(() => checkDomainName('../../etc')).toThrow(/not a stack's name/);
  expect(() => checkDomainName('campaigns')).not.toThrow();
});
