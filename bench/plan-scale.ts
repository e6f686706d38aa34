/**
 * Plan, apply and destroy at domain scale against live platforms, beside terraform's builtin
 * terraform_data with the same number of resources in the same run (the machine is shared, so only
 * ratios within one run compare): one domain stack of P policies (10 fields each, authority on one
 * PostgreSQL server, a read-only copy on another: two protections and one route per policy),
 * timed for the first plan (which compares every starting route), the apply, the plan a reviewer
 * runs afterwards (every resource refreshed, no changes) and the destroy. Also the sync lag from
 * authority to copy (p50/p95 of single-row updates) and the provider's start-up.
 *
 *   npm run bench:plan [-- <policies> ...]      (default 100 300 1000)
 *
 * BENCH_LOG=<dir> skips terraform_data and keeps the destroy's output, the state, terraform's log (TF_LOG=INFO, or
 * BENCH_TF_LOG; DEBUG adds each provider call's own duration) and the servers' logs there; with BENCH_STATEMENTS=1 too,
 * the servers log every statement with its duration (where the time goes). BENCH_PERF=<dir> records each command under
 * `perf record`, and BENCH_PROF=<dir> takes a V8 CPU profile of every provider process. Every run prints the CPU time of terraform and the provider beside the wall time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, LocalBackend } from 'cdktf';
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';
import { LocalPostgres } from '../embedded/local-postgres';
import { linkMirror, writeLockFile } from '../tooling/provider-mirror';
import { buildFloorProvider, floorStack } from './floor-stack';
import { runBench, timed } from './live-run';
import { measureLag } from './sync-lag';
import { spawnSync } from 'node:child_process';

const FIELDS = 10;

interface Times { firstPlan: number; apply: number; reviewPlan: number; destroy: number }
interface Row { policies: number; resources: number; ours: Times; cpu: Times; data: Times; floor: Times; lag?: { p50: number; p95: number } }

async function prepare(server: LocalPostgres, tables: number): Promise<void> {
  const db = new Client(server.clientConfig());
  await db.connect();
  const cols = Array.from({ length: FIELDS }, (_, f) => `f${f} text`).join(', ');
  await db.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authority_sync') THEN CREATE ROLE authority_sync; END IF; END $$`);
  const statements: string[] = [];
  for (let t = 0; t < tables; t++) {
    statements.push(`CREATE TABLE IF NOT EXISTS t${t} (id int PRIMARY KEY, ${cols}); GRANT UPDATE ON t${t} TO authority_sync;`);
    statements.push(`INSERT INTO t${t} SELECT i, ${Array.from({ length: FIELDS }, (_, f) => `'v${f}-' || i`).join(', ')} FROM generate_series(1, 10) i ON CONFLICT DO NOTHING;`);
  }
  await db.query(statements.join('\n'));
  await db.end();
}

/** terraform plan/apply/plan of the stack in `dir`: wall seconds, and CPU seconds of terraform and its providers. */
function cycle(dir: string, env: NodeJS.ProcessEnv = {}, init = true): { wall: Times; cpu: Times } {
  if (init) timed(dir, ['init', '-input=false'], env);
  const firstPlan = timed(dir, ['plan', '-input=false', '-detailed-exitcode'], env);
  const apply = timed(dir, ['apply', '-auto-approve', '-input=false'], env);
  const reviewPlan = timed(dir, ['plan', '-input=false', '-detailed-exitcode'], env);
  return {
    wall: { firstPlan: firstPlan.seconds, apply: apply.seconds, reviewPlan: reviewPlan.seconds, destroy: NaN },
    cpu: { firstPlan: firstPlan.cpu, apply: apply.cpu, reviewPlan: reviewPlan.cpu, destroy: NaN },
  };
}

/** The same number of terraform_data resources, each with an input, in its own folder. */
function dataStack(root: string, resources: number): string {
  const dir = path.join(root, `data-${resources}`);
  fs.mkdirSync(dir, { recursive: true });
  const resource: Record<string, unknown> = {};
  for (let i = 0; i < resources; i++) resource[`r${i}`] = { input: { table: `t${Math.floor(i / 3)}`, fields: FIELDS } };
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ resource: { terraform_data: resource } }));
  return dir;
}

/** Every statement with its duration in the server's log (BENCH_LOG), to see where the time goes. */
async function logStatements(server: LocalPostgres): Promise<void> {
  const db = new Client(server.clientConfig());
  await db.connect();
  await db.query(`ALTER SYSTEM SET log_min_duration_statement = 0`);
  await db.query(`ALTER SYSTEM SET log_line_prefix = '%m [%p] %a '`);
  await db.query('SELECT pg_reload_conf()');
  await db.end();
}

const logs = process.env.BENCH_LOG;

