/**
 * Divergence newest_wins on a two-way sync, as the router uses it (the SQL, the clock and what
 * happens when: two-way-clock-sql.ts). Each half of the sync (crm -> ops, ops -> crm: two routes)
 * keeps two triggers of its own: one that stamps local writes of its columns on its sending side,
 * one that resolves what its subscription brings on its receiving side. The clock table of a table
 * is shared by whatever clocks its side keeps; each route carries its sending side's clock table in
 * its publication. So halves carrying the same columns order both sides' writes, and halves of a
 * split (disjoint columns) never find a newer write of their own on the receiving side: nothing
 * changes for them. A route that goes (or leaves newest_wins) removes its triggers, and a clock
 * table goes once no trigger and no receiver uses it.
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
  CLOCK_FUNCTIONS, ClockMode, clockFunctionName, ClockTrigger, MERGE_TRIGGER, clockTableName, clockTableRef, clockTriggerArgs, clockTriggerName,
  dropClockStatements, installClockStatements, stopClockStatements,
} from './two-way-clock-sql';

/** How long a route that goes waits for its receiver to take what was sent before the clock table there is dropped. */
const CAUGHT_UP_WAIT_MS = 60_000;

const SIDES: readonly Side[] = ['authority', 'copy'];

/** Whether the route keeps clocks: a half of a two-way sync whose divergence rule is newest_wins, under the same names. */
export function keepsClocks(route: Pick<SyncRoute, 'twoWay' | 'divergence' | 'mapping'>): boolean {
  return route.twoWay && route.divergence === 'newest_wins' && !route.mapping;
}

/** The route's clock trigger on `side`: stamping on the authority (its sending side), resolving on the copy. */
export function clockTrigger(r: SyncRouteIdentity, side: Side, columns: readonly string[]): ClockTrigger {
  const pair = syncPairName(r);
  const base = { pair, routeKey: r.key ?? '', location: r.location, columns };
  return side === 'authority'
    ? { ...base, mode: 'stamp', me: r.authority, feed: syncPairName({ authority: r.copy, copy: r.authority }) }
    : { ...base, mode: 'resolve', me: r.copy, feed: pair };
}

const modeOf = (side: Side): ClockMode => (side === 'authority' ? 'stamp' : 'resolve');

interface FoundTrigger { tgname: string; tgenabled: string; tgargs: Buffer; tgtype: number; fn: string }

async function triggersOn(query: Run, relation: string, names: string[]): Promise<FoundTrigger[]> {
  return (await query<FoundTrigger>(
    `SELECT t.tgname, t.tgenabled, t.tgargs, t.tgtype, n.nspname || '.' || p.proname AS fn
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname = ANY($2::text[])`, [relation, names])).rows;
}

/** Whether the route's clock on one side is in place as installClockStatements makes it. */
export async function clockIntact(query: Run, t: ClockTrigger): Promise<boolean> {
  const [mine] = await triggersOn(query, tableRef(t.location), [clockTriggerName(t.location, t.pair, t.routeKey, t.mode)]);
  const [merge] = await triggersOn(query, clockTableRef(t.location), [MERGE_TRIGGER]);
  // tgtype 23: ROW | BEFORE | INSERT | UPDATE; 7: ROW | BEFORE | INSERT.
  const same = (f: FoundTrigger | undefined, type: number, fn: string, args: string[]) =>
    !!f && f.tgenabled === 'A' && f.tgtype === type && f.fn === `${OVERRIDE_SCHEMA}.${fn}` && JSON.stringify(triggerArgs(f.tgargs)) === JSON.stringify(args);
  return same(mine, 23, clockFunctionName(t.mode), clockTriggerArgs(t)) && same(merge, 7, 'clock_merge', []) && recordsFunctionsIntact(query, CLOCK_FUNCTIONS);
}

/** Whether the route has its clock trigger on one side. */
async function hasTrigger(query: Run, r: SyncRouteIdentity, side: Side): Promise<boolean> {
  return (await triggersOn(query, tableRef(r.location), [clockTriggerName(r.location, syncPairName(r), r.key ?? '', modeOf(side))])).length > 0;
}

/** Whether the pair's publication on the authority sends the authority's clock table. */
async function publishesClock(query: Run, name: string, r: SyncRouteIdentity): Promise<boolean> {
  const found = await query('SELECT FROM pg_catalog.pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3',
    [name, OVERRIDE_SCHEMA, clockTableName(r.location)]);
  return (found.rowCount ?? 0) > 0;
}

/** The subscriptions of this side's database that receive into its clock table of the table, and whether each is enabled. */
async function clockReceivers(query: Run, r: SyncRouteIdentity): Promise<{ subname: string; enabled: boolean }[]> {
  return (await query<{ subname: string; enabled: boolean }>(
    `SELECT s.subname, s.subenabled AS enabled FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_subscription_rel x ON x.srsubid = s.oid
      WHERE x.srrelid = pg_catalog.to_regclass($1)`, [clockTableRef(r.location)])).rows;
}

