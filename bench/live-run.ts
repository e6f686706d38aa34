/**
 * What the benches against live servers share: terraform timed as a user runs it, and a
 * scratch folder the servers' user may enter, removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terraformEnv } from '../tooling/terraform-env';

/** Runs terraform in `dir`; exit code 2 (a plan with changes) is success. */
export function timed(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; output: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync('terraform', args, { cwd: dir, env: terraformEnv(env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 2) throw new Error(`terraform ${args.join(' ')} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, output: r.stdout + r.stderr };
}

/** Runs `bench` in a fresh scratch folder; prints only the message of a failure and exits 1. */
export function runBench(name: string, bench: (root: string) => Promise<void>): void {
  (async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `authority-${name}-bench-`));
    fs.chmodSync(root, 0o755); // the servers run as another user when the bench runs as root
    try {
      await bench(root);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  })().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
