/**
 * The guards on a copy's table as the PostgreSQL catalogs say they are: reads only. A guard is
 * enforced only when nothing about it lets a person through: its trigger fires ALWAYS (on every
 * partition's clone too) AFTER every INSERT and UPDATE (no column list), with exactly the provider's
 * WHEN condition (always true, naming its columns), every column it protects is still in the table
 * under that name, and it calls its own function, whose body is the constant one, with invoker's
 * rights, the pinned search path, and the provider's user as owner (an owner may edit it), and
 * its trigger was not switched off and on again since it was installed (guard-seal.ts).
 */
import { FieldLocation } from '../adapter';
import { Run, digestOf } from './catalog';
import {
  BLANK_GUARD_BODY, BLANK_GUARD_TGTYPE, GUARD_BODY, GUARD_FIXED_ARGS, GUARD_PREFIX, GUARD_PROCONFIG, GUARD_TGTYPE, PINNED_SEARCH_PATH,
  guardFunctionName, guardDefPrefix, guardTriggerName,
  QuotedGuardNames, lit,
} from './guard-sql';
import { sealHolds } from './guard-seal';

/** One authority guard on a table, as read back. */
export interface GuardReadBack {
  /** The trigger's name. */
  readonly trigger: string;
  /** The key it was installed for, when its arguments record one. */
  readonly key?: string;
  readonly authority: string;
  readonly fact?: string;
  readonly columns: string[];
  readonly syncPrincipal: string;
  readonly correctionHint: string;
  /** False when anything about it was disabled or altered by hand (see the file comment). */
  readonly enforced: boolean;
}

interface TriggerRow {
  tgname: string;
  tgenabled: string;
  tgtype: number;
  /** pg_trigger.tgargs in hex (the same as a row and in JSON). */
  tgargs: string;
  /** The trigger's UPDATE OF columns, in order. */
  columns: string[];
  /** What about the trigger and its function is as the provider installs it; see intactSql. */
  intact: boolean;
  clones_enabled: boolean;
  fn_schema: string;
  proname: string;
  /** Whether the trigger has a WHEN condition. */
  has_when: boolean;
  /** pg_get_triggerdef: how PostgreSQL states the trigger, its WHEN condition included. */
  def: string;
  /** The table's columns now, in order, and each as the server quotes it (quote_ident also quotes keywords). */
  table_columns: string[];
  quoted_columns: string[];
  /** The trigger's, schema's and table's names as the server quotes them in pg_get_triggerdef. */
  quoted_trigger: string;
  quoted_schema: string;
  quoted_table: string;
  /** The trigger row's version (xmin) and its comment, which holds the seal (guard-seal.ts). */
  xmin: string;
  comment: string | null;
}

/** The conditions an intact function meets, on pg_proc p, pg_language l. */
const INTACT_FUNCTION = `NOT p.prosecdef AND l.lanname = 'plpgsql'
  AND pg_catalog.pg_get_userbyid(p.proowner) = current_user`;

/**
 * Every trigger named like a guard on the table (not the partitions' clones), with its function:
 * the SELECT, on SQL expressions for the schema, the table, the name pattern and the body's digest
 * (the body is 3 KB: sent and parsed with every read, it was most of the query), so that other
 * reads can embed it (guardRowsJson) and a protection's read is one round trip.
 */
function guardTriggersSql(schema: string, table: string, nameLike: string, bodyDigest: string): string {
  return `SELECT t.tgname, t.tgenabled, t.tgtype, encode(t.tgargs, 'hex') AS tgargs,
            ARRAY(SELECT a.attname::text FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            (${INTACT_FUNCTION} AND encode(sha256(convert_to(p.prosrc, 'UTF8')), 'hex') = ${bodyDigest}) AS intact, p.proconfig,
            NOT EXISTS (WITH RECURSIVE clones AS (
                          SELECT c.oid, c.tgenabled FROM pg_trigger c WHERE c.tgparentid = t.oid
                          UNION ALL SELECT c.oid, c.tgenabled FROM pg_trigger c JOIN clones ON c.tgparentid = clones.oid)
                        SELECT FROM clones WHERE clones.tgenabled <> t.tgenabled) AS clones_enabled,
            pn.nspname AS fn_schema, p.proname, t.tgqual IS NOT NULL AS has_when, pg_get_triggerdef(t.oid) AS def,
            ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.tgrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS table_columns,
            ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = t.tgrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS quoted_columns,
            quote_ident(t.tgname) AS quoted_trigger, quote_ident(n.nspname) AS quoted_schema, quote_ident(c.relname) AS quoted_table,
            t.xmin::text AS xmin, obj_description(t.oid, 'pg_trigger') AS comment
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid
       JOIN pg_language l ON l.oid = p.prolang
       JOIN pg_namespace pn ON pn.oid = p.pronamespace
      WHERE n.nspname = ${schema} AND c.relname = ${table} AND t.tgname LIKE ${nameLike} AND t.tgparentid = 0`;
}

