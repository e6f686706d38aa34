/**
 * Bringing a copy's governed columns in line with the authority when a route starts. Logical
 * replication only carries changes made after the route exists (copy_data = false: the copy
 * already holds its rows), so values that diverged before stay diverged until their row changes at
 * the authority. With divergence authority_wins the route settles them once, as it starts.
 *
 * Rows are compared in key order, a batch at a time: the authority's batch travels to the copy as
 * JSON and is read there as rows of the copy's own table type, so no value is converted in between.
 * Only rows both sides hold are compared: a row missing on the copy is counted, not inserted (its
 * other columns are the copy's to fill).
 *
 * The statements mix the user's names (table, key, columns) with aliases of ours; an alias never
 * equals one of the user's names (aliasesAvoiding), and whole rows are referred to as `alias.*`,
 * so a column named like an alias cannot shadow it.
 */
import { escapeIdentifier } from 'pg';
import { Comparison, Divergence, FieldLocation } from '../adapter';
import { Run } from './catalog';

const BATCH_ROWS = 5000;

/** Our aliases in the statements below, none equal to any of `names` (the user's identifiers). */
export interface Aliases { readonly batch: string; readonly incoming: string; readonly held: string }

export function aliasesAvoiding(names: readonly string[]): Aliases {
  const taken = new Set(names);
  const fresh = (base: string): string => {
    let alias = base;
    for (let i = 1; taken.has(alias); i++) alias = `${base}_${i}`;
    taken.add(alias);
    return escapeIdentifier(alias);
  };
  return { batch: fresh('authority_batch'), incoming: fresh('authority_incoming'), held: fresh('authority_held') };
}

/** The parts of a comparison of `fields` (keyed by `key`) of one table, quoted. */
export interface CompareSql {
  readonly table: string;
  readonly keys: string[];
  readonly fields: string[];
  readonly a: Aliases;
  readonly rule: Divergence;
}

export function compareSql(loc: FieldLocation, key: readonly string[], fields: readonly string[], rule: Divergence): CompareSql {
  return {
    table: `${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`,
    keys: key.map(escapeIdentifier),
    fields: fields.filter((f) => !key.includes(f)).map(escapeIdentifier),
    a: aliasesAvoiding([loc.namespace, loc.container, ...key, ...fields]),
    rule,
  };
}

/** The value the copy should hold for field `f`: the authority's, or for authority_unless_blank the copy's where the authority's is blank. */
function wanted(s: CompareSql, f: string): string {
  const [r, t] = [s.a.incoming, s.a.held];
  return s.rule === 'authority_unless_blank' ? `CASE WHEN ${r}.${f} IS NULL OR ${r}.${f}::text = '' THEN ${t}.${f} ELSE ${r}.${f} END` : `${r}.${f}`;
}

/**
 * On the authority: the next batch in key order after the row $1 (JSON, or NULL for the first),
 * as a JSON array of (key, governed columns), and its last row.
 */
export function batchQuery(s: CompareSql): string {
  const b = s.a.batch;
  const cols = [...s.keys, ...s.fields].join(', ');
  const keys = s.keys.join(', ');
  return `SELECT json_agg(row_to_json(${b}.*))::text AS batch, (array_agg(row_to_json(${b}.*)))[count(*)]::text AS last FROM (
         SELECT ${cols} FROM ${s.table}
          WHERE $1::json IS NULL OR (${keys}) > (SELECT ${keys} FROM json_populate_record(NULL::${s.table}, $1::json))
          ORDER BY ${keys} LIMIT ${BATCH_ROWS}) ${b}`;
}

/** Compared as jsonb: every type has a jsonb form with equality (json, xml, point ... have none of their own), and numbers compare by value. */
function differs(s: CompareSql): string {
  return `(${s.fields.map((f) => `to_jsonb(${s.a.held}.${f})`).join(', ')}) IS DISTINCT FROM (${s.fields.map((f) => `to_jsonb(${wanted(s, f)})`).join(', ')})`;
}

const incomingRows = (s: CompareSql) => `(SELECT * FROM json_populate_recordset(NULL::${s.table}, $1::json)) ${s.a.incoming}`;
const joined = (s: CompareSql) => s.keys.map((k) => `${s.a.held}.${k} = ${s.a.incoming}.${k}`).join(' AND ');

/** On the copy: of the batch $1, how many rows it holds with different values, and how many it lacks. */
export function countQuery(s: CompareSql): string {
  const t = s.a.held;
  return `SELECT count(*) FILTER (WHERE ${t}.${s.keys[0]} IS NOT NULL AND ${differs(s)})::int AS differing,
              count(*) FILTER (WHERE ${t}.${s.keys[0]} IS NULL)::int AS missing
         FROM ${incomingRows(s)} LEFT JOIN ${s.table} ${t} ON ${joined(s)}`;
}

/** On the copy: writes the batch $1's values into its differing rows. */
export function settleStatement(s: CompareSql): string {
  return `UPDATE ${s.table} ${s.a.held} SET ${s.fields.map((f) => `${f} = ${wanted(s, f)}`).join(', ')} FROM ${incomingRows(s)} WHERE ${joined(s)} AND ${differs(s)}`;
}

/** The statements compareRows runs on each side, for asOwner to make before any of the owner's code runs. */
export function compareStatements(o: { location: FieldLocation; key: string[]; fields: string[]; rule: Divergence; settle: boolean }): { authority: string[]; copy: string[] } {
  const s = compareSql(o.location, o.key, o.fields, o.rule);
  return { authority: [batchQuery(s)], copy: [countQuery(s), ...(o.settle ? [settleStatement(s)] : [])] };
}

/**
 * Compares the governed columns of `location` on both sides and, when `settle`, writes the
 * authority's values into the copy's differing rows (on `copy`, inside the caller's transaction).
 */
export async function compareRows(o: {
  authority: Run; copy: Run; location: FieldLocation; key: string[]; fields: string[];
  rule: Divergence; settle: boolean;
}): Promise<Comparison> {
  const s = compareSql(o.location, o.key, o.fields, o.rule);
  if (s.fields.length === 0) return { differing: 0, missing: 0 }; // only key columns: nothing to differ
  let differing = 0;
  let missing = 0;
  let after: string | null = null;
  for (;;) {
    const page: { rows: { batch: string | null; last: string | null }[] } = await o.authority<{ batch: string | null; last: string | null }>(batchQuery(s), [after]);
    const { batch, last } = page.rows[0];
    if (!batch) break;
    const counted = await o.copy<{ differing: number; missing: number }>(countQuery(s), [batch]);
    differing += counted.rows[0].differing;
    missing += counted.rows[0].missing;
    if (o.settle && counted.rows[0].differing > 0) await o.copy(settleStatement(s), [batch]);
    after = last;
  }
  return { differing, missing };
}
