/**
 * The records on a copy (authority_records: the override log, the review queue) are written by the
 * provider's triggers only. A person who logs in with TEMP and CREATE on a schema of their own, and
 * UPDATE on the copy's table, writes records only by writing the table: a trigger of theirs calling
 * a records function, or one of the provider's trigger functions attached to their own table, is
 * refused and the records stay as they were. A row whose reading would run code the person made (a
 * cast to json) with the provider's rights is refused too. An install of the earlier design reads
 * back as not intact, and installing again makes it so. Real PostgreSQL; the provider's user is a
 * superuser, as in the embedded default.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { runOn } from '../provider/platforms/postgresql/catalog';
import { NEWEST_FUNCTIONS, installNewestStatements } from '../provider/platforms/postgresql/newest-wins-sql';
import { readOverrideProtection, overrideStatements } from '../provider/platforms/postgresql/override-protection';
import { recordsFunctionsIntact } from '../provider/platforms/postgresql/override-read';
import { OVERRIDE_FUNCTIONS } from '../provider/platforms/postgresql/override-sql';
import { REVIEW_FUNCTIONS, installHoldStatements, reviewQueueStatements } from '../provider/platforms/postgresql/review-queue-sql';
import { syncPairName } from '../provider/platforms/postgresql/route-names';
import { clockTableRef, installClockStatements } from '../provider/platforms/postgresql/two-way-clock-sql';

let dir: string;
let server: LocalPostgres;
let provider: Client;
let person: Client;

const loc = { namespace: 'public', container: 'offers' };
const FEED = syncPairName({ authority: 'crm', copy: 'ops' });
const protection = {
  location: loc, key: 'offer-titles', authority: 'crm', fields: ['title'], syncPrincipal: 'authority_sync',
  correctionHint: 'Rename the offer in the CRM.', fact: 'offer.title', override: { reason: 'Local events', expiresAt: '2999-12-31T00:00:00.000Z' },
};

async function install(statements: string[]): Promise<void> {
  await provider.query('BEGIN');
  try {
    for (const sql of statements) await provider.query(sql);
    await provider.query('COMMIT');
  } catch (e) {
    await provider.query('ROLLBACK');
    throw e;
  }
}

const installAll = () => install([
  ...overrideStatements(protection, 'ops'),
  ...reviewQueueStatements(), ...installHoldStatements('crm', FEED, loc, '', ['note']),
  ...installNewestStatements('crm', FEED, loc, '', ['title']),
  // A two-way newest_wins sync's clock on this side: people's writes of note are stamped.
  ...installClockStatements({ mode: 'stamp', me: 'ops', feed: FEED, pair: FEED, routeKey: '', location: loc, columns: ['note'] }),
]);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-forgery-'));
  fs.chmodSync(dir, 0o755); // the server runs as the postgres user when tests run as root
  server = await LocalPostgres.start({ dir: path.join(dir, 'server'), logicalReplication: false });
  provider = new Client(server.clientConfig());
  await provider.connect();
  await provider.query(`CREATE ROLE authority_sync NOLOGIN;
    CREATE ROLE clerks NOLOGIN;
    CREATE ROLE person LOGIN PASSWORD 'not-a-secret' IN ROLE clerks;
    CREATE SCHEMA scratch AUTHORIZATION person;
    CREATE TABLE offers (id int PRIMARY KEY, title text, note text);
    INSERT INTO offers VALUES (1, 'Spring', NULL), (2, 'Summer', NULL);
    GRANT SELECT, UPDATE ON offers TO person, clerks`);
  await installAll();
  person = new Client(server.clientConfig('postgres', 'person', 'not-a-secret'));
  await person.connect();
});

afterAll(async () => {
  await person?.end();
  await provider?.end();
  await server?.stop(true);
  fs.rmSync(dir, { recursive: true, force: true });
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e.message);
const records = async () => (await provider.query(
  `SELECT (SELECT json_agg(o ORDER BY o.id) FROM authority_records.overrides o) AS log,
          (SELECT json_agg(q ORDER BY q.id) FROM authority_records.review_queue q) AS queue`)).rows[0];
const isSuper = async () => (await provider.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'person'")).rows[0].rolsuper;

/** As the person: a trigger of their own on a TEMP table that runs `body`, fired by an insert; what the insert says. */
async function fromOwnTrigger(body: string): Promise<string | undefined> {
  await person.query('BEGIN');
  try {
    await person.query(`CREATE TEMP TABLE bait (id int);
      CREATE FUNCTION scratch.forge() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN ${body}; RETURN NEW; END $f$;
      CREATE TRIGGER forge BEFORE INSERT ON bait FOR EACH ROW EXECUTE FUNCTION scratch.forge()`);
    return await failure(person.query('INSERT INTO bait VALUES (1)'));
  } finally {
    await person.query('ROLLBACK');
  }
}

