/**
 * A local override on a PostgreSQL copy as the catalogs and the override log say it is: reads
 * only. The override is intact when its row trigger and its statement trigger fire ALWAYS and
 * call the provider's functions in schema `authority_records`, whose bodies are the constant ones, owned
 * by the provider's user, with the pinned search path, executable as records-functions.ts says.
 */
import { FieldLocation, OverriddenValue } from '../adapter';
import { Run } from './catalog';
import type { Owner } from './guard-check';
import { OVERRIDE_FIXED_ARGS, OVERRIDE_FUNCTIONS, OVERRIDE_LOG, OVERRIDE_RELATIONS, OVERRIDE_SCHEMA, expiryTriggerName, overrideTriggerName } from './override-sql';
import { RecordsFunction, foreignTablePrivileges, isDefiner, isPublic } from './records-functions';
import { PINNED_SEARCH_PATH, tableRef } from './guard-sql';
import { looksLikeSyncPairName, syncPairName } from './route-names';

/** An override's triggers and log, as read back. */
export interface OverrideReadBack {
  readonly trigger: string;
  readonly syncPrincipal: string;
  readonly authority: string;
  readonly correctionHint: string;
  readonly fact?: string;
  readonly key: string;
  readonly reason: string;
  /** When it expires (ISO timestamp, as the platform stores it); undefined: never. */
  readonly expiresAt?: string;
  readonly columns: string[];
  /** Both triggers fire ALWAYS and call intact functions; the row trigger names the subscription from the authority. */
  readonly intact: boolean;
  /** The values overridden now (active overrides). */
  readonly values: OverriddenValue[];
}

/** Trigger arguments as stored in pg_trigger.tgargs: each one NUL-terminated. */
export function triggerArgs(raw: Buffer): string[] {
  const parts = raw.toString('utf8').split('\0');
  return parts.slice(0, -1);
}

/** Who may do what with function p (no ACL yet: the default, PUBLIC may EXECUTE). */
const ACL = "pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) a";

/**
 * Whether each of `functions` is in the records schema as the provider made it: the constant body,
 * owned by the provider's user, SECURITY DEFINER exactly where its kind says, with the pinned search
 * path, executable by its owner alone or (the ones with the caller's rights) by PUBLIC; and the
 * records' tables written by their owner alone (nobody else holds more than PUBLIC's SELECT). A
 * function of an earlier design (SECURITY DEFINER helpers anyone could call) is drift: apply replaces it.
 */
export async function recordsFunctionsIntact(query: Run, functions: readonly RecordsFunction[]): Promise<boolean> {
  const found = await query<{ proname: string; prosrc: string; prosecdef: boolean; proconfig: string[] | null; own: boolean; owner_only: boolean; public_runs: boolean }>(
    `SELECT p.proname, p.prosrc, p.prosecdef, p.proconfig, pg_catalog.pg_get_userbyid(p.proowner) = current_user AS own,
            NOT EXISTS (SELECT FROM ${ACL} WHERE a.grantee <> p.proowner) AS owner_only,
            EXISTS (SELECT FROM ${ACL} WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_runs
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`, [OVERRIDE_SCHEMA]);
  const tables = await query(foreignTablePrivileges(OVERRIDE_RELATIONS));
  return tables.rowCount === 0 && functions.every((f) => found.rows.some((p) => p.proname === f.name && p.prosrc === f.body && p.own &&
    p.prosecdef === isDefiner(f.kind) && (isPublic(f.kind) ? p.public_runs : p.owner_only) &&
    JSON.stringify(p.proconfig) === JSON.stringify([`search_path=${PINNED_SEARCH_PATH}`])));
}

/** The columns in a row trigger's arguments: after the feed, or from its place in a trigger made before it was an argument. */
function overrideColumns(args: string[]): string[] {
  return args.slice(looksLikeSyncPairName(args[OVERRIDE_FIXED_ARGS - 1]) ? OVERRIDE_FIXED_ARGS : OVERRIDE_FIXED_ARGS - 1);
}

