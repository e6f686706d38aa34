/**
 * Divergence newest_wins on a two-way sync without a split, as the router uses it (the SQL, the
 * clock and what happens when: two-way-clock-sql.ts). Both halves of the sync (crm -> ops and
 * ops -> crm, two routes) keep the same mechanism on both sides: whichever is applied first puts
 * both sides' clocks in place, so every local write is stamped from then on. Each route carries
 * the clock table of its sending side in its publication, into the clock table of its receiving
 * side. A route that goes (or leaves two-way newest_wins) stops the stamping on both sides, and
 * drops its receiving side's clock table once nothing can still arrive for it.
 */
import { Client, escapeIdentifier } from 'pg';
import { SyncRoute, SyncRouteIdentity } from '../adapter';
import { Run, runOn } from './catalog';
import { inTransaction } from './connection';
import { tableRef } from './guard-sql';
import { recordsFunctionsIntact, triggerArgs } from './override-read';
import { OVERRIDE_SCHEMA } from './override-sql';
import { syncPairName } from './route-names';
import { RouteSides, Side } from './route-sides';
import {
  CLOCK_FUNCTIONS, ClockSide, MERGE_TRIGGER, clockTableName, clockTableRef, clockTriggerName, dropClockStatements,
  installClockStatements, stopClockStatements,
} from './two-way-clock-sql';

/** How long a route that goes waits for its receiver to take what was sent before its clock table is dropped. */
const CAUGHT_UP_WAIT_MS = 60_000;

/** Whether the route keeps two-way clocks: a half of a two-way sync whose divergence rule is newest_wins. */
export function keepsClocks(route: Pick<SyncRoute, 'twoWay' | 'divergence' | 'mapping'>): boolean {
  return route.twoWay && route.divergence === 'newest_wins' && !route.mapping;
}

/** One side's clock: its name, the subscription that brings the other side's writes (the route, or its reverse), the table and columns. */
export function clockSide(r: SyncRouteIdentity, side: Side, columns: readonly string[]): ClockSide {
  const [me, other] = side === 'copy' ? [r.copy, r.authority] : [r.authority, r.copy];
  return { me, feed: syncPairName({ authority: other, copy: me }), routeKey: r.key ?? '', location: r.location, columns };
}

/** Whether one side's clock is in place as installClockStatements makes it. */
export async function clockIntact(query: Run, s: ClockSide): Promise<boolean> {
  const found = await query<{ tgname: string; tgenabled: string; tgargs: Buffer; tgtype: number; fn: string }>(
    `SELECT t.tgname, t.tgenabled, t.tgargs, t.tgtype, n.nspname || '.' || p.proname AS fn
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE (t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2) OR (t.tgrelid = pg_catalog.to_regclass($3) AND t.tgname = $4)`,
    [tableRef(s.location), clockTriggerName(s.location), clockTableRef(s.location), MERGE_TRIGGER]);
  const row = found.rows.find((t) => t.tgname === clockTriggerName(s.location));
  const merge = found.rows.find((t) => t.tgname === MERGE_TRIGGER);
  // tgtype 23: ROW | BEFORE | INSERT | UPDATE; 7: ROW | BEFORE | INSERT.
  const same = (t: typeof row, type: number, fn: string, args: string[]) =>
    !!t && t.tgenabled === 'A' && t.tgtype === type && t.fn === `${OVERRIDE_SCHEMA}.${fn}` && JSON.stringify(triggerArgs(t.tgargs)) === JSON.stringify(args);
  return same(row, 23, 'clock_row', [s.me, s.feed, clockTableRef(s.location), ...s.columns]) &&
    same(merge, 7, 'clock_merge', [s.feed, s.routeKey]) &&
    recordsFunctionsIntact(query, CLOCK_FUNCTIONS);
}

/**
 * Whether the table on this side has anything of a two-way clock (its trigger or its clock table),
 * of routes with `r`'s key: a clock whose merge trigger names another key serves other routes of
 * the table (one with no merge trigger left is taken as this route's).
 */
export async function hasClock(query: Run, r: SyncRouteIdentity): Promise<boolean> {
  const found = await query<{ merge: Buffer | null }>(
    `SELECT (SELECT t.tgargs FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($3) AND t.tgname = $4) AS merge
      WHERE EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = $2)
         OR pg_catalog.to_regclass($3) IS NOT NULL`,
    [tableRef(r.location), clockTriggerName(r.location), clockTableRef(r.location), MERGE_TRIGGER]);
  const row = found.rows[0];
  if (!row) return false;
  return !row.merge || (triggerArgs(row.merge)[1] ?? '') === (r.key ?? '');
}

/** Whether the pair's publication on the authority sends the authority's clock table. */
async function publishesClock(query: Run, name: string, r: SyncRouteIdentity): Promise<boolean> {
  const found = await query('SELECT FROM pg_catalog.pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3',
    [name, OVERRIDE_SCHEMA, clockTableName(r.location)]);
  return (found.rowCount ?? 0) > 0;
}