test('a person writes the records by writing the copy, as the role they act as', async () => {
  await person.query("UPDATE offers SET title = 'Spring (ops)' WHERE id = 1");
  await person.query("BEGIN; SET LOCAL ROLE clerks; UPDATE offers SET title = 'Summer (ops)', note = 'local' WHERE id = 2; COMMIT");
  const { log, queue } = await records();
  expect(log.map((r: any) => [r.record, r.new_value, r.changed_by, r.acting_as])).toEqual([
    [{ id: 1 }, 'Spring (ops)', 'person', 'person'], [{ id: 2 }, 'Summer (ops)', 'person', 'clerks'],
  ]);
  expect(queue.map((r: any) => [r.record, r.status, r.copy_changed_by])).toEqual([[{ id: 2 }, 'diverged', 'person (as clerks)']]);
});

test.each([
  ['note_override', "PERFORM authority_records.note_override('public.offers'::regclass, 'offer-titles', '{\"id\": 2}', 'title', '\"Summer\"', '\"Forged\"', 'mine', NULL, 'authority_sync')"],
  ['note_authority_value', "PERFORM authority_records.note_authority_value(id, '\"Forged\"') FROM authority_records.overrides"],
  ['end_override', "PERFORM authority_records.end_override(id, 'expired: forged') FROM authority_records.overrides"],
  ['supersede_override', "PERFORM authority_records.supersede_override(id, '\"Forged\"') FROM authority_records.overrides"],
  ['hold_local', "PERFORM authority_records.hold_local(NULL, 'public.offers'::regclass, 'crm', '{\"id\": 1}', 'note', NULL, '\"x\"', 'someone')"],
  ['hold_conflict', "PERFORM authority_records.hold_conflict(id, '\"Forged\"') FROM authority_records.review_queue"],
  ['hold_close', "PERFORM authority_records.hold_close(id, 'agreed: forged') FROM authority_records.review_queue"],
  ['clock_write', `PERFORM authority_records.clock_write('${clockTableRef(loc)}'::regclass, '{"id": 1}', 'note', 'crm')`],
])('%s, called from a trigger of the person\'s own, is refused; the records stay as they were', async (name, call) => {
  const before = await records();
  const clock = async () => (await provider.query(`SELECT count(*)::int AS n FROM ${clockTableRef(loc)}`)).rows[0].n;
  const stamps = await clock();
  expect(await fromOwnTrigger(call)).toBe(`permission denied for function ${name}`);
  expect(await records()).toEqual(before);
  expect(await clock()).toBe(stamps);
});

test.each([
  ['override_row', `'authority_sync', 'crm', '', '', 'offer-titles', 'mine', '', '${FEED}', 'id'`],
  ['override_expiry', "'offer-titles', ''"],
  ['hold_row', `'crm', '${FEED}', 'id'`],
  ['newest_row', `'crm', '${FEED}', 'id'`],
  ['clock_stamp', `'stamp', 'ops', '${FEED}', '${FEED}', '${clockTableRef(loc)}', 'id'`],
  ['clock_resolve', `'resolve', 'ops', '${FEED}', '${FEED}', '${clockTableRef(loc)}', 'id'`],
  ['clock_merge', ''],
  ['review_resolve', ''],
])('the provider\'s trigger function %s cannot be attached to a table of the person\'s own', async (name, args) => {
  await person.query('BEGIN');
  try {
    await person.query('CREATE TEMP TABLE mine (id int PRIMARY KEY)');
    expect(await failure(person.query(`CREATE TRIGGER t BEFORE UPDATE ON mine FOR EACH ROW EXECUTE FUNCTION authority_records.${name}(${args})`)))
      .toBe(`permission denied for function authority_records.${name}`);
  } finally {
    await person.query('ROLLBACK');
  }
});

test('the revert marker of an override that left the policy counts from the provider\'s session only', async () => {
  await person.query(`BEGIN; SET LOCAL authority.override_revert = '${(await provider.query("SELECT 'offers'::regclass::oid AS o")).rows[0].o}:all';
    SELECT authority_records.revert_overrides('public.offers'::regclass, 'offer-titles', true, NULL); COMMIT`);
  const { log } = await records();
  expect(log.map((r: any) => r.ended_how)).not.toContainEqual(expect.stringMatching(/left the policy/));
  // The person's write of the authority's value is an override of theirs, recorded as such.
  expect(log.filter((r: any) => r.ended_at === null).map((r: any) => [r.new_value, r.acting_as])).toEqual([['Spring', 'person'], ['Summer', 'person']]);
});

