/**
 * What the PostgreSQL catalogs say about a sync route's parts: the table and its key, the pair's
 * publication, slot and subscription. Reads only; the router (router.ts) acts.
 * Nothing here reads a stored password: subconninfo is only ever compared on the copy, as a digest.
 */
import { createHash } from 'node:crypto';
import { Client, QueryResult, QueryResultRow } from 'pg';
import { Diagnostic } from '../../framework';
import { FieldLocation } from '../adapter';
import type { PostgresConnection } from './connection';

/** Publication column lists. */
export const COLUMN_LISTS_SINCE = 150000;
/** pg_stat_subscription_stats. */
export const SUBSCRIPTION_STATS_SINCE = 150000;
/** CREATE SUBSCRIPTION ... WITH (origin = none); also pg_create_subscription. */
export const ORIGIN_NONE_SINCE = 160000;

/** Whether a subscription on a copy of this version can ignore replicated changes (origin = none). */
export function ignoresReplicatedChanges(copyVersion: number): boolean {
  return copyVersion >= ORIGIN_NONE_SINCE;
}

export interface TableFacts {
  readonly columns: { name: string; notNull: boolean; hasDefault: boolean; generated: boolean }[];
  readonly kind: string;
  /** The replica identity's columns; empty when there is none (no primary key, FULL or NOTHING). */
  readonly key: string[];
  readonly replicaIdentity: string;
  readonly owned: boolean;
  /** The table's owner, and whether the current user may act as it (SET ROLE; superusers may). */
  readonly owner: string;
  readonly mayActAsOwner: boolean;
}

export interface PublicationFacts {
  readonly allTables: boolean;
  /** What it publishes, e.g. "insert, update, delete". */
  readonly actions: string;
  /** A partitioned table's changes are sent as its own, not as its partitions' (publish_via_partition_root). */
  readonly viaRoot: boolean;
  /** The route's table in it, if there: the columns sent (table order) and any row filter. */
  readonly here?: { columns: string[]; rowFilter: string | null };
  /** How many other tables it holds: other routes of the pair. */
  readonly others: number;
}

export interface SubscriptionFacts {
  readonly enabled: boolean;
  readonly slot: string | null;
  readonly publications: string[];
  readonly origin: string | null;
  /** The route's table is among the tables it receives (pg_subscription_rel). */
  readonly hasTable: boolean;
}

/**
 * One query on some connection (the adapter's shared one, or a connection of a step's own). A
 * `name` makes it a prepared statement of that session's (same name, same text): a read run for
 * every resource is parsed once per session, and its plan is reused (planning a catalog read of a
 * dozen subqueries costs more than running it).
 */
export type Run = <R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[], name?: string) => Promise<QueryResult<R>>;
export const runOn = (db: Client): Run => (sql, params, name) => (name ? db.query({ name, text: sql, values: params }) : db.query(sql, params));

export async function inspectTable(pg: PostgresConnection, loc: FieldLocation): Promise<TableFacts | undefined> {
  // One round trip, prepared: the routes read their tables at every plan and refresh.
  const found = await pg.query<Omit<TableFacts, 'replicaIdentity'> & { replident: string }>(
    `SELECT c.relkind AS kind, c.relreplident AS replident, pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
            pg_get_userbyid(c.relowner) AS owner,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, c.relowner,
              CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END) AS "mayActAsOwner",
            COALESCE((SELECT json_agg(json_build_object('name', a.attname, 'notNull', a.attnotnull, 'hasDefault', a.atthasdef,
                                                        'generated', a.attgenerated <> '' OR a.attidentity <> '') ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns,
            -- The replica identity: the primary key by default, or the index named by REPLICA IDENTITY USING INDEX.
            COALESCE((SELECT json_agg(a.attname ORDER BY k.ord) FROM pg_index i
                        CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       WHERE i.indrelid = c.oid AND c.relreplident IN ('d', 'i')
                         AND (CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END)
                         AND k.ord <= i.indnkeyatts), '[]'::json) AS key -- not the INCLUDE columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [loc.namespace, loc.container], 'authority_inspect_table');
  const t = found.rows[0];
  if (!t) return undefined;
  return { columns: t.columns, kind: t.kind, key: t.key, replicaIdentity: t.replident, owned: t.owned, owner: t.owner, mayActAsOwner: t.mayActAsOwner };
}

export async function missingTable(pg: PostgresConnection, loc: FieldLocation, where: string, advice: string): Promise<Diagnostic> {
  const known = await pg.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 20`, [loc.namespace]);
  return {
    severity: 'error',
    summary: `Table ${loc.namespace}.${loc.container} does not exist ${where}`,
    detail: `${known.rowCount ? `Tables in schema ${loc.namespace}: ${known.rows.map((r) => r.relname).join(', ')}. ` : ''}${advice}`,
    attribute: ['table'],
  };
}

