/**
 * Statements run as a table's owner (owner-run.ts) on a real server, now that the role switch and
 * the statements' functions go in one message: a value reaches the statement unchanged whatever it
 * holds (it is always a parameter, even after the owner's code changed how the session reads
 * literals), the statement runs as the owner and the provider has its role back afterwards, no
 * function is left, and a failure leaves a transaction the caller can roll back.
 */
import { Client } from 'pg';
import { asOwner } from '../provider/platforms/postgresql/owner-run';
import { asTableOwner } from '../provider/platforms/postgresql/settle';
import { useTestPlatforms } from './support/platforms';

const { platforms, crm } = useTestPlatforms({
  prepare: async ({ crm: db }) => {
    // The owner's domain check changes how the session reads string literals, as the owner's code may.
    await db.query(`CREATE ROLE note_owner NOLOGIN;
      CREATE FUNCTION public.meddle(text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN
        PERFORM set_config('standard_conforming_strings', 'off', false); PERFORM set_config('backslash_quote', 'on', false); RETURN true; END $$;
      CREATE DOMAIN public.note_text AS text CHECK (public.meddle(VALUE));
      CREATE TABLE notes (id int PRIMARY KEY, body public.note_text);
      INSERT INTO notes VALUES (1, 'first'); ALTER TABLE notes OWNER TO note_owner; ALTER DOMAIN public.note_text OWNER TO note_owner;
      -- A check that, as the owner, makes the provider's first function SECURITY INVOKER, and tries to get back to the provider's role.
      CREATE FUNCTION public.hijack(text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN
        BEGIN RESET ROLE; EXCEPTION WHEN OTHERS THEN NULL; END;
        IF current_user <> 'note_owner' THEN RAISE EXCEPTION 'escalated to %', current_user; END IF;
        IF pg_catalog.to_regprocedure('pg_temp.authority_as_owner_1(text)') IS NOT NULL THEN
          EXECUTE 'ALTER FUNCTION pg_temp.authority_as_owner_1(text) SECURITY INVOKER';
        END IF;
        RETURN true; END $$;
      CREATE DOMAIN public.hijack_text AS text CHECK (public.hijack(VALUE)); ALTER DOMAIN public.hijack_text OWNER TO note_owner`);
  },
});

/** Whether `db` is inside a transaction: one begun earlier started before this statement. */
const transactionOpen = async (db: Client) => (await db.query('SELECT now() <> statement_timestamp() AS open')).rows[0].open;

const ownerOid = async (db: Client) => Number((await db.query("SELECT oid::int8 AS oid FROM pg_roles WHERE rolname = 'note_owner'")).rows[0].oid);

afterEach(async () => {
  await crm.query('RESET standard_conforming_strings; RESET backslash_quote');
});

const tempFunctions = async (db: Client) =>
  (await db.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'authority\\_%owner%'")).rows[0].n; // the owner's and the provider's

test.each([
  ['a quote', "it's"],
  ['a backslash and a quote', "a\\'; DROP TABLE notes; --"],
  ['a dollar-quoted tail', '$$; DROP TABLE notes; $$'],
  ['unicode', 'Zürich ✓'],
])('a parameter holding %s reaches the statement unchanged, before and after the owner\'s code ran', async (_what, value) => {
  const echo = 'SELECT $1::text AS v, current_user::text AS who';
  const seen = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => {
    const before = (await run<{ v: string; who: string }>(echo, [value])).rows[0];
    await run('SELECT $1::public.note_text IS NOT NULL AS ok', ['checked']); // the domain's check meddles
    const after = (await run<{ v: string; who: string }>('SELECT $1::text AS v, current_user::text AS who, 2 AS n', [value])).rows[0];
    return [before, { v: after.v, who: after.who }];
  });
  expect(seen).toEqual([{ v: value, who: 'note_owner' }, { v: value, who: 'note_owner' }]);
  expect((await crm.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe('off'); // the owner's code did run
  expect((await crm.query('SELECT count(*)::int AS n FROM notes')).rows[0].n).toBe(1);
});

test('a function of the provider\'s that the owner\'s code made SECURITY INVOKER is refused before it runs again', async () => {
  const hijacked = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => {
    await run('SELECT $1::public.hijack_text IS NOT NULL AS ok', ['first']);
    await run('SELECT $1::public.hijack_text IS NOT NULL AS ok', ['again']); // would RESET ROLE to the provider's
  }).catch((e: Error) => e);
  expect(hijacked).toBeInstanceOf(Error);
  expect((hijacked as Error).message).toMatch(/no longer SECURITY DEFINER/);
  expect(await transactionOpen(crm)).toBe(false);
  expect(await tempFunctions(crm)).toBe(0);
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
  expect(await transactionOpen(crm)).toBe(false);
});

test('work that fails leaves a transaction the caller rolls back: nothing written, the role back', async () => {
  const failed = await asTableOwner(crm, { namespace: 'public', container: 'notes' }, async (run) => {
    await run('UPDATE public.notes SET body = $1 WHERE id = 1', ['lost']);
    await run('SELECT 1 / 0');
  }).catch((e: Error) => e);
  expect(failed).toBeInstanceOf(Error);
  expect(await transactionOpen(crm)).toBe(false);
  expect((await crm.query('SELECT current_user::text AS who, body FROM notes')).rows[0].body).not.toBe('lost');
  expect(await tempFunctions(crm)).toBe(0);
});

/** A session of its own, whose messages a spy can count (the shared one is a stand-in). */
async function watchedSession<T>(check: (db: Client, sent: jest.SpyInstance) => Promise<T>): Promise<T> {
  const db = await platforms.connect('crm');
  const sent = jest.spyOn(db, 'query');
  try {
    return await check(db, sent);
  } finally {
    sent.mockRestore();
    await db.end();
  }
}

test('work that runs nothing as the owner sends nothing of its own; `commits` still ends the caller\'s transaction', async () => {
  const owner = await ownerOid(crm);
  await watchedSession(async (db, sent) => {
    await asOwner(db, owner, async () => undefined);
    await asOwner(db, owner, async () => undefined, { begins: true, commits: true });
    expect(sent).not.toHaveBeenCalled();
    await db.query('BEGIN');
    await asOwner(db, owner, async () => undefined, { commits: true });
    expect(await transactionOpen(db)).toBe(false);
  });
});

test('statements declared up front are made with the role switch, in the first message', async () => {
  const owner = await ownerOid(crm);
  const declared = ['SELECT $1::text AS a', 'SELECT $1::text AS b'];
  await watchedSession(async (db, sent) => {
    const got = await asOwner(db, owner, async (run) => [(await run(declared[0], ['x'])).rows[0].a, (await run(declared[1], ['y'])).rows[0].b],
      { begins: true, commits: true, statements: declared });
    expect(got).toEqual(['x', 'y']);
    const texts = sent.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
    expect(texts).toHaveLength(4); // the switch with both functions, two runs, the drops with COMMIT
    expect(texts[0]).toContain('authority_as_owner_2');
    expect(texts.join('\n')).not.toMatch(/'x'|'y'/); // values only ever as parameters
    expect(await tempFunctions(db)).toBe(0);
  });
});
