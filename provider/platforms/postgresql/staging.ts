/**
 * The staging table of a mapped route on the copy (see mapping-sql.ts): created, repaired, read
 * back and removed, each converging from any partial state. The table is the provider's: found
 * by its comment, so a table of the authority's name that the copy holds for itself is never
 * touched (plan refuses the route instead).
 */
import { Client } from 'pg';
import { FieldLocation, RouteMapping } from '../adapter';
import { Run } from './catalog';
import { inTransaction } from './connection';
import { PINNED_SEARCH_PATH } from './guard-sql';
import {
  MAPPING_BODY, MAPPING_TGTYPE, STAGING_SCHEMA_COMMENT, StagedColumn, createStagingStatements, mappingArgs, mappingTriggerName,
  mappingTriggerStatements, removeStagingStatements, stagingComment,
} from './mapping-sql';

/** What the copy holds at the staging table's place. */
export interface StagingFacts {
  /** No table there; a table that is not the provider's staging table; or the provider's. */
  readonly table: 'absent' | 'foreign' | 'ours';
  /** The schema exists, and whether the provider made it. */
  readonly schema: 'absent' | 'foreign' | 'ours';
  /** The staging table's columns (name and type), in table order. */
  readonly columns: StagedColumn[];
  /** The mapping trigger is there, fires always, and neither it, its arguments nor its function were altered. */
  readonly triggerIntact: boolean;
}

export async function readStaging(query: Run, staging: FieldLocation, m: RouteMapping | undefined, args: readonly string[] | undefined): Promise<StagingFacts> {
  const found = await query<{ schema_comment: string | null; relid: number | null; comment: string | null }>(
    `SELECT obj_description(n.oid, 'pg_namespace') AS schema_comment, c.oid AS relid, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2 WHERE n.nspname = $1`,
    [staging.namespace, staging.container]);
  const row = found.rows[0];
  const schema = !row ? 'absent' : row.schema_comment === STAGING_SCHEMA_COMMENT ? 'ours' : 'foreign';
  if (!row?.relid) return { table: 'absent', schema, columns: [], triggerIntact: false };
  const ours = !!row.comment && row.comment.startsWith('Managed by authority: staging of a sync route') && (!m || row.comment === stagingComment(m));
  if (!ours) return { table: 'foreign', schema, columns: [], triggerIntact: false };
  const columns = await query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [row.relid]);
  const trigger = await query<{ tgenabled: string; tgtype: number; tgargs: Buffer; prosrc: string; owned: boolean; prosecdef: boolean; proconfig: string[] | null }>(
    `SELECT t.tgenabled, t.tgtype, t.tgargs, p.prosrc, p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS owned,
            p.prosecdef, p.proconfig
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = $1 AND t.tgname = $2`, [row.relid, mappingTriggerName(staging)]);
  const t = trigger.rows[0];
  const triggerIntact = !!t && t.tgenabled === 'A' && t.tgtype === MAPPING_TGTYPE && t.prosrc === MAPPING_BODY && t.owned && !t.prosecdef &&
    JSON.stringify(t.proconfig) === JSON.stringify([`search_path=${PINNED_SEARCH_PATH}`]) &&
    (!args || JSON.stringify(triggerArgs(t.tgargs)) === JSON.stringify(args));
  return { table: 'ours', schema, columns: columns.rows, triggerIntact };
}

/** A trigger's arguments, from pg_trigger.tgargs (each ends with a NUL byte). */
export function triggerArgs(raw: Buffer): string[] {
  const parts = raw.toString('utf8').split('\0');
  return parts.slice(0, -1);
}

/** Whether the staged columns are the wanted ones, by name and type, in order. */
export function sameColumns(found: readonly StagedColumn[], wanted: readonly StagedColumn[]): boolean {
  return JSON.stringify(found.map((c) => [c.name, c.type])) === JSON.stringify(wanted.map((c) => [c.name, c.type]));
}

/**
 * Creates or repairs the staging table and its mapping trigger. Says whether the table was
 * (re)created, so the route fills it; a staging table with other columns is recreated (it holds
 * only what the route staged).
 */