export function noKey(table: string, where: string, replicaIdentity: string): Diagnostic {
  const why = replicaIdentity === 'f'
    ? 'Its replica identity is FULL: every column, which a route that sends only some columns cannot cover.'
    : replicaIdentity === 'n'
      ? 'Its replica identity is NOTHING: updates and deletes could not be sent at all.'
      : 'It has no primary key.';
  return {
    severity: 'error',
    summary: `${table} ${where} has no key to sync by`,
    detail: `${why} The authority sends its key with every change so the copy can find the row. ` +
      'Add a primary key (ALTER TABLE ... ADD PRIMARY KEY (...)) and keep the default replica identity, or name a unique index (REPLICA IDENTITY USING INDEX).',
    attribute: ['table'],
  };
}

export async function findSlot(query: Run, name: string): Promise<{ ours: boolean; active: boolean; consumer: string | null } | undefined> {
  const found = await query<{ ours: boolean; active: boolean; consumer: string | null }>(
    `SELECT (s.slot_type = 'logical' AND s.plugin = 'pgoutput' AND s.database = current_database()) AS ours, s.active,
            (SELECT r.application_name FROM pg_stat_replication r WHERE r.pid = s.active_pid) AS consumer
       FROM pg_replication_slots s WHERE s.slot_name = $1`, [name], 'authority_find_slot');
  return found.rows[0];
}

/**
 * Whether the publication lists its tables one by one, as the provider makes it: no schemas or
 * all tables, no partitions (whose rows pg_publication_tables rearranges). Then its tables are its
 * pg_publication_rel rows, read by index; otherwise pg_publication_tables expands all of them (its
 * function runs for the whole publication, however the view is filtered: for every route of a
 * large pair that made each read grow with the pair).
 */
const LISTED_ONE_BY_ONE = `NOT p.puballtables AND p.pubviaroot
  AND NOT EXISTS (SELECT FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid)
  AND NOT EXISTS (SELECT FROM pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid
                   WHERE r.prpubid = p.oid AND (c.relispartition OR c.relkind = 'p'))`;

/** The publication's rows of the table $2.$3, or of every other table (`others`), from pg_publication_rel. */
const listedRel = (others: boolean) => `pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE r.prpubid = p.oid AND ${others ? 'NOT ' : ''}(n.nspname = $2 AND c.relname = $3)`;

