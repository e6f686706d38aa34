/**
 * The pipeline's apply step: apply exactly what was reviewed and approved. Each saved plan's
 * sha256 must still be the report's, the report's plans must add up to its planDigest, and the
 * approvals must name that digest; only then does terraform apply each saved plan.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planFileDigest, planDigestOf, shortDigest } from './digest';
import { type ApprovalSource, staleMessage } from './approvals';
import { InputError } from './gate-errors';
import type { OwnershipChange, OwnershipReport, ReviewedPlan } from './report';
import { PlanInput, buildReport } from './build-report';

/** Why the reviewed plans cannot be applied; empty when they can. */
export function planProblems(report: OwnershipReport, projectDir: string, approvals: readonly ApprovalSource[]): string[] {
  const problems: string[] = [];
  for (const plan of report.plans) {
    const file = path.resolve(projectDir, plan.planFile);
    if (!fs.existsSync(file)) {
      problems.push(`domain ${plan.domain}: the reviewed plan ${plan.planFile} is missing. Review the change again (authority review) and apply that.`);
      continue;
    }
    const actual = planFileDigest(file);
    if (actual !== plan.digest) {
      problems.push(
        `domain ${plan.domain}: ${plan.planFile} is not the reviewed plan (sha256 ${shortDigest(actual)}, reviewed ${shortDigest(plan.digest)}): ` +
        'it was made again after review. Review and approve the new plan; nothing was applied.',
      );
    }
  }
  const total = planDigestOf(report.plans);
  if (total !== report.planDigest) {
    problems.push(`the report's plans add up to plan digest ${shortDigest(total)}, but it says ${shortDigest(report.planDigest)}: the report was changed after review. Review again.`);
  }
  for (const source of approvals) {
    if (source.planDigest !== undefined && source.planDigest !== report.planDigest) problems.push(staleMessage(source, report.planDigest));
  }
  return problems;
}

/** The folder terraform runs in for `domain`: its cdktf stack folder. */
export function stackFolder(stacksDir: string, plan: ReviewedPlan): string {
  checkDomainName(plan.domain);
  const dir = path.join(stacksDir, plan.domain);
  if (!fs.existsSync(path.join(dir, 'cdk.tf.json'))) {
    throw new InputError(`domain ${plan.domain}: no stack folder at ${dir} (no cdk.tf.json). Apply from the project the plan was made in, or pass --stacks DIR.`);
  }
  return dir;
}

/** Where cdktf keeps the stack folders by default (AUTHORITY_HOME moves cdktf.out, as for the embedded default). */
export function defaultStacksDir(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.AUTHORITY_HOME ? path.join(path.resolve(env.AUTHORITY_HOME), 'cdktf.out', 'stacks') : path.join(projectDir, 'cdktf.out', 'stacks');
}

export interface TerraformRun {
  readonly code: number;
  readonly output: string;
}

/**
 * What terraform said, without its closing "Outputs:" block: the domain's authority_ownership
 * output is the machine-readable model (`<sensitive>` there now; plain JSON from older
 * versions), not for the pipeline log.
 */
export function withoutOutputs(output: string): string {
  const at = output.search(/\n\s*Outputs:\s*\n/);
  return (at < 0 ? output : output.slice(0, at)).trim();
}

/** Runs terraform in `dir` and collects what it says. */
export function runTerraform(dir: string, args: readonly string[], env: NodeJS.ProcessEnv, withErrors = true): Promise<TerraformRun> {
  return new Promise((resolve) => {
    const child = spawn('terraform', args, { cwd: dir, env });
    let output = '';
    let errors = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (withErrors ? (output += d) : (errors += d)));
    child.on('error', (e) => resolve({ code: 127, output: `terraform could not start (${e.message}): install Terraform >= 1.5 on the PATH.` }));
    // Without errors in the output (JSON on stdout), a failure still says why.
    child.on('close', (code) => resolve({ code: code ?? 1, output: code === 0 || withErrors ? output : `${errors}${output}` }));
  });
}

/**
 * Applies each saved plan in its stack folder, in report order; stops at the first failure.
 * Returns the lines to print and whether every plan applied.
 */
