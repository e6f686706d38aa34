/**
 * Divergence manual_review on a PostgreSQL copy, as the router uses it (the SQL and what happens
 * when: review-queue-sql.ts): the route's hold trigger kept in place, the values that differ as
 * the route starts queued as conflicts, resolutions to the authority's value written by apply,
 * and the queue read back for plan.
 */
import { Client } from 'pg';
import { FieldLocation, ReviewQueueState } from '../adapter';
import { Run, runOn } from './catalog';
import { inTransaction } from './connection';
import { lit, tableRef } from './guard-sql';
import { recordsFunctionsIntact, triggerArgs } from './override-read';
import { OVERRIDE_SCHEMA } from './override-sql';
import { asTableOwnerStatements } from './owner-run';
import { batchQuery, compareSql } from './reconcile';
import {
  REVIEW_FUNCTIONS, REVIEW_QUEUE, holdTriggerName, installHoldStatements, removeHoldStatements, reviewQueueStatements,
} from './review-queue-sql';
import { RouteOnCopy } from './route-names';
import { settleSettings } from './settle';

/** A route held for review. */
export type HeldRoute = RouteOnCopy;

/** Whether the route's hold trigger is in place as the provider installs it (and the queue's functions intact). */
export async function holdIntact(query: Run, r: HeldRoute): Promise<boolean> {
  const found = await query<{ tgenabled: string; tgargs: Buffer; fn: string }>(
    `SELECT t.tgenabled, t.tgargs, n.nspname || '.' || p.proname AS fn
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2`, [tableRef(r.location), holdTriggerName(r.authority, r.location, r.routeKey)]);
  const t = found.rows[0];
  if (!t || t.tgenabled !== 'A' || t.fn !== `${OVERRIDE_SCHEMA}.hold_row`) return false;
  if (JSON.stringify(triggerArgs(t.tgargs)) !== JSON.stringify([r.authority, r.feed, ...r.columns])) return false;
  return recordsFunctionsIntact(query, REVIEW_FUNCTIONS);
}

/** Installs or repairs the queue and the route's hold trigger, when not intact (trigger DDL locks the copy's table). */
export async function keepForReview(db: Client, r: HeldRoute): Promise<void> {
  if (await holdIntact(runOn(db), r)) return;
  await inTransaction(db, [...reviewQueueStatements(), ...installHoldStatements(r.authority, r.feed, r.location, r.routeKey, r.columns)]);
}

/**
 * Removes the route's hold trigger (a route no longer manual_review, or removed): the items of the
 * columns it held close, the queue stays (the record of who changed what).
 */
export async function stopHolding(db: Client, r: Omit<HeldRoute, 'columns' | 'feed'>): Promise<void> {
  const found = await db.query<{ tgargs: Buffer }>(
    'SELECT t.tgargs FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2',
    [tableRef(r.location), holdTriggerName(r.authority, r.location, r.routeKey)]).catch(() => ({ rows: [] as { tgargs: Buffer }[] }));
  const held = found.rows[0];
  if (!held) return;
  // After the authority: the feed (no column: no item names it) and the columns, or the columns of a trigger made before the feed.
  const columns = triggerArgs(held.tgargs).slice(1);
  await inTransaction(db, removeHoldStatements(r.authority, r.location, r.routeKey, columns, true));
}

/**
 * On the copy: queues, as open conflicts, the cells of the batch $1 (the authority's rows, JSON)
 * whose values differ from the copy's; a cell already in the queue stays as it is.
 */