/** Whether the copy's subscription receives into its clock table; undefined when there is no subscription. */
async function receivesClock(query: Run, name: string, r: SyncRouteIdentity): Promise<{ enabled: boolean; has: boolean } | undefined> {
  const found = await query<{ enabled: boolean; has: boolean }>(
    `SELECT s.subenabled AS enabled, EXISTS (SELECT FROM pg_catalog.pg_subscription_rel x WHERE x.srsubid = s.oid AND x.srrelid = pg_catalog.to_regclass($2)) AS has
       FROM pg_catalog.pg_subscription s WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
    [name, clockTableRef(r.location)]);
  return found.rows[0];
}

/** Before the route publishes: both sides' clocks are in place (a route of any other kind: nothing). */
export async function keepClocks(sides: RouteSides, route: SyncRoute): Promise<void> {
  if (!keepsClocks(route)) return;
  for (const side of ['authority', 'copy'] as const) {
    const s = clockSide(route, side, route.fields);
    await sides.on(side, 'stamp its writes for newest_wins', () => sides.pg(side).withConnection(async (db) => {
      if (!(await clockIntact(runOn(db), s))) await inTransaction(db, installClockStatements(s));
    }));
  }
}

/** After the route publishes its table, before the copy subscribes: the authority's clock table travels with it. */
export async function publishClock(sides: RouteSides, name: string, route: SyncRoute): Promise<void> {
  if (!keepsClocks(route)) return;
  await sides.on('authority', 'publish its clock', () => sides.authority.withConnection(async (db) => {
    if (await publishesClock(runOn(db), name, route)) return;
    await db.query(`ALTER PUBLICATION ${escapeIdentifier(name)} ADD TABLE ${clockTableRef(route.location)}`);
  }));
}

/** After the copy subscribed: it receives into its clock table; a route that left two-way newest_wins lets go of the clocks. */
export async function receiveClock(sides: RouteSides, name: string, route: SyncRoute): Promise<void> {
  if (!keepsClocks(route)) {
    if (await releaseClocks(sides, name, route)) await dropReceivedClock(sides, name, route);
    return;
  }
  await sides.on('copy', 'receive the authority\'s clock', () => sides.copy.withConnection(async (db) => {
    const found = await receivesClock(runOn(db), name, route);
    if (found && found.enabled && !found.has) await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`);
  }));
}

/**
 * The route goes (or leaves two-way newest_wins), before its table leaves the publication: no side
 * stamps its writes any more, and the authority stops sending its clock table. Says whether there
 * was a clock.
 */
export async function releaseClocks(sides: RouteSides, name: string, r: SyncRouteIdentity): Promise<boolean> {
  let found = false;
  for (const side of ['authority', 'copy'] as const) {
    await sides.on(side, 'stop stamping its writes', () => sides.pg(side).withConnection(async (db) => {
      if (!(await hasClock(runOn(db), r))) return;
      found = true;
      await inTransaction(db, stopClockStatements(r.location));
    }));
  }
  await sides.on('authority', 'stop sending its clock', () => sides.authority.withConnection(async (db) => {
    if (!(await publishesClock(runOn(db), name, r))) return;
    await db.query(`ALTER PUBLICATION ${escapeIdentifier(name)} DROP TABLE ${clockTableRef(r.location)}`);
  }));
  return found;
}

/**
 * After the route went: the copy's clock table goes, once its receiver cannot bring anything more
 * for it (its subscription is gone, or has taken everything the authority sent until now and
 * stopped receiving the table). A receiver that does not catch up in time leaves the table there.
 */
export async function dropReceivedClock(sides: RouteSides, name: string, r: SyncRouteIdentity): Promise<void> {
  const until = await sides.on('authority', 'read its position', () => sides.authority.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn'));
  await sides.on('copy', 'drop its clock', () => sides.copy.withConnection(async (db) => {
    if (!(await hasClock(runOn(db), r))) return;
    if (await receivesClock(runOn(db), name, r)) {
      if (!(await caughtUp(db, name, until.rows[0].lsn))) return;
      await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`);
    }
    await inTransaction(db, dropClockStatements(r.location));
  }));
  // The authority's clock table, when no route brings anything into it (its reverse is gone too).
  const reverse = syncPairName({ authority: r.copy, copy: r.authority });
  await sides.on('authority', 'drop its clock', () => sides.authority.withConnection(async (db) => {
    if (!(await hasClock(runOn(db), r)) || await receivesClock(runOn(db), reverse, r)) return;
    await inTransaction(db, [...stopClockStatements(r.location), ...dropClockStatements(r.location)]);
  }));
}

/** Waits until the subscription's receiver has reported the authority's position `lsn` (false when it does not in time). */
async function caughtUp(db: Client, name: string, lsn: string): Promise<boolean> {
  const end = Date.now() + CAUGHT_UP_WAIT_MS;
  for (;;) {
    const found = await db.query<{ done: boolean }>(
      'SELECT COALESCE(bool_and(latest_end_lsn >= $2::pg_lsn), false) AS done FROM pg_catalog.pg_stat_subscription WHERE subname = $1 AND relid IS NULL', [name, lsn]);
    if (found.rows[0]?.done) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Read-back of a route that keeps clocks: both sides' clocks intact, the authority sending its clock table and the copy receiving it. */
export async function clocksIntact(sides: RouteSides, name: string, r: SyncRouteIdentity, columns: readonly string[]): Promise<boolean> {
  for (const side of ['authority', 'copy'] as const) {
    if (!(await sides.on(side, 'read its triggers', () => clockIntact(sides.run(side), clockSide(r, side, columns))))) return false;
  }
  const [sent, received] = await Promise.all([
    sides.on('authority', 'read its publications', () => publishesClock(sides.run('authority'), name, r)),
    sides.on('copy', 'read its subscriptions', () => receivesClock(sides.run('copy'), name, r)),
  ]);
  return sent && !!received?.has;
}

/** Read-back: whether the route keeps two-way clocks at all (either side has a trigger or clock table of the table). */
export async function anyClock(sides: RouteSides, r: SyncRouteIdentity): Promise<boolean> {
  for (const side of ['authority', 'copy'] as const) {
    if (await sides.on(side, 'read its triggers', () => hasClock(sides.run(side), r))) return true;
  }
  return false;
}
