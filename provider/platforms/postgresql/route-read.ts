/**
 * What a sync route between PostgreSQL platforms looks like now: read back for drift (readRoute)
 * and watched for the reviewer (pairHealth). Changes are in router.ts and pair-steps.ts.
 */
import { FieldLocation, RouteHealth, SyncRouteIdentity, SyncRouteReadBack } from '../adapter';
import {
  SubscriptionFacts, connectionDigest, digestOf, findPublication, findSlot, findSubscription, ignoresReplicatedChanges,
  inspectTable, slotSender, subscriptionStats,
} from './catalog';
import { hasBlankGuard } from './blank-guard';
import { readGuards } from './guard-read';
import { PUBLISHED_ACTIONS } from './pair-steps';
import { reverseRoute } from './route-check';
import { watchPair } from './route-health';
import { syncPairName } from './route-names';
import { entriesOf, readRegistry, routeColumns, unlessBlankColumns } from './route-registry';
import { RouteSides } from './route-sides';
import { readHold } from './review-steps';
import { readNewest } from './newest-wins';
import { MappedRouteSteps } from './mapped-route';
import { readStagedMapping } from './staging';

const keyOf = (r: SyncRouteIdentity) => r.key ?? '';

export async function readRoute(sides: RouteSides, r: SyncRouteIdentity): Promise<SyncRouteReadBack | null> {
  const name = syncPairName(r);
  const loc = r.location;
  const [publication, registry, slot, subscription, copyVersion] = await Promise.all([
    sides.on('authority', 'read its publications', () => findPublication(sides.run('authority'), name, loc)),
    sides.on('authority', 'read its publications', () => readRegistry(sides.run('authority'), name)),
    findSlotOf(sides, name), subscriptionOf(sides, name, loc), sides.version('copy'),
  ]);
  // The route is its entry in the pair's registry; a table without entries (a publication older
  // than keys, or parts left by hand) is the route without a key, as found.
  const routes = entriesOf(registry?.entries ?? [], loc);
  const here = publication?.here;
  const mine = routes.find((e) => e.key === keyOf(r));
  if (routes.length ? !mine : !here && !subscription?.hasTable) return null;
  // The rest reads independent things: all at once (the platforms' shared sessions take them side by side).
  const [source, connects, keepsBlank, guards, hold, ordersByArrival, reverse, stagedMapping] = await Promise.all([
    sides.on('authority', 'read the table', () => inspectTable(sides.authority, loc)),
    subscription ? connectsAsConfigured(sides, name) : false,
    sides.on('copy', 'read its triggers', () => hasBlankGuard(sides.run('copy'), r.authority, loc)),
    sides.on('copy', 'read its triggers', () => readGuards(sides.run('copy'), r.mapping?.location ?? loc)),
    mine ? readHold(sides, r, mine.columns) : undefined,
    mine ? readNewest(sides, r, mine.columns) : undefined,
    reverseRoute(sides, loc),
    r.mapping ? undefined : sides.on('copy', 'read the route\'s staging table', () => readStagedMapping(sides.run('copy'), loc)),
  ]);
  const keyFields = source?.key ?? [];
  const published = here?.columns ?? [];
  const fields = mine ? [...keyFields.filter((k) => published.includes(k)), ...routeColumns(published, keyFields, mine, routes)] : published;
  const publishes = !!publication && !publication.allTables && !!here && here.rowFilter === null &&
    publication.actions === PUBLISHED_ACTIONS && publication.viaRoot && keyFields.length > 0 && keyFields.every((k) => published.includes(k));
  const sent = !!slot && slot.ours;
  const received = !!subscription && subscription.enabled && subscription.slot === name &&
    subscription.publications.length === 1 && subscription.publications[0] === name && subscription.hasTable &&
    (!ignoresReplicatedChanges(copyVersion) || subscription.origin === 'none') && connects;
  // A guard of these columns found off: people could edit the copy meanwhile (settled by the repairing apply).
  // A mapped route's copy is its own table, under its own column names.
  const guarded = r.mapping ? r.mapping.fields : fields;
  const copyUnguarded = guards.some((g) => !g.enforced && g.authority === r.authority && g.columns.some((c) => guarded.includes(c)));
  // ... and it receives through its staging table and mapping trigger, both as the route wants them.
  const staged = !r.mapping || await new MappedRouteSteps(sides).intact(r, keyFields);
  return {
    heldForReview: hold?.held, review: hold?.queue, ordersByArrival,
    fields, keyFields, enabled: publishes && sent && received && staged, keepsAgainstBlank: keepsBlank,
    othersKeepAgainstBlank: unlessBlankColumns(routes.filter((e) => e !== mine)).length > 0,
    divergence: registry?.recorded && mine ? mine.divergence : undefined,
    reverseRoute: reverse !== undefined,
    copyUnguarded,
    mapping: stagedMapping,
  };
}

/** How the pair's receiver runs now (see route-health.ts); `watch` also watches it stream. */
export async function pairHealth(sides: RouteSides, name: string, watch: boolean): Promise<RouteHealth | undefined> {
  const copyVersion = await sides.version('copy');
  return watchPair(name, watch, {
    subscription: () => sides.on('copy', 'read its subscription', () => subscriptionStats(sides.run('copy'), name, copyVersion)),
    sender: () => sides.on('authority', 'read its replication statistics', () => slotSender(sides.run('authority'), name)),
    connectionCurrent: () => connectsAsConfigured(sides, name),
  });
}

/** Whether the pair's subscription connects with the authority's settings of this configuration (true when that cannot be read). */
async function connectsAsConfigured(sides: RouteSides, name: string): Promise<boolean> {
  const digest = await sides.on('copy', 'read its subscription', () => connectionDigest(sides.run('copy'), name));
  return digest === undefined || digest === digestOf(sides.authority.connectionString());
}

function findSlotOf(sides: RouteSides, name: string) {
  return sides.on('authority', 'read its replication slots', () => findSlot(sides.run('authority'), name));
}

async function subscriptionOf(sides: RouteSides, name: string, loc: FieldLocation): Promise<SubscriptionFacts | undefined> {
  const version = await sides.version('copy');
  return sides.on('copy', 'read its subscriptions', () => findSubscription(sides.run('copy'), name, loc, version));
}