export function queueDifferencesStatement(loc: FieldLocation, key: readonly string[], columns: readonly string[]): string {
  const s = compareSql(loc, [...key], [...columns], 'manual_review');
  const [r, t] = [s.a.incoming, s.a.held];
  // $1 the batch, $2 the table's oid, $3 schema, $4 table, $5 authority, then the key's names, then the columns' names.
  const record = `jsonb_build_object(${s.keys.map((k, i) => `$${i + 6}::text, to_jsonb(${t}.${k})`).join(', ')})`;
  const cells = s.fields.map((f, i) => `($${key.length + 6 + i}::text, to_jsonb(${t}.${f}), to_jsonb(${r}.${f}))`).join(', ');
  return `INSERT INTO ${REVIEW_QUEUE} (table_oid, schema_name, table_name, authority, record, column_name, status,
                                       copy_value, authority_value, authority_changed_at)
          SELECT $2::oid, $3, $4, $5, ${record}, cell.col, 'open', cell.copy_value, cell.authority_value, clock_timestamp()
            FROM (SELECT * FROM json_populate_recordset(NULL::${s.table}, $1::json)) ${r}
            JOIN ${s.table} ${t} ON ${s.keys.map((k) => `${t}.${k} = ${r}.${k}`).join(' AND ')}
            CROSS JOIN LATERAL (VALUES ${cells}) cell(col, copy_value, authority_value)
           WHERE cell.copy_value IS DISTINCT FROM cell.authority_value
          ON CONFLICT (table_oid, authority, record, column_name) WHERE status <> 'closed' DO NOTHING`;
}

/**
 * Queues every cell of the route whose copy value differs from the authority's, as the route
 * starts (or is repaired): nothing is overwritten, a person decides. Returns how many cells.
 */
export async function queueDifferences(authority: Run, copyDb: Client, r: HeldRoute & { key: string[] }): Promise<number> {
  const s = compareSql(r.location, r.key, [...r.columns], 'manual_review');
  const plainCols = r.columns.filter((c) => !r.key.includes(c));
  if (plainCols.length === 0) return 0;
  const oid = (await copyDb.query<{ oid: number }>('SELECT pg_catalog.to_regclass($1)::oid AS oid', [tableRef(r.location)])).rows[0].oid;
  const sql = queueDifferencesStatement(r.location, r.key, r.columns);
  let queued = 0;
  let after: string | null = null;
  for (;;) {
    const page: { rows: { batch: string | null; last: string | null }[] } = await authority<{ batch: string | null; last: string | null }>(batchQuery(s), [after]);
    const { batch, last } = page.rows[0];
    if (!batch) break;
    const done = await copyDb.query(sql, [batch, oid, r.location.namespace, r.location.container, r.authority, ...r.key, ...plainCols]);
    queued += done.rowCount ?? 0;
    after = last;
  }
  return queued;
}

/**
 * Writes the authority's value of each item resolved to it, as the provider's settle writes (a
 * replica session marked for the table, acting as its owner), in one transaction. Returns how many cells.
 */
export async function applyResolutions(db: Client, r: HeldRoute): Promise<number> {
  const table = await db.query<{ oid: number }>(
    `SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)`,
    [tableRef(r.location)]);
  if (!table.rowCount) return 0;
  const { oid } = table.rows[0];
  await db.query('BEGIN');
  try {
    for (const s of settleSettings(oid, r.columns)) await db.query(s);
    // As the table's owner, whose triggers run with its rights and cannot RESET ROLE back to the provider's (owner-run.ts).
    let done = 0;
    for (const sql of asTableOwnerStatements(tableRef(r.location), `SELECT ${OVERRIDE_SCHEMA}.hold_apply_resolutions(${Number(oid)}::pg_catalog.oid, ${lit(r.authority)}) AS result`)) {
      const result = await db.query<{ result?: number }>(sql);
      done = result.rows[0]?.result ?? done;
    }
    await db.query('COMMIT');
    return done;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The route's queue: open conflicts and resolutions waiting; undefined when there is no queue. */
export async function readReviewQueue(query: Run, r: HeldRoute): Promise<ReviewQueueState | undefined> {
  const queue = await query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [REVIEW_QUEUE]);
  if (!queue.rows[0].t) return undefined;
  const found = await query<{ open: number; resolving: number; oldest: number | null }>(
    `SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'resolving')::int AS resolving,
            extract(epoch FROM pg_catalog.statement_timestamp() - min(authority_changed_at) FILTER (WHERE status = 'open'))::float8 AS oldest
       FROM ${REVIEW_QUEUE} WHERE table_oid = pg_catalog.to_regclass($1) AND authority = $2 AND column_name = ANY ($3::text[])`,
    [tableRef(r.location), r.authority, r.columns]);
  const row = found.rows[0];
  return { table: REVIEW_QUEUE, open: row.open, resolving: row.resolving, oldestSeconds: row.oldest === null ? undefined : Math.max(0, Math.round(row.oldest)) };
}
