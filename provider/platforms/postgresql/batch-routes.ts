/**
 * The router's changes to one pair, batched (pair-queue.ts): the routes terraform applies or
 * removes together wait for the pair's lock once, and share one publication change and one
 * subscription refresh. What the routes promise holds as for one route: the loop check per table
 * under the table's lock, the pair's lock around every change of its shared objects, a settle
 * while the receiver is paused, and a batch that fails part-way runs its routes one by one, so each
 * gets its own diagnostic and the next apply converges from what exists.
 */
import { Comparison, SyncRoute, SyncRouteIdentity, settlesAtStart } from '../adapter';
import type { PostgresConnection } from './connection';
import { inspectTable } from './catalog';
import { Published, ToPublish, ToUnpublish, hasTable, keepAllAgainstBlank, publishAll, subscribedTables, unpublishAll } from './batch-steps';
import { PairQueue, Queued, onePerTable } from './pair-queue';
import { PairSteps } from './pair-steps';
import { RouteEntry, pairWords, readRegistry, routeClash } from './route-registry';
import { RefusedError } from '../../framework';
import { holdForReview, releaseReview, writeResolutions } from './review-steps';
import { RouteSides } from './route-sides';
import { SettleSpec, resume } from './settle';
import { escapeIdentifier } from 'pg';
import { dropUnusedClocks, keepClocks, publishClock, receiveClock, releaseClocks } from './two-way-clock';

/** What applying a route did: its key, what it settled, and (manual_review) how many values it queued and resolutions it wrote. */
export interface Applied { key: string[]; settled?: Comparison; queued?: number; resolved?: number }

/** What the batches need of the router (router.ts). */
export interface BatchHost {
  readonly sides: RouteSides;
  readonly steps: PairSteps;
  /** One route the way it runs alone: its own locks, its own steps. */
  applyOne(route: SyncRoute): Promise<Applied>;
  removeOne(route: SyncRouteIdentity): Promise<void>;
  /** Runs `work` holding the loop locks of the routes' tables, with the routes the loop rules admit (the others rejected). */
  withoutLoopsAll(routes: Queued<SyncRoute, Applied>[], work: (admitted: Queued<SyncRoute, Applied>[]) => Promise<void>): Promise<void>;
  exclusively(name: string, work: () => Promise<void>): Promise<void>;
  finishSettle(name: string, authority: string): Promise<void>;
  pendingSettle(name: string): Promise<SettleSpec | undefined>;
  compare(spec: SettleSpec): Promise<Comparison>;
  pauseFor(name: string, authority: string, spec: SettleSpec): Promise<void>;
  settleAndResume(name: string, route: SyncRouteIdentity, spec: SettleSpec): Promise<Comparison>;
}

const keyOf = (r: SyncRouteIdentity) => r.key ?? '';

/** Settles `q` by `work`. */
async function answer<R>(q: Queued<unknown, R>, work: () => Promise<R>): Promise<void> {
  try {
    q.resolve(await work());
  } catch (e) {
    q.reject(e);
  }
}

/** Runs the entries one by one, the way they run alone. */
async function oneByOne<I, R>(batch: Queued<I, R>[], one: (item: I) => Promise<R>): Promise<void> {
  for (const q of batch) await answer(q, () => one(q.item));
}

interface Queues {
  apply: PairQueue<SyncRoute, Applied>;
  remove: PairQueue<SyncRouteIdentity, void>;
}

/** The pair's queues, per copy connection (one provider process) and pair name. */
const queues = new WeakMap<PostgresConnection, Map<string, Queues>>();

export function pairQueues(copy: PostgresConnection, name: string, host: () => BatchHost): Queues {
  if (!queues.has(copy)) queues.set(copy, new Map());
  const found = queues.get(copy)!;
  let q = found.get(name);
  if (!q) {
    q = {
      apply: new PairQueue<SyncRoute, Applied>((batch) => applyBatch(host(), name, batch), onePerTable),
      remove: new PairQueue<SyncRouteIdentity, void>((batch) => removeBatch(host(), name, batch), onePerTable),
    };
    found.set(name, q);
  }
  return q;
}