export async function applyPlans(
  report: OwnershipReport, projectDir: string, stacksDir: string, env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<boolean> {
  const folders = report.plans.map((p) => stackFolder(stacksDir, p));
  const applied: string[] = [];
  for (const [i, plan] of report.plans.entries()) {
    const dir = folders[i];
    if (!fs.existsSync(path.join(dir, '.terraform'))) {
      const init = await runTerraform(dir, ['init', '-input=false', '-no-color'], env);
      if (init.code !== 0) return failed(plan, 'terraform init', init, applied, report, say);
    }
    say(`authority apply: ${plan.domain}: applying ${plan.planFile} (sha256 ${shortDigest(plan.digest)})`);
    const run = await runTerraform(dir, ['apply', '-input=false', '-no-color', path.resolve(projectDir, plan.planFile)], env);
    if (run.code !== 0) return failed(plan, 'terraform apply', run, applied, report, say);
    say(withoutOutputs(run.output));
    applied.push(plan.domain);
  }
  say(`authority apply: applied ${applied.length} reviewed plan(s)${applied.length ? `: ${applied.join(', ')}` : ''}.`);
  return true;
}

function failed(plan: ReviewedPlan, step: string, run: TerraformRun, applied: readonly string[], report: OwnershipReport, say: (line: string) => void): false {
  const rest = report.plans.map((p) => p.domain).filter((d) => d !== plan.domain && !applied.includes(d));
  say(run.output.trim());
  say(`authority apply: ${plan.domain}: ${step} failed (exit ${run.code}). Applied: ${applied.join(', ') || 'none'}; not applied: ${[plan.domain, ...rest].join(', ')}.`);
  return false;
}

/**
 * The ownership changes the saved plans make that the report leaves out, or lists with fewer
 * approvers: a report edited after review (changes dropped, approvers swapped for teams that did
 * approve) would otherwise pass the gate with genuine plans. Extra changes in the report only
 * make the gate stricter.
 */
export function unreportedChanges(report: OwnershipReport, fromPlans: readonly OwnershipChange[]): string[] {
  const problems: string[] = [];
  for (const c of fromPlans) {
    const listed = report.changes.find((r) => r.id === c.id);
    const missing = c.approvers.filter((a) => !listed?.approvers.includes(a));
    if (!listed) problems.push(`${c.domain}: ${c.fact}: the plans make this change, which the report does not list: "${c.summary}".`);
    else if (missing.length) problems.push(`${c.domain}: ${c.fact}: the report leaves out ${missing.join(', ')} among the approvers of "${c.summary}".`);
  }
  return problems;
}

/** A domain name as a folder name: nothing that leaves the stacks folder. */
export function checkDomainName(domain: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(domain) || domain.includes('..')) {
    throw new InputError(`the report names domain ${JSON.stringify(domain)}, which is not a stack's name. Review again; nothing was applied.`);
  }
}

/** The ownership changes the saved plans make, read again from the plan files with `terraform show -json`. */
export async function changesOfPlans(report: OwnershipReport, projectDir: string, stacksDir: string, env: NodeJS.ProcessEnv): Promise<OwnershipChange[]> {
  const inputs: PlanInput[] = [];
  for (const plan of report.plans) {
    const file = path.resolve(projectDir, plan.planFile);
    const dir = stackFolder(stacksDir, plan); // checks the domain's name first
    if (!fs.existsSync(path.join(dir, '.terraform'))) {
      const init = await runTerraform(dir, ['init', '-input=false', '-no-color'], env);
      if (init.code !== 0) throw new InputError(`domain ${plan.domain}: terraform init failed:\n${init.output.trim()}`);
    }
    const shown = await runTerraform(dir, ['show', '-json', file], env, false);
    if (shown.code !== 0) throw new InputError(`domain ${plan.domain}: terraform show of ${plan.planFile} failed:\n${shown.output.trim()}`);
    inputs.push({ domain: plan.domain, planFile: plan.planFile, bytes: fs.readFileSync(file), json: shown.output });
  }
  return [...buildReport(inputs, report.today ?? new Date().toISOString().slice(0, 10)).changes];
}
