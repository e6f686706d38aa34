/**
 * The PostgreSQL kind's conformance fixture: one real server (embedded PostgreSQL) with a table
 * whose columns the suite protects, the example platforms' person (operator) and sync principal,
 * and the ways an owner or superuser can undo a guard by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../../embedded/local-postgres';
import { OPERATOR_ROLE, SYNC_ROLE } from '../../embedded/example-platforms';
import { FieldLocation, FieldProtection } from '../../provider/platforms/adapter';
import { HOSTILE_NAMES } from '../support/hostile-names';
import { tryAs } from '../support/platforms';
import { HandEdit, KindFixture, KindServer } from './fixture';

const DATABASE = 'conform';
const TABLE: FieldLocation = { namespace: 'public', container: 'items' };

let db: Client; // the fixture's superuser session; one server per test file

const q = (name: string) => db.escapeIdentifier(name);
const ref = (at: FieldLocation) => `${q(at.namespace)}.${q(at.container)}`;

/** The guard's trigger and function for a protection, as the catalog has them (null when gone). */
async function guardOf(p: FieldProtection): Promise<{ trigger: string; fn: string; def: string }> {
  const { rows } = await db.query(
    `SELECT t.tgname AS trigger, t.tgfoid::regprocedure::text AS fn, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
      WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal AND t.tgname LIKE 'authority_guard_%'`, [ref(p.location)]);
  if (rows.length !== 1) throw new Error(`expected one guard on ${ref(p.location)}, found ${rows.length}`);
  return rows[0];
}

const HAND_EDITS: HandEdit[] = [
  { label: 'trigger disabled', opens: true, undo: async (p) => { await db.query(`ALTER TABLE ${ref(p.location)} DISABLE TRIGGER ${q((await guardOf(p)).trigger)}`); } },
  { label: 'trigger dropped', opens: true, undo: async (p) => { await db.query(`DROP TRIGGER ${q((await guardOf(p)).trigger)} ON ${ref(p.location)}`); } },
  {
    label: 'function body edited to let everything through', opens: true,
    undo: async (p) => { await db.query(`CREATE OR REPLACE FUNCTION ${(await guardOf(p)).fn} RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`); },
  },
  {
    label: 'trigger re-created WHEN (false)', opens: true,
    undo: async (p) => {
      const g = await guardOf(p);
      await db.query(`DROP TRIGGER ${q(g.trigger)} ON ${ref(p.location)}; ${g.def.replace(/FOR EACH ROW (WHEN .*? )?EXECUTE FUNCTION/, 'FOR EACH ROW WHEN (false) EXECUTE FUNCTION')};
        ALTER TABLE ${ref(p.location)} ENABLE ALWAYS TRIGGER ${q(g.trigger)}`);
    },
  },
  {
    label: 'function made SECURITY DEFINER, owned by the sync principal', opens: true,
    undo: async (p) => { const { fn } = await guardOf(p); await db.query(`ALTER FUNCTION ${fn} SECURITY DEFINER; ALTER FUNCTION ${fn} OWNER TO ${q(SYNC_ROLE)}`); },
  },
  { label: 'function given to another owner', opens: false, undo: async (p) => { await db.query(`ALTER FUNCTION ${(await guardOf(p)).fn} OWNER TO ${q(OPERATOR_ROLE)}`); } },
  { label: 'function\'s search_path changed', opens: false, undo: async (p) => { await db.query(`ALTER FUNCTION ${(await guardOf(p)).fn} SET search_path = public, pg_catalog`); } },
  {
    label: 'trigger set to fire only in replica sessions (ENABLE REPLICA)', opens: true,
    undo: async (p) => { await db.query(`ALTER TABLE ${ref(p.location)} ENABLE REPLICA TRIGGER ${q((await guardOf(p)).trigger)}`); },
  },
];

/** Runs `sql` as `role` on the first row; the refusal's message and hint, or undefined. */
async function editAs(role: string, at: FieldLocation, field: string): Promise<string | undefined> {
  const e = await tryAs(db, role, `UPDATE ${ref(at)} SET ${q(field)} = coalesce(${q(field)}, '') || '!' WHERE id = 1`);
  return e ? [e.message, e.hint].filter(Boolean).join('\n') : undefined;
}

