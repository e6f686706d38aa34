/**
 * For the gate, apply and pipeline tests: a project folder with small stacks (terraform_data
 * only, real terraform), real saved plans, and a valid ownership report built from them the way
 * `authority review` builds one (plan digests, planDigest over them, changes with approvers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/authority';
import { planFileDigest, planDigestOf } from '../review/digest';
import type { OwnershipChange, OwnershipReport } from '../review/report';
import { Terraform } from './support/terraform';

export const ROOT = path.resolve(__dirname, '..');

/** A stack folder with one terraform_data resource per key, state in the folder. */
export function writeStack(dir: string, resources: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  const json = {
    terraform: { backend: { local: { path: 'terraform.tfstate' } } },
    resource: { terraform_data: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { input: v }])) },
  };
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
}

/** The saved plan's place in a project, relative to it. */
export const planFileOf = (domain: string) => `cdktf.out/stacks/${domain}/reviewed.tfplan`;

/** Initialises (once) and plans `domain`'s stack into its saved plan file. */
export function savePlan(projectDir: string, domain: string): string {
  const tf = new Terraform(path.join(projectDir, 'cdktf.out', 'stacks', domain));
  if (!fs.existsSync(path.join(tf.dir, '.terraform'))) tf.init();
  const r = tf.plan(`-out=${path.join(projectDir, planFileOf(domain))}`);
  if (r.code === 1) throw new Error(`terraform plan of ${domain} failed:\n${r.output}`);
  return path.join(projectDir, planFileOf(domain));
}

/** A change of `fact` in `domain` needing `approvers`. */
export function change(domain: string, fact: string, approvers: string[], summary = `authority of ${fact} moves`): OwnershipChange {
  return { id: `${domain}/${fact}/authority-moved`, domain, fact, kind: 'authority-moved', summary, approvers };
}

/** The report over the saved plans of `domains` (in that order) and `changes`. */
export function buildReport(projectDir: string, domains: string[], changes: OwnershipChange[]): OwnershipReport {
  const plans = domains.map((domain) => ({
    domain, planFile: planFileOf(domain), digest: planFileDigest(path.join(projectDir, planFileOf(domain))), otherChanges: 0, destroys: [],
  }));
  return { formatVersion: '1', planDigest: planDigestOf(plans), plans, changes };
}

export function writeJson(file: string, data: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}

/**
 * A fresh project folder, like a clone: the model's sources (policies, constructs, tooling,
 * main.ts, the team directory, the committed CODEOWNERS) copied, node_modules linked.
 */
export function cloneProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-project-'));
  for (const f of ['policies', 'constructs/src', 'tooling', 'review', 'main.ts', 'cdktf.json', 'package.json', 'authority.teams.json', '.github/CODEOWNERS']) {
    fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** A project (see cloneProject) with one stack per domain, planned: the state after `authority review`. */
export function reviewedProject(stacks: Record<string, Record<string, string>>): string {
  const dir = cloneProject();
  for (const [domain, resources] of Object.entries(stacks)) {
    writeStack(path.join(dir, 'cdktf.out', 'stacks', domain), resources);
    savePlan(dir, domain);
  }
  return dir;
}

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `authority <args>` in-process in `cwd`, as a user would see it. */
export async function authority(cwd: string, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
