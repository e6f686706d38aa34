/**
 * What the benches against live servers share: terraform timed as a user runs it, and a
 * scratch folder the servers' user may enter, removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_DIR } from '../tooling/paths';
import { terraformEnv } from '../tooling/terraform-env';

let perfRuns = 0;
let profRuns = 0;

/**
 * Runs terraform in `dir`; exit code 2 (a plan with changes) is success. `cpu` is the CPU time
 * of terraform and the providers it started (bash's `times` for its children), to tell waiting
 * from working.
 */
export function timed(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; cpu: number; output: string } {
  const started = process.hrtime.bigint();
  // BENCH_PERF=<dir>: each command under `perf record` too (terraform's and the providers' CPU by function).
  const perfFile = process.env.BENCH_PERF ? path.join(process.env.BENCH_PERF, `${args[0]}-${++perfRuns}.data`) : '';
  const perf = perfFile ? 'perf record -q -F 499 -g -o "$0" -- ' : '';
  // BENCH_PROF=<dir>: a V8 CPU profile of every provider process the command starts (open in Chrome's DevTools).
  const prof = process.env.BENCH_PROF ? {
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.join(PROJECT_DIR, 'bench', 'cpu-profile-hook.js'))}`.trim(),
    AUTHORITY_BENCH_PROF_DIR: path.join(process.env.BENCH_PROF, `${args[0]}-${++profRuns}`),
  } : {};
  const script = `${perf}terraform "$@" 3>&-; s=$?; times >&3; exit $s`;
  const r = spawnSync('bash', ['-c', script, perfFile || 'terraform', ...args], {
    cwd: dir, env: terraformEnv({ ...env, ...prof }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  if (r.status !== 0 && r.status !== 2) throw new Error(`terraform ${args.join(' ')} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: childCpu(String(r.output[3] ?? '')), output: r.stdout + r.stderr };
}

/** The children's user + system seconds from bash's `times` (its second line, e.g. `1m2.5s 0m0.3s`). */
export function childCpu(times: string): number {
  const line = times.trim().split('\n')[1] ?? '';
  return [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
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