const GUARD_BODY_DIGEST = digestOf(GUARD_BODY);

/** The guards' trigger rows as one JSON array (for a read that returns more), on SQL expressions for the schema and the table. */
export function guardRowsJson(schema: string, table: string): string {
  return `(SELECT COALESCE(json_agg(g ORDER BY g.tgname), '[]'::json)
             FROM (${guardTriggersSql(schema, table, lit(startsWith(GUARD_PREFIX)), lit(GUARD_BODY_DIGEST))}) g)`;
}

/** A trigger row as read, its function's settings checked. */
export type GuardRow = TriggerRow & { proconfig: string[] | null };

async function guardTriggers(query: Run, loc: FieldLocation, nameLike: string, body: string): Promise<GuardRow[]> {
  // Prepared: planning this read took longer than running it, and routes and protections run it at every refresh.
  const found = await query<GuardRow>(`${guardTriggersSql('$1', '$2', '$3', '$4')} ORDER BY t.tgname`, [loc.namespace, loc.container, nameLike, digestOf(body)],
    'authority_guard_triggers');
  return found.rows;
}

function checkedRow(r: GuardRow): TriggerRow {
  return { ...r, intact: r.intact && searchPathPinned(r.proconfig) };
}

/** The function's settings pin the search path: exactly the guard's, or the blank guard's and its columns. */
function searchPathPinned(proconfig: string[] | null): boolean {
  const settings = proconfig ?? [];
  return settings[0] === `search_path=${PINNED_SEARCH_PATH}` &&
    (settings.length === GUARD_PROCONFIG.length || (settings.length === 2 && settings[1].startsWith('authority.keep_columns=')));
}

/** Trigger arguments from pg_trigger.tgargs as hex: each one NUL-terminated. */
function argsOf(tgargs: string): string[] {
  const raw = Buffer.from(tgargs, 'hex');
  return raw.length ? raw.toString('utf8').split('\0').slice(0, -1) : [];
}

/** LIKE pattern for names starting with `prefix` (its _ escaped). */
const startsWith = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The authority guards on a table, as read back: for plan-time checks (another key's guard on the
 * same columns) and for whoever must know whether a table's guard is on.
 */
export async function readGuards(query: Run, loc: FieldLocation): Promise<GuardReadBack[]> {
  return guardsOf(loc, await guardTriggers(query, loc, startsWith(GUARD_PREFIX), GUARD_BODY));
}

/** The guards of trigger rows read by guardTriggersSql, alone or in guardRowsJson. */
export function guardsOf(loc: FieldLocation, rows: readonly GuardRow[]): GuardReadBack[] {
  return rows.map(checkedRow).map((row) => {
    const args = argsOf(row.tgargs);
    const [syncPrincipal = '', authority = '', correctionHint = '', fact = '', key = ''] = args;
    const columns = args.slice(GUARD_FIXED_ARGS);
    const recordedKey = key && guardTriggerName(key) === row.tgname ? key : undefined;
    const enforced =
      row.intact &&
      row.tgenabled === 'A' &&
      row.clones_enabled &&
      row.tgtype === GUARD_TGTYPE &&
      recordedKey !== undefined &&
      row.fn_schema === loc.namespace &&
      row.proname === guardFunctionName(loc, recordedKey) &&
      row.columns.length === 0 &&
      columns.length > 0 && columns.every((c) => row.table_columns.includes(c)) &&
      row.def.startsWith(guardDefPrefix(quoted(row, columns))) &&
      sealHolds(row.comment, row.xmin);
    return { trigger: row.tgname, key: recordedKey, authority, fact: fact || undefined, columns, syncPrincipal, correctionHint, enforced };
  });
}

/** The guard's names as pg_get_triggerdef quotes them, read with the trigger (no query per guard); its columns are the table's. */
function quoted(row: TriggerRow, columns: string[]): QuotedGuardNames {
  const byName = new Map(row.table_columns.map((c, i) => [c, row.quoted_columns[i]]));
  return { trigger: row.quoted_trigger, schema: row.quoted_schema, table: row.quoted_table, columns: columns.map((c) => byName.get(c)!) };
}

/** Whether the blank guard named `name` is on the table and intact: it fires for replicated writes only. */
export async function blankGuardIntact(query: Run, loc: FieldLocation, name: string): Promise<boolean> {
  const [row] = (await guardTriggers(query, loc, startsWith(name), BLANK_GUARD_BODY)).map(checkedRow).filter((r) => r.tgname === name);
  return row !== undefined && row.intact && !row.has_when && row.tgenabled === 'R' && row.clones_enabled && row.tgtype === BLANK_GUARD_TGTYPE &&
    row.fn_schema === loc.namespace && row.proname === name && argsOf(row.tgargs).length === 0;
}
