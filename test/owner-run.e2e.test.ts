/**
 * Statements run as a table's owner (owner-run.ts) on a real server, now that a statement's first
 * run goes in one message with the role switch and its function (its parameter spliced in as a
 * literal): the value reaches the statement unchanged whatever it holds, the statement runs as the
 * owner and the provider has its role back afterwards, no function is left, and a failure leaves a
 * transaction the caller can roll back.
 */
import { Client } from 'pg';
import { asOwner } from '../provider/platforms/postgresql/owner-run';
import { asTableOwner } from '../provider/platforms/postgresql/settle';
import { useTestPlatforms } from './support/platforms';

const { crm } = useTestPlatforms({
  prepare: async ({ crm: db }) => {
    await db.query(`CREATE ROLE note_owner NOLOGIN; CREATE TABLE notes (id int PRIMARY KEY, body text);
      INSERT INTO notes VALUES (1, 'first'); ALTER TABLE notes OWNER TO note_owner`);
  },
});

/** Whether `db` is inside a transaction: one begun earlier started before this statement. */
const inTransaction = async (db: Client) => (await db.query('SELECT now() <> statement_timestamp() AS open')).rows[0].open;

const tempFunctions = async (db: Client) =>
  (await db.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'authority_as_owner%'")).rows[0].n;

test.each([
  ['a quote', "it's"],
  ['a backslash and a quote', "a\\'; DROP TABLE notes; --"],
  ['a dollar-quoted tail', '$$; DROP TABLE notes; $$'],
  ['unicode', 'Zürich ✓'],
])('a parameter holding %s reaches the statement unchanged, on its first run and after', async (_what, value) => {
  const seen = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => [
    (await run<{ v: string; who: string }>('SELECT $1::text AS v, current_user::text AS who', [value])).rows[0],
    (await run<{ v: string; who: string }>('SELECT $1::text AS v, current_user::text AS who', [value])).rows[0],
  ]);
  expect(seen).toEqual([{ v: value, who: 'note_owner' }, { v: value, who: 'note_owner' }]);
  expect((await crm.query('SELECT count(*)::int AS n FROM notes')).rows[0].n).toBe(1);
});

test('a NULL parameter stays NULL; a write returns its row count; the provider\'s role is back and no function is left', async () => {
  const before = (await crm.query('SELECT current_user::text AS who')).rows[0].who;
  const [nulled, written] = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => [
    (await run<{ isNull: boolean }>('SELECT $1::text IS NULL AS "isNull"', [null])).rows[0].isNull,
    (await run('UPDATE public.notes SET body = $1 WHERE id = 1', ['second'])).rowCount,
  ]);
  expect([nulled, written]).toEqual([true, 1]);
  expect((await crm.query('SELECT current_user::text AS who, body FROM notes')).rows[0]).toEqual({ who: before, body: 'second' });
  expect(await tempFunctions(crm)).toBe(0);
  expect(await inTransaction(crm)).toBe(false);
});

test('work that fails leaves a transaction the caller rolls back: nothing written, the role back', async () => {
  const failed = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => {
    await run('UPDATE public.notes SET body = $1 WHERE id = 1', ['lost']);
    await run('SELECT 1 / 0');
  }).catch((e: Error) => e);
  expect(failed).toBeInstanceOf(Error);
  expect(await inTransaction(crm)).toBe(false);
  expect((await crm.query('SELECT current_user::text AS who, body FROM notes')).rows[0].body).not.toBe('lost');
  expect(await tempFunctions(crm)).toBe(0);
});

test('work that runs nothing as the owner sends nothing of its own; `commits` still ends the caller\'s transaction', async () => {
  await crm.query('BEGIN');
  await asOwner(crm, 'note_owner', async () => undefined);
  expect(await inTransaction(crm)).toBe(true);
  expect((await crm.query("SELECT pg_catalog.current_setting('role') AS role")).rows[0].role).toBe('none');
  await crm.query('COMMIT');
  await crm.query('BEGIN');
  await asOwner(crm, 'note_owner', async () => undefined, { commits: true });
  expect(await inTransaction(crm)).toBe(false);
});
