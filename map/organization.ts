/**
 * Which organization the map describes, and where its deployed stacks are. A user's own project:
 * the app its cdktf.json names (or `--app <command>`), synthesized into a scratch folder, or a
 * folder it already synthesized (`--app cdktf.out`); each domain's stack carries its ownership
 * facts as the `authority_ownership` output, so the map reads exactly what the stacks deploy.
 * Inside this package itself: the example organization in policies/, built in process with
 * platforms declared unconnected, so mapping and explaining never need running platforms.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { Construct } from 'constructs';
import { DomainOwnership, Ownership } from '../constructs/src/ownership';
import { unpackOwnership } from '../constructs/src/ownership-output';
import { defineOrganization } from '../policies';
import { buildMap } from './build';
import type { AuthorityMap } from './map-types';

type Define = (scope: Construct) => void;
const EXAMPLE: Define = (s) => defineOrganization(s, { requireConnections: false });

/** The ownership facts of the organization `define` declares (the example organization in policies/ by default). */
export function organizationOwnership(define: Define = EXAMPLE): DomainOwnership[] {
  const app = new App({ skipValidation: true });
  define(app);
  return Ownership.ofApp(app);
}

/** The map of the organization `define` declares (the example organization in policies/ by default). */
export function organizationMap(define: Define = EXAMPLE): AuthorityMap {
  return buildMap(organizationOwnership(define));
}

/** An organization to map: its ownership facts, and where its deployed stacks are (for --live). */
export interface OrganizationSource {
  /** What the map calls the organization: "policies/", the app command, or the synthesized folder. */
  readonly organization: string;
  readonly domains: DomainOwnership[];
  /** The folder holding one stack folder per domain (`cdktf.out/stacks`), as deployed. */
  readonly stacksDir: string;
}

/** A folder the user gave or named that does not hold an organization: the message says what to do. */
export class OrganizationNotFound extends Error {}

/** The root of this package (the folder of its package.json), where the example organization lives. */
function packageRoot(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try { if (JSON.parse(fs.readFileSync(file, 'utf8')).name === 'authority') return dir; } catch { /* not ours: keep looking */ }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The ownership facts a synthesized folder's stacks carry (`<dir>/stacks/<domain>/cdk.tf.json`, output authority_ownership). */
export function ownershipFromSynth(outDir: string): DomainOwnership[] {
  const stacks = path.join(outDir, 'stacks');
  const names = fs.existsSync(stacks) ? fs.readdirSync(stacks).filter((n) => fs.existsSync(path.join(stacks, n, 'cdk.tf.json'))).sort() : [];
  const domains = names.flatMap((n) => {
    const output = JSON.parse(fs.readFileSync(path.join(stacks, n, 'cdk.tf.json'), 'utf8')).output?.[Ownership.OUTPUT_NAME];
    return typeof output?.value === 'string' ? [JSON.parse(unpackOwnership(output.value)) as DomainOwnership] : [];
  });
  if (domains.length === 0) {
    throw new OrganizationNotFound(
      `${outDir} holds no synthesized Domain (no stacks/<domain>/cdk.tf.json with an ${Ownership.OUTPUT_NAME} output). ` +
        'Synthesize your app first (npx cdktf synth), and declare your facts in authority Domains.',
    );
  }
  const newer = domains.find((d) => d.formatVersion > Ownership.FORMAT_VERSION);
  if (newer) throw new OrganizationNotFound(`Domain ${newer.domain} in ${outDir} was synthesized by a newer authority (ownership format ${newer.formatVersion}); update this CLI.`);
  return domains;
}

/** Runs a cdktf app command into a scratch folder and returns its ownership facts. */
export function ownershipFromApp(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): DomainOwnership[] {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-map-synth-'));
  try {
    const run = spawnSync(command, { cwd, shell: true, encoding: 'utf8', env: { ...env, CDKTF_OUTDIR: outDir }, maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) {
      const said = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
      throw new OrganizationNotFound(`The app \`${command}\` failed in ${cwd} (exit ${run.status ?? run.signal}):\n${said}\nFix the app, or pass --app <folder> with a folder it synthesized.`);
    }
    return ownershipFromSynth(outDir);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** cdktf.json's app command and output folder, when `dir` has one. */
function cdktfJson(dir: string): { app?: string; output: string } | undefined {
  const file = path.join(dir, 'cdktf.json');
  if (!fs.existsSync(file)) return undefined;
  let json: any;
  try { json = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new OrganizationNotFound(`${file} is not JSON: ${(e as Error).message}`); }
  return { app: typeof json.app === 'string' && json.app.trim() ? json.app : undefined, output: typeof json.output === 'string' ? json.output : 'cdktf.out' };
}

/**
 * The organization to map from `cwd`: `app` (a synthesized folder, or a command that synthesizes
 * the app), else the app cwd's cdktf.json names, else, inside this package, the example in policies/.
 */
export function organizationSource(cwd: string, app?: string): OrganizationSource {
  const project = cdktfJson(cwd);
  const deployed = path.join(cwd, project?.output ?? 'cdktf.out', 'stacks');
  if (app !== undefined) {
    const dir = path.resolve(cwd, app);
    if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) {
      return { organization: app, domains: ownershipFromSynth(dir), stacksDir: path.join(dir, 'stacks') };
    }
    return { organization: app, domains: ownershipFromApp(app, cwd), stacksDir: deployed };
  }
  const root = packageRoot();
  if (root && path.resolve(cwd) === root) return { organization: 'policies/', domains: organizationOwnership(), stacksDir: deployed };
  if (!project) {
    throw new OrganizationNotFound(
      `No cdktf.json in ${cwd}, so no organization to map. Run from your CDK for Terraform project (its cdktf.json names the app ` +
        'that declares your authority Domains), or pass --app "<command that synthesizes it>" or --app <folder it synthesized, e.g. cdktf.out>.',
    );
  }
  if (!project.app) throw new OrganizationNotFound(`${path.join(cwd, 'cdktf.json')} names no "app": add the command that runs your app, or pass --app.`);
  return { organization: project.app, domains: ownershipFromApp(project.app, cwd), stacksDir: deployed };
}

/** The map of an organization source. */
export function sourceMap(source: OrganizationSource): AuthorityMap {
  return buildMap(source.domains, source.organization);
}
