/**
 * The SQL of a mapped route on the copy: the copy keeps the records under other names (a CRM's
 * campaigns.name is the operations tool's campaigns_view.display_name, its row found by ext_id).
 * Logical replication maps by schema-qualified name, so the route replicates into a staging table
 * of the authority's name on the copy (the provider's own, holding the key and the route's
 * columns), and a trigger on it maps each change into the copy's table by the key column.
 *
 * The trigger fires ALWAYS (for the apply worker, which writes with session_replication_role =
 * replica) and BEFORE the staging row is written, so a change that cannot be mapped fails the
 * apply (the route's health shows it) instead of being lost. Its body is a constant; the names
 * come from its trigger arguments (TG_ARGV), quoted at run time with %I, and values travel as
 * jsonb into the copy's row type, so each converts to the copy's column type as the copy defines it.
 * The copy's guard admits the trigger's writes: they run in the apply worker's backend.
 */
import { createHash } from 'node:crypto';
import { FieldLocation, RouteMapping } from '../adapter';
import { PINNED_SEARCH_PATH, ident, lit, tableRef } from './guard-sql';
import { aliasesAvoiding } from './reconcile';

/** The setting under which the provider fills the staging table without mapping (while a route settles). */
export const HOLD_SETTING = 'authority.mapping';

/** Trigger arguments before the (source, copy) column pairs: copy schema, copy table, copy key, source key, missing rows. */
export const MAPPING_FIXED_ARGS = 5;

export const MAPPING_BODY = `
DECLARE
  target pg_catalog.text := pg_catalog.format('%I.%I', TG_ARGV[0], TG_ARGV[1]);
  copy_key pg_catalog.text := TG_ARGV[2];
  source_key pg_catalog.text := TG_ARGV[3];
  creates pg_catalog.bool := TG_ARGV[4] OPERATOR(pg_catalog.=) 'create';
  incoming pg_catalog.jsonb;
  was pg_catalog.jsonb;
  cols pg_catalog.text;
  vals pg_catalog.text;
  i pg_catalog.int4;
  n pg_catalog.int8;
BEGIN
  -- The trigger's own removal of a staging row an insert replaces: nothing to map.
  IF pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 1 THEN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  -- An insert of a key already staged (a change replayed after the settle filled the table) replaces it.
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    EXECUTE pg_catalog.format('DELETE FROM %I.%I WHERE %I OPERATOR(pg_catalog.=) ($1).%I', TG_TABLE_SCHEMA, TG_TABLE_NAME, source_key, source_key) USING NEW;
  END IF;
  -- The provider filling the staging table while the route settles maps nothing here.
  IF pg_catalog.current_setting('${HOLD_SETTING}', true) OPERATOR(pg_catalog.=) 'hold' THEN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
    -- Rows the route creates go with the authority's record; rows the copy made itself stay.
    IF creates THEN
      EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I OPERATOR(pg_catalog.=) (pg_catalog.jsonb_populate_record(NULL::%s, $1)).%I', target, copy_key, target, copy_key)
        USING pg_catalog.jsonb_build_object(copy_key, pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->) source_key);
    END IF;
    RETURN OLD;
  END IF;
  incoming := pg_catalog.jsonb_build_object(copy_key, pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.->) source_key);
  cols := pg_catalog.format('%I', copy_key);
  vals := pg_catalog.format('r.%I', copy_key);
  FOR i IN ${MAPPING_FIXED_ARGS} .. TG_NARGS OPERATOR(pg_catalog.-) 1 BY 2 LOOP
    incoming := incoming OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(TG_ARGV[i OPERATOR(pg_catalog.+) 1], pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.->) TG_ARGV[i]);
    cols := cols OPERATOR(pg_catalog.||) pg_catalog.format(', %I', TG_ARGV[i OPERATOR(pg_catalog.+) 1]);
    vals := vals OPERATOR(pg_catalog.||) pg_catalog.format(', r.%I', TG_ARGV[i OPERATOR(pg_catalog.+) 1]);
  END LOOP;
  -- The copy's row is the one holding the key as it was (an update may change the key itself).
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    was := pg_catalog.jsonb_build_object(copy_key, pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->) source_key);
  ELSE
    was := incoming;
  END IF;
  EXECUTE pg_catalog.format('UPDATE %s t SET (%s) = (SELECT %s FROM pg_catalog.jsonb_populate_record(NULL::%s, $1) r) '
    'WHERE t.%I OPERATOR(pg_catalog.=) (pg_catalog.jsonb_populate_record(NULL::%s, $2)).%I', target, cols, vals, target, copy_key, target, copy_key)
    USING incoming, was;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n OPERATOR(pg_catalog.=) 0 AND creates THEN
    EXECUTE pg_catalog.format('INSERT INTO %s (%s) SELECT %s FROM pg_catalog.jsonb_populate_record(NULL::%s, $1) r', target, cols, vals, target)
      USING incoming;
  END IF;
  RETURN NEW;
END
`;

const MAPPING_TAG = '$authority_map$';

