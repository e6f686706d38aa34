/**
 * Starting a route on a large table: the first plan compares the copy's governed values with the
 * authority's, and the apply settles the ones that differ (divergence authority_wins). Both read
 * the whole table once. One table of R rows (1% diverged on the copy) on two real PostgreSQL
 * servers, timed with real terraform for R = 10,000 and R = 100,000; prints the figures and the
 * ratio. Run with `npm run bench:settle`.
 */
import * as path from 'node:path';
import { App, LocalBackend } from 'cdktf';
import { Client } from 'pg';
import { Domain, Platform, PlatformConnection, PlatformKind, SyncRoute } from '../constructs/src';
import { LocalPostgres } from '../embedded/local-postgres';
import { linkMirror, writeLockFile } from '../tooling/provider-mirror';
import { runBench, timed } from './live-run';

async function fill(server: LocalPostgres, rows: number, diverged: boolean): Promise<void> {
  const db = new Client(server.clientConfig());
  await db.connect();
  await db.query(`CREATE TABLE accounts (id int PRIMARY KEY, name text, owner text, region text);
                  INSERT INTO accounts SELECT g, 'Account ' || g, 'owner ' || (g % 97), 'region ' || (g % 7) FROM generate_series(1, ${rows}) g`);
  if (diverged) await db.query("UPDATE accounts SET owner = 'someone else' WHERE id % 100 = 0");
  await db.end();
}

async function measure(root: string, rows: number) {
  const [crm, ops] = await Promise.all(['crm', 'ops'].map((n) => LocalPostgres.start({ dir: path.join(root, `${n}-${rows}`) })));
  await Promise.all([fill(crm, rows, false), fill(ops, rows, true)]);
  const outdir = path.join(root, `out-${rows}`);
  const app = new App({ outdir });
  const domain = new Domain(app, 'bench', { governedBy: 'Bench' });
  for (const [name, s] of [['crm', crm], ['ops', ops]] as const) {
    domain.usePlatform(new Platform({ name, kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...s.connection }) }));
  }
  const dir = path.join(outdir, 'stacks', 'bench');
  new LocalBackend(domain, { path: path.join(dir, 'terraform.tfstate') });
  new SyncRoute(domain, 'owners', { authority: 'crm', copy: 'ops', table: 'accounts', columns: ['name', 'owner', 'region'] });
  app.synth();
  linkMirror(dir);
  writeLockFile(dir);
  timed(dir, ['init', '-input=false']);
  const plan = timed(dir, ['plan', '-input=false', '-no-color']);
  const apply = timed(dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
  const differing = /(\d+) rows on ops differ/.exec(plan.output.replace(/\s+/g, ' '))?.[1];
  timed(dir, ['destroy', '-auto-approve', '-input=false']);
  await Promise.all([crm.stop(true), ops.stop(true)]);
  return { rows, differing: Number(differing ?? 0), plan: plan.seconds, apply: apply.seconds };
}

runBench('settle', async (root) => {
  const small = await measure(root, 10_000);
  const large = await measure(root, 100_000);
  console.log('| rows | differing | first plan (compares) | apply (settles) |');
  console.log('|---|---|---|---|');
  for (const r of [small, large]) console.log(`| ${r.rows} | ${r.differing} | ${r.plan.toFixed(1)} s | ${r.apply.toFixed(1)} s |`);
  console.log(`\nplan time ratio 100,000 / 10,000 rows: ${(large.plan / small.plan).toFixed(1)} (linear is 10)`);
  console.log(`apply time ratio 100,000 / 10,000 rows: ${(large.apply / small.apply).toFixed(1)} (linear is 10)`);
});
