/**
 * Divergence newest_wins on a PostgreSQL copy, as the router uses it (the SQL, the clock and what
 * happens when: newest-wins-sql.ts): the route's trigger kept in place while its rule is
 * newest_wins, removed when the route leaves newest_wins or goes, and read back for drift.
 */
import { Client } from 'pg';
import { SyncRoute, SyncRouteIdentity } from '../adapter';
import { Run, runOn } from './catalog';
import { inTransaction } from './connection';
import { tableRef } from './guard-sql';
import { recordsFunctionsIntact, triggerArgs } from './override-read';
import { OVERRIDE_SCHEMA } from './override-sql';
import { NEWEST_FUNCTIONS, installNewestStatements, newestTriggerName, removeNewestStatements } from './newest-wins-sql';
import { RouteOnCopy, routeOnCopy } from './route-names';
import { RouteSides } from './route-sides';
import { anyClock, clocksIntact } from './two-way-clock';

/** A newest_wins route on the copy. */
export type NewestRoute = RouteOnCopy;

/** Whether the route's trigger is in place as the provider installs it, calling intact functions. */
export async function newestIntact(query: Run, r: NewestRoute): Promise<boolean> {
  const found = await query<{ tgenabled: string; tgargs: Buffer; tgtype: number; fn: string }>(
    `SELECT t.tgenabled, t.tgargs, t.tgtype, n.nspname || '.' || p.proname AS fn
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2`, [tableRef(r.location), newestTriggerName(r.authority, r.location, r.routeKey)]);
  const t = found.rows[0];
  // tgtype 23: ROW | BEFORE | INSERT | UPDATE.
  if (!t || t.tgenabled !== 'A' || t.tgtype !== 23 || t.fn !== `${OVERRIDE_SCHEMA}.newest_row`) return false;
  if (JSON.stringify(triggerArgs(t.tgargs)) !== JSON.stringify([r.authority, r.feed, ...r.columns])) return false;
  return recordsFunctionsIntact(query, NEWEST_FUNCTIONS);
}

/** Installs or repairs the route's trigger, when not intact (trigger DDL locks the copy's table). */
export async function keepNewest(db: Client, r: NewestRoute): Promise<void> {
  if (await newestIntact(runOn(db), r)) return;
  await inTransaction(db, installNewestStatements(r.authority, r.feed, r.location, r.routeKey, r.columns));
}

/** Removes the route's trigger when there is one (no lock on the copy's table otherwise). */
export async function stopNewest(db: Client, r: Omit<NewestRoute, 'columns' | 'feed'>): Promise<void> {
  const found = await db.query('SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2',
    [tableRef(r.location), newestTriggerName(r.authority, r.location, r.routeKey)]).catch(() => ({ rowCount: 0 }));
  if (!found.rowCount) return;
  await inTransaction(db, removeNewestStatements(r.authority, r.location, r.routeKey));
}

/**
 * Before the route publishes: a newest_wins route's trigger is in place, so no change the sync
 * brings meets an override without it. Any other rule (and a route across differing names, whose
 * plan refuses newest_wins): no trigger.
 */
export async function orderByArrival(sides: RouteSides, route: SyncRoute): Promise<void> {
  const r = routeOnCopy(route, route.fields);
  if (route.divergence !== 'newest_wins' || route.mapping) {
    await sides.on('copy', 'stop ordering overrides and changes by time', () => sides.copy.withConnection((db) => stopNewest(db, r)));
    return;
  }
  await sides.on('copy', 'order overrides and changes by time', () => sides.copy.withConnection((db) => keepNewest(db, r)));
}

/** The route goes: its trigger too (the overrides stand; the log stays). */
export async function releaseNewest(sides: RouteSides, r: SyncRouteIdentity): Promise<void> {
  await sides.on('copy', 'stop ordering overrides and changes by time', () => sides.copy.withConnection((db) => stopNewest(db, routeOnCopy(r, []))));
}

/** Read-back: whether the route's trigger is intact (and, on a half of a two-way sync, its clocks: two-way-clock.ts). */
export async function readNewest(sides: RouteSides, r: SyncRouteIdentity, columns: readonly string[]): Promise<boolean> {
  if (!(await sides.on('copy', 'read its triggers', () => newestIntact(sides.run('copy'), routeOnCopy(r, columns))))) return false;
  return !(await anyClock(sides, r)) || clocksIntact(sides, r, columns);
}
