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

/**
 * The CMS's accounts, under its own names: `display_name` holds the name of a party in Tryton,
 * `crm_party_id` the party's id there. Empty: with `npm run start:apps` (Tryton) the customers
 * domain's route creates a row per party (missing rows: create), so the id comes from the table.
 */
const ACCOUNTS_FROM_PARTIES = `
CREATE TABLE IF NOT EXISTS accounts (id serial PRIMARY KEY, crm_party_id integer UNIQUE, display_name text);
${GRANTS(['accounts'])}
GRANT USAGE ON SEQUENCE accounts_id_seq TO ${SYNC_ROLE};`;

/**
 * Schema and seed data per example platform (database name = platform name). A copy keeps the
 * authority's table and column names: logical replication maps by name.
 */
export const EXAMPLE_SCHEMAS: Record<string, string> = {
  crm: `
CREATE TABLE IF NOT EXISTS campaigns (id integer PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'draft', owner text);
CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, name text NOT NULL, owner text, billing_state text);
${seed('campaigns', "(1, 'Spring launch', 'live', 'dana'), (2, 'Partner webinar', 'draft', 'lee')")}
${seed('accounts', "(1, 'Acme', 'dana', 'current'), (2, 'Globex', 'lee', 'overdue')")}
${GRANTS(['campaigns', 'accounts'])}`,
  cms: `
CREATE TABLE IF NOT EXISTS content (id integer PRIMARY KEY, slug text NOT NULL, title text NOT NULL, published_at timestamptz, campaign_id integer);
CREATE TABLE IF NOT EXISTS campaigns (id integer PRIMARY KEY, name text);
${seed('content', "(1, 'spring-launch', 'Spring is here', timestamptz '2026-03-01', 1), (2, 'webinar', 'Meet our partners', NULL::timestamptz, 2)")}
${seed('campaigns', "(1, 'Spring launch'), (2, 'Partner webinar')")}
${GRANTS(['content', 'campaigns'])}
${ACCOUNTS_FROM_PARTIES}`,
  ops: `
CREATE TABLE IF NOT EXISTS campaigns (id integer PRIMARY KEY, name text, routing_state text NOT NULL DEFAULT 'new', assignee text);
CREATE TABLE IF NOT EXISTS content (id integer PRIMARY KEY, title text, routing_state text NOT NULL DEFAULT 'new');
${seed('campaigns', "(1, 'Spring launch', 'triaged', 'sam'), (2, 'Partner webinar', 'new', NULL)")}
${seed('content', "(1, 'Spring is here', 'review'), (2, 'Meet our partners', 'new')")}
${GRANTS(['campaigns', 'content'])}`,
  erp: `
CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, name text NOT NULL, owner text, billing_state text NOT NULL DEFAULT 'current');
${seed('accounts', "(1, 'Acme', 'dana', 'current'), (2, 'Globex', 'lee', 'overdue')")}
${GRANTS(['accounts'])}`,
  support: `
CREATE TABLE IF NOT EXISTS tickets (id integer PRIMARY KEY, subject text NOT NULL, status text NOT NULL DEFAULT 'open', priority text, account_id integer);
CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, owner text);
${seed('tickets', "(1, 'Invoice question', 'open', 'normal', 2), (2, 'Login fails', 'pending', 'high', 1)")}
${seed('accounts', "(1, 'dana'), (2, 'lee')")}
${GRANTS(['tickets', 'accounts'])}`,
  bi: `
CREATE TABLE IF NOT EXISTS campaigns (id integer PRIMARY KEY, name text, routing_state text);
CREATE TABLE IF NOT EXISTS accounts (id integer PRIMARY KEY, owner text, billing_state text);
CREATE TABLE IF NOT EXISTS tickets (id integer PRIMARY KEY, status text);
${seed('campaigns', "(1, 'Spring launch', 'triaged'), (2, 'Partner webinar', 'new')")}
${seed('accounts', "(1, 'dana', 'current'), (2, 'lee', 'overdue')")}
${seed('tickets', "(1, 'open'), (2, 'pending')")}
${GRANTS(['campaigns', 'accounts', 'tickets'])}`,
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
