/**
 * The DO blocks the provider sends (the guard's seal, closing a route's review queue) splice
 * quoted names and texts into a dollar-quoted body: a name holding the block's tag must neither
 * end the block early (a syntax error that fails every apply and destroy of the table) nor run as
 * SQL of its own. Run on real PostgreSQL.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { dollarQuoted, guardTriggerName } from '../provider/platforms/postgresql/guard-sql';
import { sealGuardStatement } from '../provider/platforms/postgresql/guard-seal';
import { removeHoldStatements } from '../provider/platforms/postgresql/review-queue-sql';
import { HOSTILE_NAMES } from './support/hostile-names';

const TAGGED = ['x$seal$;DROP TABLE victim;--', 'y$close$;DROP TABLE victim;--', '$seal$$seal1$', "q'$close$'"];

let dir: string;
let server: LocalPostgres;
let db: Client;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-do-'));
  fs.chmodSync(dir, 0o755); // the server runs as the postgres user when tests run as root
  server = await LocalPostgres.start({ dir: path.join(dir, 'server'), logicalReplication: false });
  db = new Client(server.clientConfig());
  await db.connect();
  await db.query(`CREATE TABLE victim (id int);
    CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`);
});

afterAll(async () => {
  await db?.end();
  await server?.stop(true);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a body never holds its own tag', () => {
  expect(dollarQuoted('seal', ' x ')).toBe('$seal$ x $seal$');
  expect(dollarQuoted('seal', 'a$seal$b$seal1$')).toBe('$seal2$a$seal$b$seal1$$seal2$');
});

test.each([...TAGGED, ...HOSTILE_NAMES.map((h) => h.name)].map((name) => [name]))('table %j: the seal and the queue close run as one block each', async (name) => {
  const table = db.escapeIdentifier(name);
  const loc = { namespace: 'public', container: name };
  await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, ${db.escapeIdentifier(name.slice(0, 60))} text)`);
  await db.query(`CREATE TRIGGER ${db.escapeIdentifier(guardTriggerName('k'))} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION noop()`);
  try {
    await db.query(sealGuardStatement(loc, 'k'));
    const comment = await db.query(
      `SELECT obj_description(oid, 'pg_trigger') AS c FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2`, [`public.${table}`, guardTriggerName('k')]);
    expect(comment.rows[0].c).toMatch(/sealed in transaction \d+$/);
    for (const sql of removeHoldStatements(name, loc, 'route', [name.slice(0, 60)], true)) await db.query(sql);
    expect((await db.query("SELECT to_regclass('public.victim') IS NOT NULL AS there")).rows[0].there).toBe(true);
  } finally {
    await db.query(`DROP TABLE ${table}`);
  }
});
