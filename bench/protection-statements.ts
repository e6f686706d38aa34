/**
 * Round trips per field protection on PostgreSQL, step by step, as terraform drives the resource:
 * the first plan, the apply, the refresh and plan a reviewer runs afterwards, and the destroy
 * (refresh, then the removal), for a copy (guarded) and for the authority's own table (released).
 * Counts every query a pg client sends (a string of several statements counts once: one round
 * trip), the session pool's cleaning included. One real server, no terraform.
 *
 *   npx esbuild bench/protection-statements.ts --bundle --platform=node --packages=external --outfile=dist/bench/protection-statements.js && node dist/bench/protection-statements.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { Platforms } from '../provider/platforms/configured';
import { PostgresAdapter } from '../provider/platforms/postgresql/adapter';
import { fieldProtection } from '../provider/resources/field-protection';
import { ObjectValue } from '../provider/framework';
import { runBench } from './live-run';

const FIELDS = 10;
let sent = 0;
const original = Client.prototype.query;
(Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: Client, ...args: unknown[]) {
  sent++;
  // BENCH_STATEMENTS=1: each statement's start too, to see the chains.
  if (process.env.BENCH_STATEMENTS) console.error(`  ${String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text).replace(/\s+/g, ' ').slice(0, 110)}`);
  return (original as (...a: unknown[]) => unknown).apply(this, args);
};

/** The statements `step` sent. */
async function counted(step: () => Promise<unknown>, name = ''): Promise<number> {
  if (process.env.BENCH_STATEMENTS) console.error(`-- ${name}`);
  const before = sent;
  await step();
  return sent - before;
}

runBench('protection-statements', async (root) => {
  const server = await LocalPostgres.start({ dir: path.join(root, 'pg') });
  try {
    const setup = new Client(server.clientConfig());
    await setup.connect();
    const cols = Array.from({ length: FIELDS }, (_, f) => `f${f} text`);
    await setup.query(`CREATE ROLE authority_sync; CREATE TABLE t0 (id int PRIMARY KEY, ${cols.join(', ')}); CREATE TABLE t1 (id int PRIMARY KEY, ${cols.join(', ')});
      CREATE TABLE t2 (id int PRIMARY KEY, ${cols.join(', ')}); GRANT UPDATE ON t0, t1, t2 TO authority_sync`);
    await setup.end();
    const c = server.connection;
    const adapter = new PostgresAdapter('ops', {
      host: c.host, port: c.port, database: 'postgres', username: c.username, password: fs.readFileSync(c.passwordFile, 'utf8').trim(),
    });
    const platforms = { get: () => adapter } as unknown as Platforms;
    const resource = fieldProtection(platforms);
    const config = (table: string, authority: string): ObjectValue => ({
      platform: 'ops', schema: null, table, columns: cols.map((x) => x.split(' ')[0]), authority, key: 'policy', fact: 'thing.fields',
      sync_principal: 'authority_sync', correction_hint: 'Edit it in the CRM.', override_reason: null, override_expires: null, required_strength: null,
      id: null, role: null, enforced: null, guard: null, strength: null, hint_shown: null,
    });
    // A warm-up: the shared sessions and the pool's first session log in once per provider process, and
    // another protection keeps the facts view there (as the other protections of a domain do).
    const other = (await resource.plan!({ prior: null, proposed: config('t2', 'crm'), config: config('t2', 'crm') } as never)).planned;
    await resource.apply!({ prior: null, planned: other, config: config('t2', 'crm') } as never);
    const rows: string[] = [];
    for (const [table, authority, role] of [['t0', 'crm', 'copy'], ['t1', 'ops', 'authority']] as const) {
      const proposed = config(table, authority);
      let planned: ObjectValue | null = null;
      const firstPlan = await counted(async () => { planned = (await resource.plan!({ prior: null, proposed, config: proposed } as never)).planned; }, 'firstPlan');
      let state: ObjectValue | null = null;
      const apply = await counted(async () => { state = (await resource.apply!({ prior: null, planned: planned!, config: proposed } as never)).state; }, 'apply');
      const refresh = await counted(async () => { state = (await resource.read!(state!)).state; }, 'refresh');
      const reviewPlan = await counted(() => resource.plan!({ prior: state!, proposed: { ...proposed, ...state!, }, config: proposed } as never), 'reviewPlan');
      const destroyRefresh = await counted(async () => { state = (await resource.read!(state!)).state; }, 'destroyRefresh');
      const destroyPlan = await counted(() => resource.plan!({ prior: state!, proposed: null, config: null } as never), 'destroyPlan');
      const remove = await counted(() => resource.apply!({ prior: state!, planned: null, config: null } as never), 'remove');
      rows.push(`| ${role} | ${firstPlan} | ${apply} | ${refresh} | ${reviewPlan} | ${destroyRefresh + destroyPlan} | ${remove} |`);
    }
    console.log('| protection | first plan | apply | refresh | plan after apply | destroy: refresh + plan | destroy: removal |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    await adapter.close();
  } finally {
    await server.stop(true);
  }
});
