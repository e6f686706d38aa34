/**
 * What a field protection's steps need to know about its table, each as one query: its plan check
 * (the table, its columns, the sync principal and its rights, the provider's rights, the guards
 * and overrides already there) and its read-back, install and removal (the guards, the overrides,
 * the facts view, the columns' comments). A read used to be a chain of ~10 round trips, each
 * waiting for the one before; they are independent catalog reads, so one statement answers them.
 * Reads only.
 */
import { FieldLocation, FieldProtection } from '../adapter';
import { Run } from './catalog';
import { FACTS_OBJECTS_COLUMNS, FactsObjects, FactsSeen, MAY_KEEP_FACTS_COLUMNS } from './facts-view';
import { GuardReadBack, GuardRow, guardRowsJson, guardsOf } from './guard-read';
import { tableRef } from './guard-sql';
import type { Owner } from './guard-check';
import { overrideOwnerOf, overrideOwnersJson } from './override-read';
import { overrideTriggerName } from './override-sql';

/** A protection's table as one read finds it. */
export interface ProtectedTable extends FactsSeen {
  readonly exists: boolean;
  readonly guards: GuardReadBack[];
  readonly overrides: Owner[];
  /** The override of the protection's key has its row trigger on the table. */
  readonly overrideOfKey: boolean;
}

interface TableRow {
  exists: boolean; guards: GuardRow[]; overrides: { tgname: string; tgargs: string }[]; override_of_key: boolean;
  view: boolean; registry: boolean; may_keep_facts: boolean; comments: Record<string, string>;
}

/** The guards and overrides on the table, the override of `key`, the facts view and the columns' comments: one query. */
export async function readProtectedTable(run: Run, loc: FieldLocation, key: string): Promise<ProtectedTable> {
  const found = await run<TableRow>(
    `SELECT pg_catalog.to_regclass($1) IS NOT NULL AS exists, ${guardRowsJson('$2', '$3')} AS guards,
            ${overrideOwnersJson('pg_catalog.to_regclass($1)')} AS overrides,
            EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $4) AS override_of_key,
            ${FACTS_OBJECTS_COLUMNS}, ${MAY_KEEP_FACTS_COLUMNS},
            COALESCE((SELECT json_object_agg(a.attname, d.description) FROM pg_attribute a
                        JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
                       WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped), '{}'::json) AS comments`,
    [tableRef(loc), loc.namespace, loc.container, overrideTriggerName(key)], 'authority_protection_read');
  const r = found.rows[0];
  return {
    exists: r.exists, guards: guardsOf(loc, r.guards), overrides: r.overrides.map(overrideOwnerOf), overrideOfKey: r.override_of_key,
    facts: { view: r.view, registry: r.registry } as FactsObjects, mayKeepFacts: r.may_keep_facts, comments: new Map(Object.entries(r.comments)),
  };
}

/** What a plan checks about a protection's table, from one query. */
export interface CheckedFacts {
  /** The relation under the name, if any. */
  readonly table?: { oid: number; kind: string };
  /** When there is none: the schema's tables (up to 20). */
  readonly known: string[];
  readonly columns: string[];
  readonly roleExists: boolean;
  /** The protection's columns the sync principal may not UPDATE (those that exist, when it exists). */
  readonly notWritable: string[];
  readonly user: string;
  readonly owner: string | null;
  readonly owns: boolean;
  readonly creates: boolean;
  readonly hasPrimaryKey: boolean;
  readonly factsSchema: boolean;
  readonly mayKeepFacts: boolean;
  readonly guards: GuardReadBack[];
  readonly overrides: Owner[];
}

interface CheckRow {
  oid: number | null; kind: string | null; known: string[] | null; columns: string[]; role_exists: boolean; not_writable: string[];
  user: string; owner: string | null; owns: boolean | null; creates: boolean | null; has_primary_key: boolean;
  facts_schema: boolean; may_keep_facts: boolean; guards: GuardRow[]; overrides: { tgname: string; tgargs: string }[];
}

/** Everything checkProtection goes by: one query. */
export async function readForCheck(run: Run, p: FieldProtection): Promise<CheckedFacts> {
  const found = await run<CheckRow>(
    `WITH t AS (SELECT c.oid, c.relkind, c.relowner, c.relnamespace FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2),
          present AS (SELECT a.attname, a.attnum FROM pg_attribute a WHERE a.attrelid = (SELECT oid FROM t) AND a.attnum > 0 AND NOT a.attisdropped),
          role AS (SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $3::name) AS found)
     SELECT (SELECT oid FROM t) AS oid, (SELECT relkind FROM t) AS kind,
            CASE WHEN NOT EXISTS (SELECT FROM t) THEN ARRAY(
              SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 20) END AS known,
            ARRAY(SELECT attname::text FROM present ORDER BY attnum) AS columns,
            (SELECT found FROM role) AS role_exists,
            ARRAY(SELECT col FROM unnest($4::text[]) AS col
                   WHERE CASE WHEN (SELECT found FROM role) AND EXISTS (SELECT FROM present WHERE attname = col)
                              THEN NOT has_column_privilege($3::name, (SELECT oid FROM t), col, 'UPDATE') ELSE false END) AS not_writable,
            current_user AS user, (SELECT pg_get_userbyid(relowner) FROM t) AS owner,
            (SELECT pg_has_role(current_user, relowner, 'USAGE') FROM t) AS owns,
            (SELECT has_schema_privilege(current_user, relnamespace, 'CREATE') FROM t) AS creates,
            EXISTS (SELECT FROM pg_catalog.pg_index WHERE indrelid = (SELECT oid FROM t) AND indisprimary) AS has_primary_key,
            ${MAY_KEEP_FACTS_COLUMNS}, ${guardRowsJson('$1', '$2')} AS guards, ${overrideOwnersJson('(SELECT oid FROM t)')} AS overrides`,
    [p.location.namespace, p.location.container, p.syncPrincipal, p.fields], 'authority_protection_check');
  const r = found.rows[0];
  return {
    table: r.oid === null ? undefined : { oid: r.oid, kind: r.kind! }, known: r.known ?? [], columns: r.columns, roleExists: r.role_exists,
    notWritable: r.not_writable, user: r.user, owner: r.owner, owns: r.owns ?? false, creates: r.creates ?? false, hasPrimaryKey: r.has_primary_key,
    factsSchema: r.facts_schema, mayKeepFacts: r.may_keep_facts, guards: guardsOf(p.location, r.guards), overrides: r.overrides.map(overrideOwnerOf),
  };
}