export async function stage(db: Client, staging: FieldLocation, m: RouteMapping, columns: readonly StagedColumn[], key: string, sourceFields: readonly string[]): Promise<'created' | 'repaired' | undefined> {
  const args = mappingArgs(m, key, sourceFields);
  const found = await readStaging((sql, params) => db.query(sql, params), staging, undefined, args);
  if (found.table === 'foreign') {
    throw new Error(`${staging.namespace}.${staging.container} on the copy is a table of its own, not the route's staging table: a mapped route ` +
      'replicates into a staging table of the authority\'s name there. Rename that table, or sync under the same names');
  }
  const fresh = found.table === 'absent' || !sameColumns(found.columns, columns);
  if (!fresh && found.triggerIntact) return undefined;
  await inTransaction(db, [
    ...(found.table === 'ours' && fresh ? removeStagingStatements(staging, false) : []),
    ...(fresh ? createStagingStatements(staging, m, columns, key, found.schema === 'absent') : []),
    ...mappingTriggerStatements(staging, args),
  ]);
  return fresh ? 'created' : 'repaired';
}

/** Removes the staging table, its function, and its schema when the provider made it and it is empty now. */
export async function unstage(db: Client, staging: FieldLocation): Promise<void> {
  const found = await readStaging((sql, params) => db.query(sql, params), staging, undefined, undefined);
  if (found.table !== 'ours') return;
  const others = await db.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname <> $2 AND c.relkind <> 'i'
     UNION ALL SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname <> $3
     UNION ALL SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typname NOT IN ($2, '_' || $2) LIMIT 1`,
    [staging.namespace, staging.container, mappingTriggerName(staging)]);
  // The table's own index and types go with it (an index of another table comes with that table); anything else keeps the schema.
  const keepSchema = found.schema !== 'ours' || (others.rowCount ?? 0) > 0;
  await inTransaction(db, removeStagingStatements(staging, !keepSchema));
}

/** The authority table's columns to stage: the key first, then the route's fields, with their types. */
export async function stagedColumns(query: Run, loc: FieldLocation, key: string, fields: readonly string[]): Promise<StagedColumn[]> {
  const found = await query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`, [loc.namespace, loc.container]);
  const byName = new Map(found.rows.map((r) => [r.name, r.type]));
  return [key, ...fields.filter((f) => f !== key)].map((name) => {
    const type = byName.get(name);
    if (!type) throw new Error(`column "${name}" does not exist in ${loc.namespace}.${loc.container} on the authority`);
    return { name, type };
  });
}

/**
 * The mapping a staging table at `staging` carries, from its mapping trigger's arguments (for a
 * route read back without one: imported). Undefined unless the table is the provider's staging
 * table and its trigger's arguments have the shape mappingArgs writes.
 */
export async function readStagedMapping(query: Run, staging: FieldLocation): Promise<RouteMapping | undefined> {
  const found = await query<{ comment: string | null; tgargs: Buffer | null }>(
    `SELECT obj_description(c.oid, 'pg_class') AS comment, t.tgargs
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname = $3
      WHERE n.nspname = $1 AND c.relname = $2`, [staging.namespace, staging.container, mappingTriggerName(staging)]);
  const row = found.rows[0];
  if (!row?.tgargs || !row.comment?.startsWith('Managed by authority: staging of a sync route')) return undefined;
  return mappingOfArgs(triggerArgs(row.tgargs));
}

/** mappingArgs read back: target schema and table, copy key, authority key, missing rows, then (field, copy column) pairs. */
export function mappingOfArgs(args: readonly string[]): RouteMapping | undefined {
  const [namespace, container, keyField, recordKeyField, missingRows, ...pairs] = args;
  if (!namespace || !container || !keyField || !recordKeyField || !['report', 'create'].includes(missingRows) || pairs.length === 0 || pairs.length % 2) return undefined;
  return {
    location: { namespace, container },
    sourceFields: pairs.filter((_, i) => i % 2 === 0),
    fields: pairs.filter((_, i) => i % 2 === 1),
    keyField,
    recordKeyField,
    missingRows: missingRows as RouteMapping['missingRows'],
  };
}