export async function findPublication(query: Run, name: string, loc: FieldLocation): Promise<PublicationFacts | undefined> {
  const found = await query<{ allTables: boolean; actions: string; viaRoot: boolean; here: { columns: string[]; rowFilter: string | null } | null; others: number }>(
    `SELECT p.puballtables AS "allTables", p.pubviaroot AS "viaRoot",
            concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                      CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS actions,
            -- The table's columns from its column list; without one (added by hand), as the view says which.
            CASE WHEN ${LISTED_ONE_BY_ONE} AND NOT EXISTS (SELECT FROM ${listedRel(false)} AND r.prattrs IS NULL)
              THEN (SELECT json_build_object('columns', ARRAY(SELECT a.attname FROM pg_attribute a
                                                               WHERE a.attrelid = r.prrelid AND a.attnum = ANY(r.prattrs) ORDER BY a.attnum),
                                             'rowFilter', pg_get_expr(r.prqual, r.prrelid))
                      FROM ${listedRel(false)})
              ELSE (SELECT json_build_object('columns', t.attnames, 'rowFilter', t.rowfilter) FROM pg_publication_tables t
                     WHERE t.pubname = p.pubname AND t.schemaname = $2 AND t.tablename = $3) END AS here,
            CASE WHEN ${LISTED_ONE_BY_ONE}
              THEN (SELECT count(*)::int FROM ${listedRel(true)})
              ELSE (SELECT count(*)::int FROM pg_publication_tables t
                     WHERE t.pubname = p.pubname AND NOT (t.schemaname = $2 AND t.tablename = $3)) END AS others
       FROM pg_publication p WHERE p.pubname = $1`, [name, loc.namespace, loc.container], 'authority_find_publication');
  const row = found.rows[0];
  return row ? { allTables: row.allTables, actions: row.actions, viaRoot: row.viaRoot, here: row.here ?? undefined, others: row.others } : undefined;
}

export async function findSubscription(query: Run, name: string, loc: FieldLocation, version: number): Promise<SubscriptionFacts | undefined> {
  // Never subconninfo: it holds the authority's password.
  const origin = ignoresReplicatedChanges(version);
  const found = await query<SubscriptionFacts & QueryResultRow>(
    `SELECT s.subenabled AS enabled, s.subslotname AS slot, s.subpublications AS publications,
            ${origin ? 's.suborigin' : 'NULL::text'} AS origin,
            EXISTS (SELECT FROM pg_subscription_rel r JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE r.srsubid = s.oid AND n.nspname = $2 AND c.relname = $3) AS "hasTable"
       FROM pg_subscription s
      WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [name, loc.namespace, loc.container], `authority_find_subscription_${origin ? 'origin' : 'plain'}`);
  return found.rows[0];
}

/**
 * A digest of the connection string the copy's subscription uses, computed on the copy: the string
 * itself (with the authority's password) never leaves it. Undefined when the provider's user may
 * not read subconninfo (superusers only): then apply sets the connection every time.
 */
export async function connectionDigest(query: Run, name: string): Promise<string | undefined> {
  const may = await query<{ may: boolean }>("SELECT has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT') AS may");
  if (!may.rows[0]?.may) return undefined;
  const found = await query<{ digest: string }>(
    `SELECT encode(sha256(convert_to(subconninfo, 'UTF8')), 'hex') AS digest FROM pg_subscription
      WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, [name]);
  return found.rows[0]?.digest;
}

export function digestOf(connection: string): string {
  return createHash('sha256').update(connection, 'utf8').digest('hex');
}


/** The copy's subscription as a plan reports it: switched on, and changes it failed to apply so far (15+). */
export async function subscriptionStats(query: Run, name: string, version: number): Promise<{ enabled: boolean; errors: number } | undefined> {
  const errors = version >= SUBSCRIPTION_STATS_SINCE
    ? 'COALESCE((SELECT t.apply_error_count FROM pg_stat_subscription_stats t WHERE t.subid = s.oid), 0)'
    : '0';
  const found = await query<{ enabled: boolean; errors: number }>(
    `SELECT s.subenabled AS enabled, ${errors}::int AS errors FROM pg_subscription s
      WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, [name]);
  return found.rows[0];
}

/**
 * Who streams from the slot on the authority now (a copy's receiver names itself after its
 * subscription), and replay_lag: how long the copy took to apply the latest changes (null once it
 * has caught up and is idle).
 */
export async function slotSender(query: Run, name: string): Promise<{ consumer: string | null; lag: number | null } | undefined> {
  const found = await query<{ consumer: string | null; lag: number | null }>(
    `SELECT r.application_name AS consumer, EXTRACT(epoch FROM r.replay_lag)::float8 AS lag
       FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1`, [name]);
  return found.rows[0];
}