/**
 * Applies the routes of one pair together. The pair's first route creates its shared objects on
 * its own; a batch that fails before its routes settle runs them one by one.
 */
async function applyBatch(host: BatchHost, name: string, batch: Queued<SyncRoute, Applied>[]): Promise<Queued<SyncRoute, Applied>[] | void> {
  // A route across differing names stages and maps its table (mapped-route.ts): it runs alone.
  const mapped = batch.filter((q) => q.item.mapping);
  if (mapped.length) {
    await oneByOne(mapped, (r) => host.applyOne(r));
    batch = batch.filter((q) => !q.item.mapping);
    if (batch.length === 0) return;
  }
  if (batch.length === 1) return oneByOne(batch, (r) => host.applyOne(r));
  const { sides } = host;
  const subscribed = await sides.on('copy', 'read its subscriptions', () => subscribedTables(sides.run('copy'), name));
  if (!subscribed) {
    await oneByOne(batch.slice(0, 1), (r) => host.applyOne(r));
    return batch.slice(1);
  }
  // A table that is missing or has no key: its route fails alone, naming why.
  const keys = await Promise.all(batch.map((q) => inspectTable(sides.authority, q.item.location).catch(() => undefined)));
  const ready = batch.filter((_, n) => keys[n] && keys[n]!.key.length > 0);
  await oneByOne(batch.filter((q) => !ready.includes(q)), (r) => host.applyOne(r));
  const keyOfRoute = new Map(ready.map((q) => [q, keys[batch.indexOf(q)]!.key]));
  const answered = new Set<Queued<SyncRoute, Applied>>();
  let admittedByLoops: Queued<SyncRoute, Applied>[] | undefined;
  try {
    await host.withoutLoopsAll(ready, (loopFree) => host.exclusively(name, async () => {
      admittedByLoops = loopFree;
      // Plan's check that no route breaks another of the pair's, again under the pair's lock (one per table in a batch).
      const registry = await sides.on('authority', 'read its routes', () => readRegistry(sides.run('authority'), name));
      const admitted = loopFree.filter((q) => {
        const clash = registry && routeClash(registry.entries, q.item, pairWords(q.item));
        if (clash) {
          answered.add(q);
          q.reject(new RefusedError(clash));
        }
        return !clash;
      });
      const authority = admitted[0]?.item.authority;
      if (!authority) return;
      await host.finishSettle(name, authority);
      // manual_review: each route's values are held, and those that differ queued, before anything flows (as applyOne does).
      const queued = new Map<Queued<SyncRoute, Applied>, number>();
      for (const q of admitted) queued.set(q, await holdForReview(sides, q.item, keyOfRoute.get(q)!));
      for (const q of admitted) await keepClocks(sides, q.item);
      const before = await sides.on('copy', 'read its subscriptions', () => subscribedTables(sides.run('copy'), name));
      const items: ToPublish[] = admitted.map((q) => ({ route: q.item, key: keyOfRoute.get(q)!, entry: entryOf(q.item) }));
      const published = before && await publishAll(sides, name, items);
      if (!before || !published) throw new Error('the pair changed meanwhile'); // one by one, below
      for (const q of admitted) await publishClock(sides, name, q.item);
      await host.steps.keepSlot(name);
      await keepAllAgainstBlank(sides, admitted.map((q, n) => ({ authority, loc: q.item.location, routes: published[n].routes })));
      // One refresh takes in every table that joins: subscribe for one of them.
      const joining = admitted.filter((q) => !hasTable(before, q.item.location));
      const first = joining[0] ?? admitted[0];
      const how = await host.steps.subscribe(name, first.item, specOf(first.item, keyOfRoute.get(first)!));
      for (const q of admitted) await receiveClock(sides, name, q.item);
      for (const [n, q] of admitted.entries()) {
        answered.add(q);
        const spec = specOf(q.item, keyOfRoute.get(q)!);
        await answer(q, async () => ({
          ...await settleJoined(host, name, q.item, spec, joining.includes(q) || how === 'created', published[n], spec.key),
          queued: queued.get(q) ?? 0, resolved: await writeResolutions(sides, q.item),
        }));
      }
      // Created meanwhile (dropped by hand since the batch began): on, once its routes settled.
      if (how === 'created') await sides.on('copy', 'resume the route', () => sides.copy.withConnection((db) => resume(db, name, authority)));
    }));
  } catch {
    // Before its routes settled: each runs alone, converging from what the batch left.
  }
  // Routes the loop rules refused were answered already.
  await oneByOne(ready.filter((q) => !answered.has(q) && (!admittedByLoops || admittedByLoops.includes(q))), (r) => host.applyOne(r));
}