/** pg_trigger.tgtype of the mapping trigger: ROW (1), BEFORE (2), INSERT (4), DELETE (8), UPDATE (16). */
export const MAPPING_TGTYPE = 1 | 2 | 4 | 8 | 16;

/** The mapping trigger's and its function's name: `authority_map_<hash>` of the staging table. */
export function mappingTriggerName(staging: FieldLocation): string {
  return `authority_map_${createHash('sha256').update(JSON.stringify([staging.namespace, staging.container])).digest('hex').slice(0, 16)}`;
}

/** The staging table's comment: marks it as the provider's, naming the copy's table it maps into. */
export function stagingComment(m: RouteMapping): string {
  return `Managed by authority: staging of a sync route, mapped into ${m.location.namespace}.${m.location.container}. Dropped with the route.`;
}

/** The comment of a schema the provider created for staging tables (dropped with the last of them). */
export const STAGING_SCHEMA_COMMENT = 'Managed by authority: holds staging tables of sync routes.';

/** The mapping trigger's arguments, in order. */
export function mappingArgs(m: RouteMapping, sourceKey: string, sourceFields: readonly string[]): string[] {
  if (m.fields.length !== sourceFields.length) throw new Error('internal: a mapping needs one copy column per field');
  return [m.location.namespace, m.location.container, m.keyField, sourceKey, m.missingRows, ...sourceFields.flatMap((f, i) => [f, m.fields[i]])];
}

/** A column of the staging table: the authority's name and type (format_type, schema-qualified where needed). */
export interface StagedColumn { readonly name: string; readonly type: string }

