/**
 * The provider's own schemas on a platform (authority_catalog, authority_records) are written with
 * its rights. A role with CREATE on the database that made such a schema first, with a table of
 * the expected name and a trigger of its own, must not get that trigger run by the provider: the
 * provider refuses, naming the schema or table and its owner. Real PostgreSQL; the provider's user
 * is a superuser, as in the embedded default.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { runOn } from '../provider/platforms/postgresql/catalog';
import { inTransactionDoing, recordProtection } from '../provider/platforms/postgresql/facts-view';
import { overrideLogStatements } from '../provider/platforms/postgresql/override-sql';
import { reviewQueueStatements } from '../provider/platforms/postgresql/review-queue-sql';

let dir: string;
let server: LocalPostgres;
let db: Client;

const protection = {
  location: { namespace: 'public', container: 'campaigns' }, key: 'naming', authority: 'crm', fields: ['name'],
  syncPrincipal: 'sync', correctionHint: 'Correct it in the CRM.', fact: 'campaign.name',
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-trust-'));
  fs.chmodSync(dir, 0o755); // the server runs as the postgres user when tests run as root
  server = await LocalPostgres.start({ dir: path.join(dir, 'server'), logicalReplication: false });
  db = new Client(server.clientConfig());
  await db.connect();
  await db.query(`CREATE TABLE campaigns (id int PRIMARY KEY, name text);
    CREATE ROLE squatter NOLOGIN;
    GRANT CREATE ON DATABASE ${db.escapeIdentifier(server.clientConfig().database as string)} TO squatter;
    CREATE FUNCTION public.promote() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN ALTER ROLE squatter SUPERUSER; RETURN NEW; END';
    ALTER FUNCTION public.promote() OWNER TO squatter`);
});

afterAll(async () => {
  await db?.end();
  await server?.stop(true);
  fs.rmSync(dir, { recursive: true, force: true });
});

const isSuper = async () => (await db.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'squatter'")).rows[0].rolsuper;
const asSquatter = (sql: string) => db.query(`SET ROLE squatter; ${sql}; RESET ROLE`);
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e.message);

test('a facts registry someone else created first is refused, and its trigger never runs', async () => {
  await asSquatter(`CREATE SCHEMA authority_catalog;
    CREATE TABLE authority_catalog.fact_registry (schema_name text, table_name text, column_name text, protection text, fact text, role text,
      authority text, people_may text, correction text, previous_comment text, PRIMARY KEY (schema_name, table_name, column_name, protection));
    CREATE VIEW authority_catalog.facts AS SELECT * FROM authority_catalog.fact_registry;
    CREATE TRIGGER t BEFORE INSERT ON authority_catalog.fact_registry FOR EACH ROW EXECUTE FUNCTION public.promote()`);
  const refused = await failure(inTransactionDoing(db, (run) => recordProtection(run, protection, 'copy')));
  expect(refused).toBe("authority: schema authority_catalog belongs to role squatter, which is neither the provider's user nor a superuser: " +
    "the provider does not write there (a trigger of that role's would run with the provider's rights)");
  expect(await isSuper()).toBe(false);
  await db.query('DROP SCHEMA authority_catalog CASCADE');

  // Dropped: the provider makes its own, and records the column.
  await inTransactionDoing(db, (run) => recordProtection(run, protection, 'copy'));
  expect((await db.query('SELECT fact FROM authority_catalog.facts')).rows).toEqual([{ fact: 'campaign.name' }]);
});

test('an override log or review queue someone else created in the provider\'s schema is refused', async () => {
  for (const sql of overrideLogStatements()) await db.query(sql);
  await db.query('DROP TABLE authority_records.overrides CASCADE; GRANT CREATE ON SCHEMA authority_records TO squatter');
  await asSquatter(`CREATE TABLE authority_records.overrides (id bigint)`);
  const refused = await failure(runOn(db)(reviewQueueStatements().slice(0, 2).join(';\n')));
  expect(refused).toMatch(/^authority: authority_records\.overrides belongs to role squatter/);
  await db.query('DROP TABLE authority_records.overrides');
  for (const sql of [...overrideLogStatements(), ...reviewQueueStatements()]) await db.query(sql);
});