/** Everything a guard may touch: triggers, functions and their settings, comments, privileges, event triggers. */
async function snapshot(): Promise<unknown> {
  const user = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
  const [triggers, functions, grants, events] = await Promise.all([
    db.query(`SELECT c.oid::regclass::text AS tbl, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2`),
    db.query(`SELECT p.oid::regprocedure::text AS fn, p.prosrc, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) AS owner,
      obj_description(p.oid, 'pg_proc') AS comment FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname ${user} ORDER BY 1`),
    db.query(`SELECT c.oid::regclass::text AS tbl, c.relacl::text, obj_description(c.oid, 'pg_class') AS comment,
      (SELECT array_agg(a.attname || ':' || coalesce(a.attacl::text, '') || ':' || coalesce(col_description(c.oid, a.attnum), '') ORDER BY a.attnum)
         FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname ${user} AND c.relkind IN ('r', 'p') ORDER BY 1`),
    db.query('SELECT evtname, evtevent, evtenabled FROM pg_event_trigger ORDER BY 1'),
  ]);
  return { triggers: triggers.rows, functions: functions.rows, grants: grants.rows, eventTriggers: events.rows };
}

/** A table named `name` with one text column named `name`, a row, and the example's grants. */
async function hostileContainer(name: string): Promise<FieldLocation> {
  const at = { namespace: 'public', container: name };
  await db.query(`CREATE TABLE IF NOT EXISTS ${ref(at)} (id int PRIMARY KEY, ${q(name)} text);
    INSERT INTO ${ref(at)} VALUES (1, 'v') ON CONFLICT DO NOTHING;
    GRANT SELECT, UPDATE ON ${ref(at)} TO ${q(OPERATOR_ROLE)}, ${q(SYNC_ROLE)}`);
  return at;
}

/** An event trigger that refuses CREATE TRIGGER: the guard's function is already replaced when it fires. */
async function refusePartWay(): Promise<() => Promise<void>> {
  await db.query(`CREATE FUNCTION public.conformance_refuse() RETURNS event_trigger LANGUAGE plpgsql AS
      $$BEGIN RAISE EXCEPTION 'the platform refuses this step (conformance suite)'; END$$;
    CREATE EVENT TRIGGER conformance_refuse ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER') EXECUTE FUNCTION public.conformance_refuse()`);
  return async () => { await db.query('DROP EVENT TRIGGER conformance_refuse; DROP FUNCTION public.conformance_refuse()'); };
}

async function start(): Promise<KindServer> {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'authority-conformance-'));
  fs.chmodSync(dir, 0o755); // the server runs as another user when tests run as root
  const server = await LocalPostgres.start({ dir: path.join(dir, 'pg'), logicalReplication: false });
  const admin = new Client(server.clientConfig());
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`).finally(() => admin.end());
  db = new Client(server.clientConfig(DATABASE));
  await db.connect();
  await db.query(`CREATE ROLE ${q(SYNC_ROLE)} NOLOGIN; CREATE ROLE ${q(OPERATOR_ROLE)} NOLOGIN;
    CREATE TABLE items (id int PRIMARY KEY, title text, status text, summary text, notes text);
    INSERT INTO items VALUES (1, 'Spring launch', 'open', 'A launch', 'free text');
    GRANT SELECT, UPDATE ON items TO ${q(OPERATOR_ROLE)}, ${q(SYNC_ROLE)}`);
  const c = server.connection;
  return {
    platform: 'ops',
    settings: { host: c.host, port: c.port, database: DATABASE, username: c.username, password_file: c.passwordFile },
    location: TABLE,
    fields: ['title', 'status', 'summary'],
    syncPrincipal: SYNC_ROLE,
    personEdits: (at, field) => editAs(OPERATOR_ROLE, at, field),
    syncWrites: (at, field) => editAs(SYNC_ROLE, at, field),
    snapshot,
    hostileContainer,
    refusePartWay,
    async stop() {
      await db.end().catch(() => undefined);
      await server.stop(true);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const postgresqlFixture: KindFixture = {
  kind: 'postgresql',
  start,
  handEdits: HAND_EDITS,
  // PostgreSQL holds every name of the list (the 63-byte one at its limit).
  hostileNames: HOSTILE_NAMES,
  // Port 1 (tcpmux) on the loopback: nothing listens there, so the connection is refused at once.
  unreachableSettings: () => ({ host: '127.0.0.1', port: 1, database: DATABASE, username: 'nobody', connect_timeout: 5 }),
};
