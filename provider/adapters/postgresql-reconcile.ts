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
 */
import { Client, escapeIdentifier } from 'pg';
import { Comparison, Divergence, FieldLocation } from './adapter';

const BATCH_ROWS = 5000;

/**
 * Compares the governed columns of `loc` on both sides and, when `settle`, writes the authority's
 * values into the copy's differing rows (on `copyDb`, inside the caller's transaction, with
 * triggers off as the replication apply worker writes: the copy's guard lets it through).
 */
export async function compareRows(o: {
  authorityDb: Client; copyDb: Client; location: FieldLocation; key: string[]; fields: string[];
  rule: Divergence; settle: boolean;
}): Promise<Comparison> {
  const table = `${escapeIdentifier(o.location.namespace)}.${escapeIdentifier(o.location.container)}`;
  const keys = o.key.map(escapeIdentifier);
  const fields = o.fields.filter((f) => !o.key.includes(f)).map(escapeIdentifier);
  const wanted = (f: string) => (o.rule === 'authority_unless_blank'
    ? `CASE WHEN r.${f} IS NULL OR r.${f}::text = '' THEN t.${f} ELSE r.${f} END`
    : `r.${f}`);
  if (fields.length === 0) return { differing: 0, missing: 0 }; // only key columns: nothing to differ
  const joined = keys.map((k) => `t.${k} = r.${k}`).join(' AND ');
  // Compared as jsonb: every type has a jsonb form with equality (json, xml, point ... have no
  // equality operator of their own), and numbers compare by value (1.0 = 1.00).
  const differs = `(${fields.map((f) => `to_jsonb(t.${f})`).join(', ')}) IS DISTINCT FROM (${fields.map((f) => `to_jsonb(${wanted(f)})`).join(', ')})`;
  const batchOf = `(SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)) r`;
  let differing = 0;
  let missing = 0;
  let after: string | null = null;
  for (;;) {
    // The next batch in key order, as JSON rows of (key, governed columns).
    const page: { rows: { batch: string | null; last: string | null }[] } = await o.authorityDb.query(
      `SELECT json_agg(row_to_json(b))::text AS batch, (array_agg(row_to_json(b)))[count(*)]::text AS last FROM (
         SELECT ${[...keys, ...fields].join(', ')} FROM ${table}
          WHERE $1::json IS NULL OR (${keys.join(', ')}) > (SELECT ${keys.join(', ')} FROM json_populate_record(NULL::${table}, $1::json))
          ORDER BY ${keys.join(', ')} LIMIT ${BATCH_ROWS}) b`, [after]);
    const { batch, last } = page.rows[0];
    if (!batch) break;
    const counted = await o.copyDb.query<{ differing: number; missing: number }>(
      `SELECT count(*) FILTER (WHERE t.${keys[0]} IS NOT NULL AND ${differs})::int AS differing,
              count(*) FILTER (WHERE t.${keys[0]} IS NULL)::int AS missing
         FROM ${batchOf} LEFT JOIN ${table} t ON ${joined}`, [batch]);
    differing += counted.rows[0].differing;
    missing += counted.rows[0].missing;
    if (o.settle && counted.rows[0].differing > 0) {
      await o.copyDb.query(
        `UPDATE ${table} t SET ${fields.map((f) => `${f} = ${wanted(f)}`).join(', ')} FROM ${batchOf} WHERE ${joined} AND ${differs}`, [batch]);
    }
    after = last;
  }
  return { differing, missing };
}
