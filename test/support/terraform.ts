/** Runs real terraform on a synthesized stack, with the project's local provider mirror. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { terraformEnv } from '../../tooling/terraform-env';

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, colour-free: what a person reads. */
  readonly output: string;
}

export class Terraform {
  constructor(
    public readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  public run(...args: string[]): TerraformResult {
    const r = spawnSync('terraform', [...args], {
      cwd: this.dir,
      env: terraformEnv({ TF_IN_AUTOMATION: '1', ...this.env }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const stdout = r.stdout ?? '';
    const stderr = r.stderr ?? '';
    return { code: r.status ?? -1, stdout, stderr, output: stdout + stderr };
  }

  /** Like run, but lets the test work (probe the platforms) while terraform runs. */
  public runAsync(...args: string[]): Promise<TerraformResult> {
    return this.start(...args).done;
  }

  /** Starts terraform and hands back its process (to signal it) and its result once it exits. */
  public start(...args: string[]): { child: ChildProcess; done: Promise<TerraformResult> } {
    const child = spawn('terraform', args, { cwd: this.dir, env: terraformEnv({ TF_IN_AUTOMATION: '1', ...this.env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<TerraformResult>((resolve) =>
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, output: stdout + stderr })));
    return { child, done };
  }

  /** Runs and fails the test with terraform's own words when it does not exit 0. */
  public ok(...args: string[]): TerraformResult {
    const r = this.run(...args);
    if (r.code !== 0) throw new Error(`terraform ${args.join(' ')} exited ${r.code}:\n${r.output}`);
    return r;
  }

  public init(): TerraformResult {
    return this.ok('init', '-input=false', '-no-color');
  }

  public apply(): TerraformResult {
    return this.ok('apply', '-auto-approve', '-input=false', '-no-color');
  }

  /** `plan -detailed-exitcode`: code 0 means no changes, 2 means changes, 1 an error. */
  public plan(...args: string[]): TerraformResult {
    return this.run('plan', '-detailed-exitcode', '-input=false', '-no-color', ...args);
  }

  public destroy(): TerraformResult {
    return this.ok('destroy', '-auto-approve', '-input=false', '-no-color');
  }

  public stateText(): string {
    const f = path.join(this.dir, 'terraform.tfstate');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  }
}
