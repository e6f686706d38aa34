/**
 * The router's steps for divergence manual_review (review-queue.ts): hold the route's cells for
 * review as it is applied, queue what differs as it starts, write resolutions to the authority's
 * value, and let go when the route leaves manual_review or goes.
 */
import { ReviewQueueState, SyncRoute, SyncRouteIdentity } from '../adapter';
import { runOn } from './catalog';
import { applyResolutions, holdIntact, keepForReview, queueDifferences, readReviewQueue, stopHolding } from './review-queue';
import { routeOnCopy } from './route-names';
import { RouteSides, marked } from './route-sides';
import { orderByArrival, releaseNewest } from './newest-wins';

/**
 * Before the route publishes: a manual_review route's hold trigger is in place, and when it starts
 * (or is repaired) the values that differ are queued, so no change the sync brings meanwhile
 * overwrites them. Any other rule: no hold trigger.
 */
export async function holdForReview(sides: RouteSides, route: SyncRoute, key: string[]): Promise<number> {
  // newest_wins: its trigger, in place before anything flows (newest-wins.ts).
  await orderByArrival(sides, route);
  if (route.divergence !== 'manual_review') {
    await sides.on('copy', 'stop holding values for review', () => sides.copy.withConnection((db) => stopHolding(db, routeOnCopy(route, route.fields))));
    return 0;
  }
  const r = routeOnCopy(route, route.fields);
  await sides.on('copy', 'hold values for review', () => sides.copy.withConnection((db) => keepForReview(db, r)));
  if (!route.resettle) return 0;
  return sides.on('copy', 'queue the values that differ for review', () => sides.authority.withConnection((authorityDb) =>
    sides.copy.withConnection((copyDb) => queueDifferences(marked('authority', authorityDb), copyDb, { ...r, key }))));
}

/** After the route is in place: the authority's values people chose in the queue are written, as the sync writes. */
export async function writeResolutions(sides: RouteSides, route: SyncRoute): Promise<number> {
  if (route.divergence !== 'manual_review') return 0;
  return sides.on('copy', 'write the resolved values', () => sides.copy.withConnection((db) => applyResolutions(db, routeOnCopy(route, route.fields))));
}

/** The route goes: its hold trigger too (the queue stays). */
export async function releaseReview(sides: RouteSides, r: SyncRouteIdentity): Promise<void> {
  await releaseNewest(sides, r);
  await sides.on('copy', 'stop holding values for review', () => sides.copy.withConnection((db) => stopHolding(db, routeOnCopy(r, []))));
}

/** Read-back: whether the route's hold trigger is intact, and its queue. */
export async function readHold(sides: RouteSides, r: SyncRouteIdentity, columns: readonly string[]): Promise<{ held: boolean; queue?: ReviewQueueState }> {
  return sides.on('copy', 'read its review queue', () => sides.copy.withConnection(async (db) => ({
    held: await holdIntact(runOn(db), routeOnCopy(r, columns)),
    queue: await readReviewQueue(runOn(db), routeOnCopy(r, columns)),
  })));
}