/** The statements that create the staging table (and its schema, when `createSchema`). */
export function createStagingStatements(staging: FieldLocation, m: RouteMapping, columns: readonly StagedColumn[], key: string, createSchema: boolean): string[] {
  const schema = ident(staging.namespace, 'schema');
  // A type name comes from the authority's catalog (format_type): checked to be only a type's spelling.
  for (const c of columns) {
    if (!/^[A-Za-z0-9_ ."(),[\]]+$/.test(c.type) || c.type.includes(';') || c.type.includes('--')) throw new Error(`internal: unexpected type name ${JSON.stringify(c.type)}`);
  }
  return [
    ...(createSchema ? [`CREATE SCHEMA ${schema}`, `COMMENT ON SCHEMA ${schema} IS ${lit(STAGING_SCHEMA_COMMENT)}`] : []),
    `CREATE TABLE ${tableRef(staging)} (${columns.map((c) => `${ident(c.name, 'column')} ${c.type}`).join(', ')}, PRIMARY KEY (${ident(key, 'key column')}))`,
    `COMMENT ON TABLE ${tableRef(staging)} IS ${lit(stagingComment(m))}`,
  ];
}

/** The statements that install or repair the mapping trigger in one transaction: function, owner, trigger, ALWAYS. */
export function mappingTriggerStatements(staging: FieldLocation, args: readonly string[]): string[] {
  const name = mappingTriggerName(staging);
  const fn = `${ident(staging.namespace, 'schema')}.${ident(name, 'function name')}`;
  const trigger = ident(name, 'trigger name');
  if (MAPPING_BODY.includes(MAPPING_TAG)) throw new Error(`internal: the body contains its dollar-quote tag ${MAPPING_TAG}`);
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER SET search_path = ${PINNED_SEARCH_PATH} AS ${MAPPING_TAG}${MAPPING_BODY}${MAPPING_TAG}`,
    `ALTER FUNCTION ${fn}() OWNER TO CURRENT_USER`,
    `COMMENT ON FUNCTION ${fn}() IS ${lit('Managed by authority: maps a sync route\'s changes into the copy\'s table.')}`,
    `DROP TRIGGER IF EXISTS ${trigger} ON ${tableRef(staging)}`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE OR DELETE ON ${tableRef(staging)} FOR EACH ROW EXECUTE FUNCTION ${fn}(${args.map((a) => lit(a, 'name')).join(', ')})`,
    `ALTER TABLE ${tableRef(staging)} ENABLE ALWAYS TRIGGER ${trigger}`,
  ];
}

/** The statements that remove the staging table, its mapping function, and the schema when the provider made it and nothing else is in it. */
export function removeStagingStatements(staging: FieldLocation, dropSchema: boolean): string[] {
  const fn = `${ident(staging.namespace, 'schema')}.${ident(mappingTriggerName(staging), 'function name')}`;
  return [
    `DROP TABLE IF EXISTS ${tableRef(staging)}`,
    `DROP FUNCTION IF EXISTS ${fn}()`,
    ...(dropSchema ? [`DROP SCHEMA IF EXISTS ${ident(staging.namespace, 'schema')} RESTRICT`] : []),
  ];
}

/** The parts of the statements that compare and settle a mapped route on the copy, quoted. */
export interface MappedSql {
  readonly target: string;
  readonly key: string;
  readonly fields: string[];
  /** The batch $1 (a JSON array of the authority's rows) as rows of the copy's table type. */
  readonly incoming: string;
  readonly a: { readonly incoming: string; readonly held: string; readonly element: string };
}

export function mappedSql(m: RouteMapping, sourceKey: string, sourceFields: readonly string[]): MappedSql {
  const target = tableRef(m.location);
  const names = aliasesAvoiding([m.location.namespace, m.location.container, m.keyField, ...m.fields, sourceKey, ...sourceFields]);
  const element = names.batch;
  const pairs = [[sourceKey, m.keyField], ...sourceFields.map((f, i) => [f, m.fields[i]])]
    .map(([from, to]) => `${lit(to, 'column')}, ${element} OPERATOR(pg_catalog.->) ${lit(from, 'column')}`);
  return {
    target,
    key: ident(m.keyField, 'key column'),
    fields: m.fields.map((f) => ident(f, 'column')),
    incoming: `(SELECT (pg_catalog.jsonb_populate_record(NULL::${target}, pg_catalog.jsonb_build_object(${pairs.join(', ')}))).* ` +
      `FROM pg_catalog.jsonb_array_elements($1::pg_catalog.jsonb) ${element})`,
    a: { incoming: names.incoming, held: names.held, element },
  };
}

const wantedOf = (s: MappedSql, f: string, unlessBlank: boolean): string => {
  const [r, t] = [s.a.incoming, s.a.held];
  return unlessBlank ? `CASE WHEN ${r}.${f} IS NULL OR ${r}.${f}::pg_catalog.text = '' THEN ${t}.${f} ELSE ${r}.${f} END` : `${r}.${f}`;
};

const differsOf = (s: MappedSql, unlessBlank: boolean) =>
  `(${s.fields.map((f) => `pg_catalog.to_jsonb(${s.a.held}.${f})`).join(', ')}) IS DISTINCT FROM (${s.fields.map((f) => `pg_catalog.to_jsonb(${wantedOf(s, f, unlessBlank)})`).join(', ')})`;

/** Of the batch $1: how many of the copy's rows (found by the key column) differ, and how many records it has no row for. */
export function mappedCountQuery(s: MappedSql, unlessBlank: boolean): string {
  const [r, t] = [s.a.incoming, s.a.held];
  return `SELECT count(*) FILTER (WHERE ${t}.${s.key} IS NOT NULL AND ${differsOf(s, unlessBlank)})::int AS differing,
              count(*) FILTER (WHERE ${t}.${s.key} IS NULL)::int AS missing
         FROM ${s.incoming} ${r} LEFT JOIN ${s.target} ${t} ON ${t}.${s.key} = ${r}.${s.key}`;
}

/** Writes the batch $1's values into the copy's differing rows. */
export function mappedSettleStatement(s: MappedSql, unlessBlank: boolean): string {
  const [r, t] = [s.a.incoming, s.a.held];
  return `UPDATE ${s.target} ${t} SET ${s.fields.map((f) => `${f} = ${wantedOf(s, f, unlessBlank)}`).join(', ')} FROM ${s.incoming} ${r} ` +
    `WHERE ${t}.${s.key} = ${r}.${s.key} AND ${differsOf(s, unlessBlank)}`;
}

/** Inserts a row, with the key and the mapped values, for each record of the batch $1 the copy has no row for. */
export function mappedInsertStatement(s: MappedSql): string {
  const [r, t] = [s.a.incoming, s.a.held];
  const cols = [s.key, ...s.fields].join(', ');
  return `INSERT INTO ${s.target} (${cols}) SELECT ${[s.key, ...s.fields].map((c) => `${r}.${c}`).join(', ')} FROM ${s.incoming} ${r} ` +
    `WHERE NOT EXISTS (SELECT FROM ${s.target} ${t} WHERE ${t}.${s.key} = ${r}.${s.key})`;
}

/** Fills the staging table with the batch $1 (the authority's key and columns, as JSON). */
export function seedStatement(staging: FieldLocation): string {
  return `INSERT INTO ${tableRef(staging)} SELECT * FROM pg_catalog.json_populate_recordset(NULL::${tableRef(staging)}, $1::pg_catalog.json)`;
}

/** How many staged records the copy's table has no row for. */
export function unmatchedQuery(staging: FieldLocation, m: RouteMapping, sourceKey: string): string {
  const target = tableRef(m.location);
  const a = aliasesAvoiding([staging.namespace, staging.container, m.location.namespace, m.location.container, m.keyField, sourceKey]);
  const key = ident(m.keyField, 'key column');
  return `SELECT count(*)::int AS unmatched FROM ${tableRef(staging)} ${a.incoming} WHERE NOT EXISTS (SELECT FROM ${target} ${a.held} ` +
    `WHERE ${a.held}.${key} = (pg_catalog.jsonb_populate_record(NULL::${target}, pg_catalog.jsonb_build_object(${lit(m.keyField)}, ` +
    `pg_catalog.to_jsonb(${a.incoming}.*) OPERATOR(pg_catalog.->) ${lit(sourceKey)}))).${key})`;
}
