/**
 * How many round trips a PostgreSQL protection's steps take (issue 14: a domain's plan, apply and
 * destroy waited on chains of 20 to 40 per resource). Each step reads what it needs in one query;
 * a chain growing back shows here. Counts every query the adapter's clients send (a string of
 * several statements is one), the session pool's cleaning included; the bounds are today's counts.
 */
import { Client } from 'pg';
import { SYNC_ROLE } from '../embedded/example-platforms';
import { FieldProtection } from '../provider/platforms/adapter';
import { PostgresAdapter } from '../provider/platforms/postgresql/adapter';
import { TestPlatforms, providerSettings, startTestPlatforms } from './support/platforms';

let platforms: TestPlatforms;
let ops: Client;
let adapter: PostgresAdapter;
let sent = 0;
const original = Client.prototype.query;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
  for (const t of ['trips_copy', 'trips_own', 'trips_other']) {
    await ops.query(`CREATE TABLE public.${t} (id int PRIMARY KEY, a text, b text); GRANT UPDATE ON public.${t} TO ${SYNC_ROLE}`);
  }
  adapter = new PostgresAdapter('ops', providerSettings('ops', platforms.ops));
  (Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: Client, ...args: unknown[]) {
    if (this !== ops) sent++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  // Another protection keeps the facts view there, as a domain's others do; the sessions are open.
  await adapter.applyProtection(protection('trips_other', 'crm'));
  await adapter.readProtection(protection('trips_other', 'crm').location, 'trips');
});

afterAll(async () => {
  Client.prototype.query = original;
  await adapter?.close();
  await ops?.end();
  await platforms?.stop();
});

const protection = (table: string, authority: string): FieldProtection => ({
  location: { namespace: 'public', container: table }, key: 'trips', authority, fields: ['a', 'b'],
  syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.', fact: 'trips.ab',
});

async function trips(step: () => Promise<unknown>): Promise<number> {
  const before = sent;
  await step();
  return sent - before;
}

test('a copy\'s plan check and read are one query each; its install and removal a handful', async () => {
  const p = protection('trips_copy', 'crm');
  expect(await trips(() => adapter.checkProtection(p))).toBe(1);
  expect(await trips(() => adapter.readProtection(p.location, p.key))).toBe(1);
  expect(await trips(() => adapter.applyProtection(p))).toBeLessThanOrEqual(7);
  let found = await adapter.readProtection(p.location, p.key);
  expect(found?.enforced).toBe(true);
  // The hint check reads only the registry's rows: the read brought the comments and the view.
  expect(await trips(async () => {
    found = await adapter.readProtection(p.location, p.key);
    expect(await adapter.hintShown(found!)).toBe(true);
  })).toBe(2);
  expect(await trips(() => adapter.removeProtection(p.location, p.key))).toBeLessThanOrEqual(7);
  expect(await adapter.readProtection(p.location, p.key)).toBeNull();
});

test('the authority\'s own table: released and removed in a handful', async () => {
  const p = protection('trips_own', 'ops');
  expect(await trips(() => adapter.checkProtection(p))).toBe(1);
  expect(await trips(() => adapter.releaseProtection(p))).toBeLessThanOrEqual(7);
  expect(await trips(() => adapter.readProtection(p.location, p.key))).toBe(1);
  expect(await trips(() => adapter.removeProtection(p.location, p.key))).toBeLessThanOrEqual(6);
  const left = await ops.query(`SELECT count(*)::int AS n FROM authority_catalog.fact_registry WHERE table_name = 'trips_own'`);
  expect(left.rows[0].n).toBe(0);
});
