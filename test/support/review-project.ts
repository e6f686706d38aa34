/**
 * A project folder for the review tests: cdktf.json whose app is the two-domain model of
 * review-model.ts (bundled), model.json saying the variant, local state beside it. Runs the real
 * `authority review` (dist/cli/authority.js) in it, and applies saved plans with real terraform.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { PROJECT_DIR } from '../../tooling/paths';
import { terraformEnv } from '../../tooling/terraform-env';
import type { ReviewModel } from './review-model';
import type { TestPlatforms } from './platforms';

const ROOT = PROJECT_DIR;
const CLI = path.join(ROOT, 'dist', 'cli', 'authority.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class ReviewProject {
  public static create(platforms: TestPlatforms): ReviewProject {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-review-'));
    buildSync({
      entryPoints: [path.join(ROOT, 'test', 'support', 'review-model.ts')], outfile: path.join(dir, 'app.js'),
      bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'error',
    });
    // The bundle leaves cdktf and constructs to node's resolution: point it at the project's.
    const app = `NODE_PATH=${JSON.stringify(path.join(ROOT, 'node_modules'))} ${JSON.stringify(process.execPath)} app.js`;
    fs.writeFileSync(path.join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app }, null, 2));
    const conn = (s: TestPlatforms['crm']) => {
      const c = s.connection;
      return { host: c.host, port: c.port, username: c.username, passwordFile: c.passwordFile };
    };
    return new ReviewProject(dir, {
      crm: conn(platforms.crm), ops: conn(platforms.ops), stateDir: path.join(dir, 'state'),
      nameAuthority: 'crm', copyEdits: 'read_only', description: 'A marketing campaign.',
    });
  }

  private constructor(public readonly dir: string, private readonly base: ReviewModel) {
    this.model({});
  }

  /** Writes the model variant (on top of the base: the CRM owns campaign.name, read-only on ops). */
  public model(change: Partial<ReviewModel>): void {
    fs.writeFileSync(path.join(this.dir, 'model.json'), JSON.stringify({ ...this.base, ...change }, null, 2));
  }

  /** Runs `node dist/cli/authority.js review <args>` in the project folder. */
  public review(...args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'review', ...args], { cwd: this.dir, env: { ...process.env, AUTHORITY_TODAY: '2027-01-01' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** The saved plan of `domain` (the review's default plans folder). */
  public planFile(domain: string): string {
    return path.join(this.dir, '.authority', 'plans', `${domain}.tfplan`);
  }

  /** Applies the saved plan of each domain, as a pipeline applies what was reviewed. */
  public apply(...domains: string[]): void {
    for (const domain of domains) {
      const r = spawnSync('terraform', ['apply', '-input=false', '-no-color', this.planFile(domain)], {
        cwd: path.join(this.dir, 'cdktf.out', 'stacks', domain), env: terraformEnv(), encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`terraform apply of ${domain} failed:\n${r.stdout}${r.stderr}`);
    }
  }

  /** Destroys what the domains created (the next test starts from bare platforms). */
  public destroy(): void {
    for (const domain of ['campaigns', 'operations']) {
      const stack = path.join(this.dir, 'cdktf.out', 'stacks', domain);
      if (fs.existsSync(path.join(stack, '.terraform'))) {
        spawnSync('terraform', ['destroy', '-auto-approve', '-input=false', '-no-color'], { cwd: stack, env: terraformEnv(), encoding: 'utf8' });
      }
    }
  }

  public remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