/** Before the route publishes: its clock triggers are in place on both sides (a route of any other kind: nothing). */
export async function keepClocks(sides: RouteSides, route: SyncRoute): Promise<void> {
  if (!keepsClocks(route)) return;
  for (const side of SIDES) {
    const t = clockTrigger(route, side, route.fields);
    await sides.on(side, side === 'authority' ? 'stamp its writes for newest_wins' : 'order incoming writes by time', () =>
      sides.pg(side).withConnection(async (db) => {
        if (!(await clockIntact(runOn(db), t))) await inTransaction(db, installClockStatements(t));
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

/** After the copy subscribed: it receives into its clock table; a route that left two-way newest_wins lets go of its clocks. */
export async function receiveClock(sides: RouteSides, name: string, route: SyncRoute): Promise<void> {
  if (!keepsClocks(route)) {
    if (await releaseClocks(sides, name, route)) await dropUnusedClocks(sides, name, route);
    return;
  }
  await sides.on('copy', 'receive the authority\'s clock', () => sides.copy.withConnection(async (db) => {
    const mine = (await clockReceivers(runOn(db), route)).find((s) => s.subname === name);
    if (mine) return;
    const found = await db.query<{ enabled: boolean }>('SELECT subenabled AS enabled FROM pg_catalog.pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())', [name]);
    if (found.rows[0]?.enabled) await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`);
  }));
}

/**
 * The route goes (or leaves two-way newest_wins), before its table leaves the publication: its
 * triggers go on both sides, and the authority stops sending its clock table unless another route
 * of the pair on the table still stamps there. Says whether the route had clocks.
 */
export async function releaseClocks(sides: RouteSides, name: string, r: SyncRouteIdentity): Promise<boolean> {
  let found = false;
  for (const side of SIDES) {
    await sides.on(side, 'stop ordering writes by time', () => sides.pg(side).withConnection(async (db) => {
      if (!(await hasTrigger(runOn(db), r, side))) return;
      found = true;
      await inTransaction(db, stopClockStatements(r.location, name, r.key ?? '', modeOf(side)));
    }));
  }
  await sides.on('authority', 'stop sending its clock', () => sides.authority.withConnection(async (db) => {
    if (!(await publishesClock(runOn(db), name, r)) || await stampsForPair(runOn(db), name, r)) return;
    await db.query(`ALTER PUBLICATION ${escapeIdentifier(name)} DROP TABLE ${clockTableRef(r.location)}`);
  }));
  return found;
}

/** Whether another route of the pair still stamps writes of the table on this side. */
async function stampsForPair(query: Run, name: string, r: SyncRouteIdentity): Promise<boolean> {
  const found = await query<{ tgargs: Buffer }>(
    `SELECT t.tgargs FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname LIKE 'authority\\_clock\\_stamp\\_%'`,
    [tableRef(r.location)]);
  return found.rows.some((t) => triggerArgs(t.tgargs)[3] === name);
}

/**
 * After the route's clocks went: on each side, the clock table goes once no clock trigger of the
 * table is left there and nothing can arrive for it any more (no subscription receives it, or the
 * route's own has taken everything the authority sent until now). Otherwise it stays.
 */
export async function dropUnusedClocks(sides: RouteSides, name: string, r: SyncRouteIdentity): Promise<void> {
  const until = await sides.on('authority', 'read its position', () => sides.authority.query<{ lsn: string }>('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn'));
  for (const side of SIDES) {
    await sides.on(side, 'drop its clock', () => sides.pg(side).withConnection(async (db) => {
      const left = await db.query("SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = pg_catalog.to_regclass($1) AND t.tgname LIKE 'authority\\_clock\\_%'", [tableRef(r.location)]);
      if (left.rowCount || (await db.query('SELECT pg_catalog.to_regclass($1) IS NULL AS gone', [clockTableRef(r.location)])).rows[0].gone) return;
      const receivers = await clockReceivers(runOn(db), r);
      if (receivers.some((s) => s.subname !== name)) return; // another route's receiver: it still may bring rows
      if (receivers.length) {
        if (!(await caughtUp(db, name, until.rows[0].lsn))) return;
        await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`);
      }
      await inTransaction(db, dropClockStatements(r.location));
    }));
  }
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

/** Read-back of a route that keeps clocks: its triggers intact on both sides, the authority sending its clock table, the copy receiving it. */
export async function clocksIntact(sides: RouteSides, r: SyncRouteIdentity, columns: readonly string[]): Promise<boolean> {
  const name = syncPairName(r);
  for (const side of SIDES) {
    if (!(await sides.on(side, 'read its triggers', () => clockIntact(sides.run(side), clockTrigger(r, side, columns))))) return false;
  }
  const [sent, received] = await Promise.all([
    sides.on('authority', 'read its publications', () => publishesClock(sides.run('authority'), name, r)),
    sides.on('copy', 'read its subscriptions', () => clockReceivers(sides.run('copy'), r)),
  ]);
  return sent && received.some((s) => s.subname === name);
}

/** Read-back: whether the route keeps clocks at all (either of its triggers is there, or its publication sends the clock table). */
export async function anyClock(sides: RouteSides, r: SyncRouteIdentity): Promise<boolean> {
  for (const side of SIDES) {
    if (await sides.on(side, 'read its triggers', () => hasTrigger(sides.run(side), r, side))) return true;
  }
  return sides.on('authority', 'read its publications', () => publishesClock(sides.run('authority'), syncPairName(r), r));
}