async function measure(root: string, policies: number, floorRc: string): Promise<Row> {
  const [crm, ops] = await Promise.all(['crm', 'ops'].map((n) => LocalPostgres.start({ dir: path.join(root, `${n}-${policies}`) })));
  try {
    await Promise.all([prepare(crm, policies), prepare(ops, policies)]);
    if (logs && process.env.BENCH_STATEMENTS) await Promise.all([crm, ops].map((server) => logStatements(server)));
    const outdir = path.join(root, `out-${policies}`);
    const app = new App({ outdir });
    const platform = (name: string, kind: PlatformKind, s: LocalPostgres) => new Platform({
      name, kind, connection: PlatformConnection.postgresql({ ...s.connection }),
    });
    const [a, c] = [platform('crm', PlatformKind.CRM, crm), platform('ops', PlatformKind.INTERNAL_TOOL, ops)];
    const domain = new Domain(app, 'bench', { governedBy: 'Bench' });
    const dir = path.join(outdir, 'stacks', 'bench');
    new LocalBackend(domain, { path: path.join(dir, 'terraform.tfstate') });
    for (let t = 0; t < policies; t++) {
      const concept = new Concept(domain, `Concept${t}`);
      for (let f = 0; f < FIELDS; f++) concept.addField(`f${f}`, a.at(`t${t}.f${f}`), c.at(`t${t}.f${f}`));
      new AuthorityPolicy(domain, `policy-${t}`, {
        concept, authority: a, origin: a, copies: [Copy.readOnly(c)], correction: CorrectionPath.at(a, { how: 'edit it' }),
      });
    }
    app.synth();
    linkMirror(dir);
    writeLockFile(dir);
    const resources = policies * 3; // two protections and one route per policy
    // With BENCH_LOG, terraform's own log too: when each command, provider and resource call started and ended.
    if (logs) fs.mkdirSync(logs, { recursive: true });
    const env = logs ? { TF_LOG: process.env.BENCH_TF_LOG ?? 'INFO', TF_LOG_PATH: path.join(logs, `terraform-${policies}.log`) } : {};
    const dataDir = dataStack(root, resources);
    const data = logs ? { firstPlan: NaN, apply: NaN, reviewPlan: NaN, destroy: NaN } : cycle(dataDir).wall;
    const floorDir = floorStack(root, dir, resources);
    const floorEnv = { TF_CLI_CONFIG_FILE: floorRc };
    const floor = logs ? { firstPlan: NaN, apply: NaN, reviewPlan: NaN, destroy: NaN } : cycle(floorDir, floorEnv, false).wall; // a development override needs no init
    const { wall: ours, cpu } = cycle(dir, env);
    if (logs) fs.copyFileSync(path.join(dir, 'terraform.tfstate'), path.join(logs, `terraform-${policies}.tfstate`));
    const lag = await measureLag(crm, ops, 't0', 200);
    if (!logs) data.destroy = timed(dataDir, ['destroy', '-auto-approve', '-input=false']).seconds;
    if (!logs) floor.destroy = timed(floorDir, ['destroy', '-auto-approve', '-input=false'], floorEnv).seconds;
    const destroyed = timed(dir, ['destroy', '-auto-approve', '-input=false'], env);
    ours.destroy = destroyed.seconds;
    cpu.destroy = destroyed.cpu;
    if (logs) {
      fs.mkdirSync(logs, { recursive: true });
      fs.writeFileSync(path.join(logs, `destroy-${policies}.txt`), destroyed.output);
    }
    return { policies, resources, ours, cpu, data, floor, lag };
  } finally {
    if (logs) {
      fs.mkdirSync(logs, { recursive: true });
      for (const [n, server] of [['crm', crm], ['ops', ops]] as const) fs.copyFileSync(path.join(server.dir, 'server.log'), path.join(logs, `${n}-${policies}.log`));
    }
    await Promise.all([crm.stop(true), ops.stop(true)]);
  }
}

const s = (x: number) => `${x.toFixed(1)} s`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

function print(rows: Row[]): void {
  const steps: (keyof Times)[] = ['firstPlan', 'apply', 'reviewPlan', 'destroy'];
  const names: Record<keyof Times, string> = { firstPlan: 'first plan', apply: 'apply', reviewPlan: 'plan after apply', destroy: 'destroy' };
  console.log(`| policies | resources | ${steps.map((k) => `${names[k]} (terraform_data, ratio)`).join(' | ')} | lag p50 / p95 |`);
  console.log(`|---|---|${steps.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    const cells = steps.map((k) => `${s(r.ours[k])} (${s(r.data[k])}, ${ratio(r.ours[k], r.data[k])})`);
    console.log(`| ${r.policies} | ${r.resources} | ${cells.join(' | ')} | ${r.lag ? `${r.lag.p50.toFixed(1)} / ${r.lag.p95.toFixed(1)} ms` : '-'} |`);
  }
  console.log('\nThe floor: a provider on the same transport whose resources do nothing (floor-provider.ts), same resource count:\n');
  console.log(`| policies | resources | ${steps.map((k) => `${names[k]} (terraform_data, ratio)`).join(' | ')} | ours / floor |`);
  console.log(`|---|---|${steps.map(() => '---').join('|')}|---|`);
  for (const r of rows) {
    const cells = steps.map((k) => `${s(r.floor[k])} (${s(r.data[k])}, ${ratio(r.floor[k], r.data[k])})`);
    console.log(`| ${r.policies} | ${r.resources} | ${cells.join(' | ')} | ${steps.map((k) => ratio(r.ours[k], r.floor[k])).join(' / ')} |`);
  }
  for (const r of rows) {
    console.log(`\n${r.resources} resources, CPU of terraform and the provider against wall time: ` +
      steps.map((k) => `${names[k]} ${s(r.cpu[k])} of ${s(r.ours[k])}`).join(', '));
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const work = b.resources / a.resources;
    console.log(`\n${a.resources} → ${b.resources} resources (${work.toFixed(1)}× the work): ` +
      steps.map((k) => `${names[k]} ${(b.ours[k] / a.ours[k]).toFixed(1)}×`).join(', '));
  }
}

runBench('plan', async (root) => {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  // startup.ts runs itself when it is the main module: run its bundle as its own process.
  const startup = spawnSync(process.execPath, [path.join(__dirname, 'startup.js'), '11'], { encoding: 'utf8' });
  console.log(`${startup.stdout.trim()}\n`);
  const floorRc = buildFloorProvider();
  const rows: Row[] = [];
  for (const policies of sizes.length ? sizes : [100, 300, 1000]) {
    rows.push(await measure(root, policies, floorRc));
    console.error(`done: ${policies} policies ${JSON.stringify(rows[rows.length - 1])}`);
  }
  print(rows);
});