/** The settle of one route that the batch published: as applyRoute does for a route alone. */
async function settleJoined(host: BatchHost, name: string, route: SyncRoute, spec: SettleSpec, refreshed: boolean, published: Published, key: string[]): Promise<Applied> {
  const joined = refreshed || published.joins || route.resettle;
  if (!joined || !settlesAtStart(route.divergence)) return { key };
  if ((await host.compare(spec)).differing === 0) return { key };
  await host.pauseFor(name, route.authority, spec);
  return { key, settled: await host.settleAndResume(name, route, spec) };
}

function entryOf(route: SyncRoute): RouteEntry {
  return { schema: route.location.namespace, table: route.location.container, key: keyOf(route), columns: route.fields, divergence: route.divergence };
}

function specOf(route: SyncRoute, key: string[]): SettleSpec {
  return { location: route.location, key, fields: route.fields, divergence: route.divergence, routeKey: keyOf(route) };
}

/**
 * Removes the routes of one pair together: one publication change, then one refresh on the copy
 * (or, when the pair's last routes went, its subscription, slot and publication). A settle cut
 * short on the pair, or a batch that fails, runs them one by one.
 */
async function removeBatch(host: BatchHost, name: string, batch: Queued<SyncRouteIdentity, void>[]): Promise<void> {
  const mapped = batch.filter((q) => q.item.mapping);
  if (mapped.length) {
    await oneByOne(mapped, (r) => host.removeOne(r));
    batch = batch.filter((q) => !q.item.mapping);
    if (batch.length === 0) return;
  }
  if (batch.length === 1) return oneByOne(batch, (r) => host.removeOne(r));
  const { sides } = host;
  const keys = await Promise.all(batch.map((q) => inspectTable(sides.authority, q.item.location).then((t) => t?.key ?? [], () => [])));
  let done = false;
  try {
    await host.exclusively(name, async () => {
      if (await host.pendingSettle(name)) return;
      const clocked = [];
      for (const q of batch) if (await releaseClocks(sides, name, q.item)) clocked.push(q.item);
      const items: ToUnpublish[] = batch.map((q, n) => ({ route: q.item, key: keys[n] }));
      const { left, tables } = await unpublishAll(sides, name, items);
      await keepAllAgainstBlank(sides, batch.map((q, n) => ({ authority: q.item.authority, loc: q.item.location, routes: left[n] })));
      for (const q of batch) await releaseReview(sides, q.item);
      const emptied = batch.filter((_, n) => left[n].length === 0);
      if (emptied.length && tables === 0) {
        await host.steps.forgetTable(name, emptied[0].item.location, { allTables: false, actions: '', viaRoot: true, others: 0 });
      } else if (emptied.length) {
        const subscribed = await sides.on('copy', 'read its subscriptions', () => subscribedTables(sides.run('copy'), name));
        if (subscribed && emptied.some((q) => hasTable(subscribed, q.item.location))) {
          await sides.on('copy', 'stop receiving the tables', () => sides.copy.withConnection((db) =>
            db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`)));
        }
      }
      for (const r of clocked) await dropUnusedClocks(sides, name, r);
      done = true;
    });
  } catch {
    done = false;
  }
  if (done) for (const q of batch) q.resolve();
  else await oneByOne(batch, (r) => host.removeOne(r));
}
