/**
 * Saved plans for review: synthesizes the project's app (as `cdktf synth` does: the app command
 * of cdktf.json, with CDKTF_OUTDIR), then per domain `terraform init`, `terraform plan -out` and
 * `terraform show` (JSON and text) in its stack folder, with the local provider mirror.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terraformEnv } from '../tooling/terraform-env';

/** One domain's saved plan and what terraform shows of it. */
export interface SavedPlan {
  readonly domain: string;
  /** Absolute path of the saved plan file. */
  readonly planFile: string;
  /** The plan file's bytes (what the digest is over). */
  readonly bytes: Buffer;
  /** `terraform show -json` of the plan. */
  readonly json: string;
  /** `terraform show -no-color` of the plan: what a reviewer reads in full. */
  readonly text: string;
}

export interface ProjectLayout {
  /** The project folder (cdktf.json). */
  readonly dir: string;
  /** The app command of cdktf.json. */
  readonly app: string;
  /** The synth output folder (cdktf.json `output`, default cdktf.out), absolute. */
  readonly outdir: string;
  readonly context: Record<string, unknown>;
}

/**
 * Reads cdktf.json of `dir`; fails saying where it looked. AUTHORITY_HOME moves the synth output
 * to `$AUTHORITY_HOME/cdktf.out`, as it does for `npm start` and `authority apply`: review, apply
 * and the embedded default then read and write the same stack folders.
 */
export function readProject(dir: string, env: NodeJS.ProcessEnv = process.env): ProjectLayout {
  const file = path.join(dir, 'cdktf.json');
  if (!fs.existsSync(file)) throw new Error(`No cdktf.json in ${dir}: run authority review in the project folder.`);
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof config.app !== 'string') throw new Error(`${file} has no "app" command to synthesize the domains with.`);
  const outdir = env.AUTHORITY_HOME ? path.resolve(env.AUTHORITY_HOME, 'cdktf.out') : path.resolve(dir, config.output ?? 'cdktf.out');
  return { dir, app: config.app, outdir, context: config.context ?? {} };
}

/** Where the saved plans go by default: `.authority/plans`, or `$AUTHORITY_HOME/plans`. */
export function defaultPlansDir(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.AUTHORITY_HOME ? path.resolve(env.AUTHORITY_HOME, 'plans') : path.join(dir, '.authority', 'plans');
}

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; shell?: boolean }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new Error(`could not run ${command}: ${e.message}${command === 'terraform' ? ' (is Terraform >= 1.5 on the PATH?)' : ''}`)));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Synthesizes every domain of the project; returns the stack names in the manifest, sorted. */
export async function synthesize(project: ProjectLayout): Promise<string[]> {
  const env = terraformEnv({
    CDKTF_OUTDIR: project.outdir,
    CDKTF_CONTEXT_JSON: JSON.stringify(project.context),
    SYNTH_HCL_OUTPUT: 'false',
  });
  const r = await run(project.app, [], { cwd: project.dir, env, shell: true });
  if (r.code !== 0) throw new Error(`synth failed (${project.app}):\n${(r.stderr || r.stdout).trim()}`);
  return stacksOf(project);
}

/** The synthesized stacks (domains), sorted by name. */
export function stacksOf(project: ProjectLayout): string[] {
  const manifest = path.join(project.outdir, 'manifest.json');
  if (!fs.existsSync(manifest)) throw new Error(`No synthesized stacks in ${project.outdir}: synthesize first (or drop --from-plans).`);
  return Object.keys(JSON.parse(fs.readFileSync(manifest, 'utf8')).stacks ?? {}).sort();
}

export function stackDir(project: ProjectLayout, domain: string): string {
  return path.join(project.outdir, 'stacks', domain);
}

async function terraform(dir: string, what: string, args: string[]): Promise<string> {
  const r = await run('terraform', args, { cwd: dir, env: terraformEnv({ TF_IN_AUTOMATION: '1' }) });
  if (r.code !== 0) throw new Error(`${what}: terraform ${args[0]} exited ${r.code}:\n${(r.stderr + r.stdout).trim()}`);
  return r.stdout;
}

