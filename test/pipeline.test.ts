/**
 * The example pipelines run the CLI as it is: every authority command and option they use
 * exists, and the generic CI script's steps (codeowners, gate, merge = apply) work in a fresh,
 * clone-like project with real saved plans, the built CLI and real terraform.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../cli/commands';
import { buildReport, change, reviewedProject, ROOT, savePlan, writeJson, writeStack } from './gate-report-builder';
import { Terraform } from './support/terraform';

const WORKFLOW = path.join(ROOT, 'examples', 'github-actions', 'authority.yml');
const SCRIPT = path.join(ROOT, 'examples', 'generic-ci', 'authority-ci.sh');
const CLI = path.join(ROOT, 'dist', 'cli', 'authority.js');


/** Each authority invocation in a file: the command and its options. */
function invocations(file: string, prefix: RegExp): { line: string; command: string; options: string[] }[] {
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const m = line.match(new RegExp(`${prefix.source}\\s+([a-z-]+)(.*)$`));
    return m ? [{ line: line.trim(), command: m[1], options: m[2].match(/--[a-z-]+/g) ?? [] }] : [];
  });
}

test('every authority command and option the example pipelines use exists', () => {
  const used = [...invocations(WORKFLOW, /npx authority/), ...invocations(SCRIPT, /\$AUTHORITY/)];
  expect(used.map((u) => u.command)).toEqual(expect.arrayContaining(['codeowners', 'gate', 'apply', 'review']));
  for (const u of used) {
    const command = COMMANDS.find((c) => c.name === u.command);
    expect({ line: u.line, registered: !!command }).toEqual({ line: u.line, registered: true });
    for (const option of u.options) expect({ line: u.line, option, known: command!.help.includes(option) }).toEqual({ line: u.line, option, known: true });
  }
});

describe('the generic CI script in a fresh project', () => {
  let project: string;
  let planDigest: string;
  beforeAll(() => {
    expect(fs.existsSync(CLI)).toBe(true); // built by the suite's global setup (npm run build)
    project = reviewedProject({ campaigns: { naming: 'crm' }, billing: { state: 'erp' } });
    const report = buildReport(project, ['campaigns', 'billing'], [
      change('campaigns', 'campaign.name', ['Marketing operations', 'Content team']),
      change('billing', 'account.billing_state', ['Finance']),
    ]);
    planDigest = report.planDigest;
    writeJson(path.join(project, 'authority-review.json'), report);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  const ci = (step: string, env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync('sh', [SCRIPT, step], {
      cwd: project, encoding: 'utf8',
      env: { ...process.env, AUTHORITY: `${process.execPath} ${CLI}`, CHECKPOINT_DISABLE: '1', ...env },
    });
    return { code: r.status, output: r.stdout + r.stderr };
  };
  const approvals = (approvedBy: string[]) =>
    writeJson(path.join(project, 'approvals.json'), { planDigest, approvedBy });
  const state = (domain: string) => new Terraform(path.join(project, 'cdktf.out', 'stacks', domain)).stateText();

  test('codeowners: the committed CODEOWNERS is current', () => {
    const r = ci('codeowners');
    expect(r.output).toContain('.github/CODEOWNERS is current');
    expect(r.code).toBe(0);
  });

  test('gate: fails naming what is missing, passes with every team', () => {
    const partly = ci('gate', { AUTHORITY_APPROVALS: approvals(['@example/marketing-ops', '@example/finance']) });
    expect(partly.code).toBe(1);
    expect(partly.output).toContain('campaigns  campaign.name');
    expect(partly.output).toContain('missing approval of Content team (@example/content)');
    const all = ci('gate', { AUTHORITY_APPROVALS: '@example/marketing-ops,@example/content,@example/finance' });
    expect(all.output).toContain('all 2 ownership change(s) approved');
    expect(all.code).toBe(0);
    expect(ci('gate').code).toBe(2); // no approvals given: the script says so
  });

  test('merge: refuses a plan re-made after approval, then applies the reviewed plans', () => {
    const approved = approvals(['Marketing operations', 'Content team', 'Finance']);
    const reviewedBytes = fs.readFileSync(path.join(project, 'cdktf.out/stacks/campaigns/reviewed.tfplan'));
    writeStack(path.join(project, 'cdktf.out', 'stacks', 'campaigns'), { naming: 'cms' });
    savePlan(project, 'campaigns');
    const refused = ci('merge', { AUTHORITY_APPROVALS: approved });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('domain campaigns: cdktf.out/stacks/campaigns/reviewed.tfplan is not the reviewed plan');
    expect(state('campaigns')).toBe('');

    // The reviewed plan back in place (as the merge job downloads it): applied.
    fs.writeFileSync(path.join(project, 'cdktf.out/stacks/campaigns/reviewed.tfplan'), reviewedBytes);
    const applied = ci('merge', { AUTHORITY_APPROVALS: approved });
    expect(applied.output).toContain('applied 2 reviewed plan(s): campaigns, billing');
    expect(applied.code).toBe(0);
    expect(state('campaigns')).toContain('"crm"');
    expect(state('billing')).toContain('"erp"');
  });
});
