/**
 * Protections of many tables install and go at once (terraform's parallelism), their facts view
 * rows changing side by side: every row is recorded, every column's own comment comes back, and
 * the last removals, running together, still take the view, the registry and the schema with them.
 * The provider's PostgreSQL adapter against a real server.
 */
import { Client } from 'pg';
import { SYNC_ROLE } from '../embedded/example-platforms';
import { FieldProtection } from '../provider/platforms/adapter';
import { PostgresAdapter } from '../provider/platforms/postgresql/adapter';
import { TestPlatforms, providerSettings, startTestPlatforms } from './support/platforms';

const TABLES = 12;
let platforms: TestPlatforms;
let ops: Client;
let adapters: PostgresAdapter[] = [];

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
  for (let t = 0; t < TABLES; t++) {
    await ops.query(`CREATE TABLE public.many_${t} (id int PRIMARY KEY, a text, b text)`);
    await ops.query(`GRANT UPDATE ON public.many_${t} TO ${SYNC_ROLE}`);
    // One column has a comment of its own, given back when the protection goes.
    await ops.query(`COMMENT ON COLUMN public.many_${t}.a IS 'own comment ${t}'`);
  }
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await ops?.end();
  await platforms?.stop();
});

/** Separate adapters: as separate provider processes (two terraform runs) would. */
function opsAdapter(): PostgresAdapter {
  const adapter = new PostgresAdapter('ops', providerSettings('ops', platforms.ops));
  adapters.push(adapter);
  return adapter;
}

const protection = (t: number): FieldProtection => ({
  location: { namespace: 'public', container: `many_${t}` }, key: 'many', authority: 'crm', fields: ['a', 'b'],
  syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.', fact: `many.${t}`,
});

const comments = async () => (await ops.query<{ c: string | null }>(
  `SELECT col_description(format('public.many_%s', t)::regclass, 2) AS c FROM generate_series(0, ${TABLES - 1}) t ORDER BY t`)).rows.map((r) => r.c);

test('many protections at once: all recorded, all forgotten, and the last ones take the view with them', async () => {
  const [one, two] = [opsAdapter(), opsAdapter()];
  const tables = Array.from({ length: TABLES }, (_, t) => t);
  await Promise.all(tables.map((t) => (t % 2 ? one : two).applyProtection(protection(t))));
  const recorded = await ops.query<{ n: number }>('SELECT count(*)::int AS n FROM authority_catalog.fact_registry');
  expect(recorded.rows[0].n).toBe(TABLES * 2);
  expect((await comments()).every((c) => c !== null && c.includes('Correct it in the CRM.'))).toBe(true);

  await Promise.all(tables.map((t) => (t % 2 ? two : one).removeProtection(protection(t).location, 'many')));
  expect(await comments()).toEqual(tables.map((t) => `own comment ${t}`));
  const left = await ops.query("SELECT to_regnamespace('authority_catalog') AS s");
  expect(left.rows[0].s).toBeNull();
  const triggers = await ops.query("SELECT tgname FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'many_%'");
  expect(triggers.rows).toEqual([]);

  // And once more from nothing: the first protections at once create the view together.
  await Promise.all(tables.map((t) => (t % 2 ? one : two).applyProtection(protection(t))));
  const again = await ops.query<{ n: number }>('SELECT count(*)::int AS n FROM authority_catalog.facts');
  expect(again.rows[0].n).toBe(TABLES * 2);
  await Promise.all(tables.map((t) => (t % 2 ? one : two).removeProtection(protection(t).location, 'many')));
  expect((await ops.query("SELECT to_regnamespace('authority_catalog') AS s")).rows[0].s).toBeNull();
});