/** Inits and plans one domain into `planFile`; returns what the plan printed of the changes, when it can tell. */
export async function planDomain(project: ProjectLayout, domain: string, planFile: string): Promise<string | undefined> {
  const dir = stackDir(project, domain);
  await terraform(dir, domain, ['init', '-input=false', '-no-color']);
  return planText(await terraform(dir, domain, ['plan', '-input=false', '-no-color', '-lock-timeout=60s', `-out=${planFile}`]));
}

/**
 * The part of `terraform plan`'s output that `terraform show <planfile>` prints: from the blank
 * line before the changes (or "No changes.") on, without the refresh lines before it or, outside
 * automation, the "Saved the plan" lines after it. Undefined when the output has no such mark:
 * then the caller asks `terraform show`, one more terraform start.
 */
export function planText(output: string): string | undefined {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^(Terraform used the selected providers|No changes\.|Note: Objects have changed outside of Terraform|Terraform will perform the following actions)/.test(l));
  if (start < 0) return undefined;
  const saved = lines.findIndex((l) => /^Saved the plan to: /.test(l));
  let end = saved < 0 ? lines.length : saved;
  if (saved >= 0) while (end > start && /^(─+|\s*)$/.test(lines[end - 1])) end--; // the rule and blank lines before it
  const from = start > 0 && lines[start - 1] === '' ? start - 1 : start;
  return lines.slice(from, end).join('\n') + (saved >= 0 ? '\n' : '');
}

/**
 * Reads a saved plan: its bytes and what `terraform show` says of it (JSON, and the text unless
 * `text` already holds it: each terraform run also starts the provider).
 */
export async function showPlan(project: ProjectLayout, domain: string, planFile: string, text?: string): Promise<SavedPlan> {
  if (!fs.existsSync(planFile)) throw new Error(`${domain}: no saved plan at ${planFile}. Run authority review without --from-plans to make it.`);
  const dir = stackDir(project, domain);
  const bytes = fs.readFileSync(planFile);
  const [json, shown] = await Promise.all([
    terraform(dir, domain, ['show', '-json', planFile]),
    text ?? terraform(dir, domain, ['show', '-no-color', planFile]),
  ]);
  return { domain, planFile, bytes, json, text: shown };
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order of results. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * How many domains plan at once. Each stack has its own folder, state and lock, so plans do not
 * share anything terraform writes; the limit keeps the providers' connections and CPUs in bounds.
 */
export function planConcurrency(): number {
  return Math.max(1, Math.min(4, os.cpus().length));
}

export interface PlanAllOptions {
  readonly project: ProjectLayout;
  /** The domains to review; all synthesized ones when empty. */
  readonly domains: readonly string[];
  readonly plansDir: string;
  /** Read the saved plans instead of planning. */
  readonly fromPlans: boolean;
  readonly progress?: (line: string) => void;
}

/** Plans (or reads the saved plans of) the chosen domains, in domain-name order. */
export async function savedPlans(o: PlanAllOptions): Promise<SavedPlan[]> {
  const known = o.fromPlans ? stacksOf(o.project) : await synthesize(o.project);
  const unknown = o.domains.filter((d) => !known.includes(d));
  if (unknown.length) throw new Error(`no domain named ${unknown.join(', ')}; the domains are: ${known.join(', ') || '(none)'}.`);
  const domains = o.domains.length ? [...new Set(o.domains)].sort() : known;
  fs.mkdirSync(o.plansDir, { recursive: true });
  return inParallel(domains, planConcurrency(), async (domain) => {
    const planFile = path.join(o.plansDir, `${domain}.tfplan`);
    let text: string | undefined;
    if (!o.fromPlans) {
      o.progress?.(`planning ${domain} ...`);
      text = await planDomain(o.project, domain, planFile);
    }
    return showPlan(o.project, domain, planFile, text);
  });
}
