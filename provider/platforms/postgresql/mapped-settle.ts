/**
 * Comparing and settling a mapped route (see mapping-sql.ts) as it starts: the authority's rows are
 * read in key order, a batch at a time, as JSON; on the copy each batch fills the staging table
 * (without mapping: the trigger holds) and is compared with the copy's table by the key column;
 * by the divergence rule the differing values are replaced once, and with missing_rows = create
 * the records the copy has no row for are inserted with the mapped key. All in one transaction on
 * the copy, written as the settle (replica role and the settle's marker of the copy's table), which
 * the copy's guard admits.
 */
import { Client, escapeLiteral } from 'pg';
import { Comparison, Divergence, FieldLocation, RouteMapping, settlesAtStart } from '../adapter';
import { Run } from './catalog';
import { SETTLE_COLUMNS, SETTLE_MARKER, tableRef } from './guard-sql';
import { HOLD_SETTING, mappedCountQuery, mappedInsertStatement, mappedSettleStatement, mappedSql, seedStatement, unmatchedQuery } from './mapping-sql';
import { batchQuery, compareSql } from './reconcile';
import { markedRun } from './route-sides';
import { asTableOwner } from './settle';

/** What a mapped comparison needs: the authority's table, its key and the route's fields, and the mapping. */
export interface MappedSpec {
  readonly location: FieldLocation;
  readonly key: string[];
  readonly fields: string[];
  readonly divergence: Divergence;
  readonly mapping: RouteMapping;
}

/**
 * The settings of the settle's transaction on the copy: replica role, the settle's marker of the
 * copy's table and the columns it writes there (the mapped ones and the key column, for rows it
 * creates), the staging trigger holding.
 */
export function mappedSettleSettings(targetOid: number, mapping: RouteMapping): string[] {
  return [
    'SET LOCAL session_replication_role = replica',
    `SET LOCAL ${SETTLE_MARKER} = ${escapeLiteral(String(targetOid))}`,
    `SET LOCAL ${SETTLE_COLUMNS} = ${escapeLiteral(JSON.stringify([...mapping.fields, mapping.keyField]))}`,
    `SET LOCAL ${HOLD_SETTING} = 'hold'`,
  ];
}

/**
 * Compares the authority's rows with the copy's table through the mapping; with `settle`, also
 * fills the staging table and writes the copy (in one transaction on `copyDb`).
 */
export async function compareMapped(authorityDb: Client, copyDb: Client, spec: MappedSpec, settle: boolean): Promise<Comparison> {
  return asTableOwner(authorityDb, spec.location, (authority) =>
    settle ? settleOnCopy(markedRun('authority', authority), copyDb, spec) : countOnCopy(markedRun('authority', authority), copyDb, spec));
}

async function countOnCopy(authority: Run, copyDb: Client, spec: MappedSpec): Promise<Comparison> {
  await copyDb.query('BEGIN READ ONLY');
  try {
    const result = await walk(authority, (sql, params) => copyDb.query(sql, params), spec, false);
    await copyDb.query('COMMIT');
    return result;
  } catch (e) {
    await copyDb.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function settleOnCopy(authority: Run, copyDb: Client, spec: MappedSpec): Promise<Comparison> {
  const target = await copyDb.query<{ oid: number }>(
    `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [spec.mapping.location.namespace, spec.mapping.location.container]);
  if (!target.rowCount) throw new Error(`table ${spec.mapping.location.namespace}.${spec.mapping.location.container} does not exist`);
  await copyDb.query('BEGIN');
  try {
    for (const setting of mappedSettleSettings(target.rows[0].oid, spec.mapping)) {
      await copyDb.query(setting).catch((e: Error) => {
        throw new Error(`${e.message}: settling a mapped route writes as replication does, which takes a superuser or SET on ` +
          'session_replication_role (GRANT SET ON PARAMETER session_replication_role TO ...)');
      });
    }
    // The staging table holds what the authority has now: refilled whole.
    await copyDb.query(`TRUNCATE ${tableRef(spec.location)}`);
    const result = await walk(authority, (sql, params) => copyDb.query(sql, params), spec, true);
    await copyDb.query('COMMIT');
    return result;
  } catch (e) {
    await copyDb.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function walk(authority: Run, copy: Run, spec: MappedSpec, settle: boolean): Promise<Comparison> {
  const [key] = spec.key;
  const fields = spec.fields.filter((f) => f !== key);
  const source = compareSql(spec.location, [key], fields, spec.divergence);
  const s = mappedSql(spec.mapping, key, fields);
  const unlessBlank = spec.divergence === 'authority_unless_blank';
  let [differing, missing] = [0, 0];
  let after: string | null = null;
  for (;;) {
    const page: { rows: { batch: string | null; last: string | null }[] } = await authority<{ batch: string | null; last: string | null }>(batchQuery(source), [after]);
    const { batch, last } = page.rows[0];
    if (!batch) break;
    const counted = (await copy<{ differing: number; missing: number }>(mappedCountQuery(s, unlessBlank), [batch])).rows[0];
    differing += counted.differing;
    missing += counted.missing;
    if (settle) {
      await copy(seedStatement(spec.location), [batch]);
      if (counted.differing > 0 && settlesAtStart(spec.divergence)) await copy(mappedSettleStatement(s, unlessBlank), [batch]);
      if (counted.missing > 0 && spec.mapping.missingRows === 'create') await copy(mappedInsertStatement(s), [batch]);
    }
    after = last;
  }
  return { differing, missing };
}

/** How many staged records the copy's table has no row for (a running mapped route, for plan). */
export async function unmatchedRows(copy: Run, spec: MappedSpec): Promise<number> {
  return (await copy<{ unmatched: number }>(unmatchedQuery(spec.location, spec.mapping, spec.key[0]))).rows[0].unmatched;
}