test('a row whose reading would run the person\'s code with the provider\'s rights is refused; a domain of built-in checks is not', async () => {
  await person.query(`CREATE TYPE scratch.mood AS ENUM ('calm', 'busy');
    CREATE FUNCTION scratch.mood_json(scratch.mood) RETURNS json LANGUAGE plpgsql AS $f$
      BEGIN ALTER ROLE person SUPERUSER; RETURN pg_catalog.to_json($1::text); EXCEPTION WHEN OTHERS THEN RETURN pg_catalog.to_json($1::text); END $f$;
    CREATE CAST (scratch.mood AS json) WITH FUNCTION scratch.mood_json(scratch.mood);
    CREATE DOMAIN scratch.short_text AS text CHECK (length(VALUE) < 100)`);
  await provider.query('ALTER TABLE offers ADD COLUMN label scratch.short_text');
  expect(await failure(person.query("UPDATE offers SET title = 'Autumn (ops)', label = 'fine' WHERE id = 1"))).toBeUndefined();

  await provider.query('ALTER TABLE offers ADD COLUMN mood scratch.mood');
  const before = await records();
  expect(await failure(person.query("UPDATE offers SET title = 'Winter (ops)' WHERE id = 1")))
    .toBe('authority: a write of public.offers is not recorded: reading its row runs scratch.mood_json(scratch.mood) of role person, which is ' +
      "neither the provider's user nor a superuser; the records would run it with the provider's rights");
  expect(await isSuper()).toBe(false);
  expect(await records()).toEqual(before);
  await provider.query('ALTER TABLE offers DROP COLUMN mood');
  expect(await failure(person.query("UPDATE offers SET title = 'Winter (ops)' WHERE id = 1"))).toBeUndefined();
});

test('a cast that would hand itself to the provider runs with no trigger\'s rights: the check comes before any trigger reads the row', async () => {
  // Run with the provider's rights, this cast makes the person a superuser and then gives itself to the provider, passing any later check.
  await person.query(`CREATE TYPE scratch.tone AS ENUM ('soft', 'loud');
    CREATE FUNCTION scratch.tone_json(scratch.tone) RETURNS json LANGUAGE plpgsql AS $f$ BEGIN
      IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        ALTER ROLE person SUPERUSER;
        EXECUTE pg_catalog.format('ALTER FUNCTION scratch.tone_json(scratch.tone) OWNER TO %I', current_user);
      END IF;
      RETURN pg_catalog.to_json($1::text); END $f$;
    CREATE CAST (scratch.tone AS json) WITH FUNCTION scratch.tone_json(scratch.tone)`);
  await provider.query('ALTER TABLE offers ADD COLUMN tone scratch.tone');
  try {
    expect(await failure(person.query("UPDATE offers SET note = 'stamped', tone = 'loud' WHERE id = 1"))).toMatch(/runs scratch\.tone_json\(scratch\.tone\) of role person/);
    expect(await isSuper()).toBe(false);
    expect((await provider.query("SELECT pg_get_userbyid(proowner) AS o FROM pg_proc WHERE proname = 'tone_json'")).rows[0].o).toBe('person');
  } finally {
    await provider.query('ALTER TABLE offers DROP COLUMN tone; ALTER ROLE person NOSUPERUSER');
  }
});

test('records functions of the earlier design (SECURITY DEFINER helpers anyone may call), or grants on the records, read back as drift; installing again repairs them', async () => {
  const intact = async () => [
    await recordsFunctionsIntact(runOn(provider), OVERRIDE_FUNCTIONS),
    await recordsFunctionsIntact(runOn(provider), REVIEW_FUNCTIONS),
    await recordsFunctionsIntact(runOn(provider), NEWEST_FUNCTIONS),
  ];
  expect(await intact()).toEqual([true, true, true]);
  await provider.query(`ALTER FUNCTION authority_records.note_override(oid, text, jsonb, text, jsonb, jsonb, text, timestamptz, text) SECURITY DEFINER;
    GRANT EXECUTE ON FUNCTION authority_records.note_override(oid, text, jsonb, text, jsonb, jsonb, text, timestamptz, text) TO PUBLIC;
    ALTER FUNCTION authority_records.hold_row() SECURITY INVOKER;
    GRANT EXECUTE ON FUNCTION authority_records.supersede_override(bigint, jsonb) TO clerks`);
  expect(await intact()).toEqual([false, false, false]);
  await install([...overrideStatements(protection, 'ops'), ...reviewQueueStatements(), ...installNewestStatements('crm', FEED, loc, '', ['title'])]);
  expect(await intact()).toEqual([true, true, true]);

  // A grant that lets someone write the records, or put a trigger on them, is drift as well.
  await provider.query('GRANT INSERT, TRIGGER ON authority_records.overrides TO clerks; ALTER FUNCTION authority_records.hold_row() SECURITY INVOKER');
  expect(await intact()).toEqual([false, false, false]);
  expect((await readOverrideProtection(runOn(provider), loc, protection.key, 'ops'))?.enforced).toBe(false);

  await installAll();
  expect(await intact()).toEqual([true, true, true]);
  expect((await provider.query("SELECT has_table_privilege('clerks', 'authority_records.overrides', 'INSERT, TRIGGER') AS may")).rows[0].may).toBe(false);
  expect((await readOverrideProtection(runOn(provider), loc, protection.key, 'ops'))?.enforced).toBe(true);
  expect(await fromOwnTrigger("PERFORM authority_records.supersede_override(id, '\"Forged\"') FROM authority_records.overrides"))
    .toBe('permission denied for function supersede_override');
});
