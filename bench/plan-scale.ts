/**
 * Plan at domain scale against live platforms: one domain stack of P policies (10 fields each,
 * authority on one PostgreSQL server, a read-only copy on another), timed for the first plan,
 * the apply, and the plan a reviewer runs afterwards (refresh of everything, no changes).
 * Prints the figures and the ratio between P = 10 and P = 50; run with `npm run bench:plan`.
 */
import * as path from 'node:path';
import { App, LocalBackend } from 'cdktf';
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';
import { LocalPostgres } from '../embedded/local-postgres';
import { linkMirror, writeLockFile } from '../tooling/provider-mirror';
import { runBench, timed } from './live-run';

const FIELDS = 10;

async function prepare(server: LocalPostgres, tables: number): Promise<void> {
  const db = new Client(server.clientConfig());
  await db.connect();
  const cols = Array.from({ length: FIELDS }, (_, f) => `f${f} text`).join(', ');
  await db.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authority_sync') THEN CREATE ROLE authority_sync; END IF; END $$`);
  for (let t = 0; t < tables; t++) {
    await db.query(`CREATE TABLE IF NOT EXISTS t${t} (id int PRIMARY KEY, ${cols}); GRANT UPDATE ON t${t} TO authority_sync`);
  }
  await db.end();
}

async function measure(root: string, policies: number) {
  const [crm, ops] = await Promise.all(['crm', 'ops'].map((n) => LocalPostgres.start({ dir: path.join(root, `${n}-${policies}`) })));
  await Promise.all([prepare(crm, policies), prepare(ops, policies)]);
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
  timed(dir, ['init', '-input=false']);
  const firstPlan = timed(dir, ['plan', '-input=false', '-detailed-exitcode']).seconds;
  const apply = timed(dir, ['apply', '-auto-approve', '-input=false']).seconds;
  const reviewPlan = timed(dir, ['plan', '-input=false', '-detailed-exitcode']).seconds;
  timed(dir, ['destroy', '-auto-approve', '-input=false']);
  await Promise.all([crm.stop(true), ops.stop(true)]);
  const resources = policies * 3; // two protections and one route per policy
  return { policies, fields: policies * FIELDS, resources, firstPlan, apply, reviewPlan };
}

runBench('plan', async (root) => {
  const small = await measure(root, 10);
  const large = await measure(root, 50);
  console.log('| policies | governed fields | resources | first plan | apply | plan after apply |');
  console.log('|---|---|---|---|---|---|');
  for (const r of [small, large]) {
    console.log(`| ${r.policies} | ${r.fields} | ${r.resources} | ${r.firstPlan.toFixed(1)} s | ${r.apply.toFixed(1)} s | ${r.reviewPlan.toFixed(1)} s |`);
  }
  console.log(`\nplan-after-apply time ratio 50 / 10 policies: ${(large.reviewPlan / small.reviewPlan).toFixed(1)} (linear is 5)`);
});
