/**
 * The example organization's platforms as local PostgreSQL databases: the tables the policies
 * name, a sync role, an operator role standing in for a person, and a few rows. Idempotent.
 */
import { ClientConfig, Client } from 'pg';

/** The role people use in the example tools (a stand-in for a real user). */
export const OPERATOR_ROLE = 'operator';
/** The role the sync writes as: the only writer of protected copies. */
export const SYNC_ROLE = 'authority_sync';

const ROLES = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${SYNC_ROLE}') THEN CREATE ROLE ${SYNC_ROLE} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${OPERATOR_ROLE}') THEN CREATE ROLE ${OPERATOR_ROLE} NOLOGIN; END IF;
END $$;
`;

const GRANTS = (tables: string[]) => tables.map((t) => `
GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${SYNC_ROLE};
GRANT SELECT, INSERT, UPDATE ON ${t} TO ${OPERATOR_ROLE};`).join('\n');

/**
 * Rows for an empty table only. A later run inserts nothing, so it never meets the guard of a
 * protected copy (a BEFORE INSERT trigger fires even for ON CONFLICT DO NOTHING).
 */
const seed = (table: string, rows: string) =>
  `INSERT INTO ${table} SELECT * FROM (VALUES ${rows}) AS v WHERE NOT EXISTS (SELECT 1 FROM ${table});`;

/** Schema and seed data per example platform (database name = platform name). */
export const EXAMPLE_SCHEMAS: Record<string, string> = {
  crm: `
CREATE TABLE IF NOT EXISTS campaigns (
  id integer PRIMARY KEY,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft',
  owner text
);
${seed('campaigns', "(1, 'Spring launch', 'live', 'dana'), (2, 'Partner webinar', 'draft', 'lee')")}
${GRANTS(['campaigns'])}`,
  ops: `
CREATE TABLE IF NOT EXISTS campaigns (
  id integer PRIMARY KEY,
  name text,
  routing_state text NOT NULL DEFAULT 'new',
  assignee text
);
${seed('campaigns', "(1, 'Spring launch', 'triaged', 'sam'), (2, 'Partner webinar', 'new', NULL)")}
${GRANTS(['campaigns'])}`,
};

/** Creates the platform's database if needed, then its roles, tables and rows. */
export async function prepareExamplePlatform(name: string, admin: ClientConfig): Promise<void> {
  const server = new Client({ ...admin, database: 'postgres' });
  await server.connect();
  try {
    const exists = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await server.query(`CREATE DATABASE ${server.escapeIdentifier(name)}`);
    await server.query(ROLES);
  } finally {
    await server.end();
  }
  const db = new Client({ ...admin, database: name });
  await db.connect();
  try {
    await db.query(EXAMPLE_SCHEMAS[name]);
  } finally {
    await db.end();
  }
}