/** The overrides' row triggers on the table (`table`: an SQL expression for its regclass), as a JSON array of their names and arguments (hex), for reads that return more. */
export function overrideOwnersJson(table: string): string {
  return `(SELECT COALESCE(json_agg(json_build_object('tgname', t.tgname, 'tgargs', encode(t.tgargs, 'hex')) ORDER BY t.tgname), '[]'::json)
             FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE t.tgrelid = ${table} AND n.nspname = '${OVERRIDE_SCHEMA}' AND p.proname = 'override_row')`;
}

/** An override's owner from its row trigger as overrideOwnersJson reads it. */
export function overrideOwnerOf(row: { tgname: string; tgargs: string }): Owner {
  const args = triggerArgs(Buffer.from(row.tgargs, 'hex'));
  return { trigger: row.tgname, authority: args[1] ?? '', fact: args[3] || undefined, columns: overrideColumns(args) };
}

/**
 * The override under `key` on the table of platform `copy`. A row trigger whose feed is not the
 * subscription from its authority to `copy` (a trigger made before the feed was an argument, or
 * edited) is not intact: apply replaces it.
 */
export async function readOverride(query: Run, loc: FieldLocation, key: string, copy: string): Promise<OverrideReadBack | null> {
  const triggers = await query<{ tgname: string; tgenabled: string; tgargs: Buffer; fn: string }>(
    `SELECT t.tgname, t.tgenabled, t.tgargs, n.nspname || '.' || p.proname AS fn
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname IN ($2, $3)`,
    [tableRef(loc), overrideTriggerName(key), expiryTriggerName(key)]);
  const row = triggers.rows.find((t) => t.tgname === overrideTriggerName(key));
  if (!row) return null;
  const statement = triggers.rows.find((t) => t.tgname === expiryTriggerName(key));
  const args = triggerArgs(row.tgargs);
  const functionsIntact = await recordsFunctionsIntact(query, OVERRIDE_FUNCTIONS);
  const intact = functionsIntact && row.tgenabled === 'A' && row.fn === `${OVERRIDE_SCHEMA}.override_row` &&
    statement?.tgenabled === 'A' && statement.fn === `${OVERRIDE_SCHEMA}.override_expiry` &&
    args[7] === syncPairName({ authority: args[1] ?? '', copy });
  return {
    trigger: row.tgname,
    syncPrincipal: args[0] ?? '',
    authority: args[1] ?? '',
    correctionHint: args[2] ?? '',
    fact: args[3] || undefined,
    key: args[4] ?? key,
    reason: args[5] ?? '',
    expiresAt: args[6] ? new Date(args[6]).toISOString() : undefined,
    columns: overrideColumns(args),
    intact,
    values: await overriddenValues(query, loc, key, args[6] || undefined),
  };
}

/** The active overrides of a protection, oldest first, expired by the protection's expiry now; none when the log does not exist yet. */
export async function overriddenValues(query: Run, loc: FieldLocation, key: string, expiresAt?: string): Promise<OverriddenValue[]> {
  const log = await query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [OVERRIDE_LOG]);
  if (!log.rows[0].t) return [];
  const found = await query<{
    record: string; column_name: string; new_value: string | null; authority_value: string | null; changed_by: string;
    acting_as: string; changed_at: Date; expired: boolean; age: number; reason: string;
  }>(
    `SELECT record::text, column_name, new_value::text, authority_value::text, changed_by, acting_as, changed_at, reason,
            COALESCE($3::timestamptz <= pg_catalog.statement_timestamp(), false) AS expired,
            extract(epoch FROM pg_catalog.statement_timestamp() - changed_at)::float8 AS age
       FROM ${OVERRIDE_LOG} WHERE table_oid = pg_catalog.to_regclass($1) AND protection = $2 AND ended_at IS NULL ORDER BY id`,
    [tableRef(loc), key, expiresAt ?? null]);
  return found.rows.map((r) => ({
    record: r.record, field: r.column_name, value: r.new_value, authorityValue: r.authority_value,
    by: r.changed_by === r.acting_as ? r.changed_by : `${r.changed_by} (as ${r.acting_as})`,
    at: new Date(r.changed_at).toISOString(), ageSeconds: Math.max(0, Math.round(r.age)), expired: r.expired,
  }));
}
