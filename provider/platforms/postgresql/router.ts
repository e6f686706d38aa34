/**
 * Sync routes between PostgreSQL platforms: logical replication from the authority's table to the
 * same table on a copy.
 *
 * Every route from one authority to one copy shares three catalog objects, all carrying the pair's
 * name (syncPairName), so a domain of fifty tables costs one replication slot and one apply worker,
 * not fifty (a server has a few dozen of each, measured: `all replication slots are in use` at 50):
 * - on the authority, a publication holding each routed table with a column list: the record key
 *   (the replica identity: the primary key, or the replica-identity index) plus that table's
 *   governed columns. The list must cover the replica identity, or every UPDATE on the authority
 *   fails. It publishes inserts, updates and deletes, not TRUNCATE: a truncate on the authority
 *   must not wipe the copy's own columns;
 * - on the authority's cluster, a logical replication slot (pgoutput) that keeps changes until the
 *   copy has them. Slot names are unique per cluster: the name covers authority and copy;
 * - on the copy, a subscription to that publication through that slot, with copy_data = false
 *   (copies already hold their rows: an initial copy would fail on duplicate keys) and, from
 *   PostgreSQL 16, origin = none: changes that themselves arrived by replication are not taken,
 *   so the two halves of a declared two-way split do not echo forever. Before 16 they would
 *   (measured: WAL grows on both sides until one is disabled), so a split is refused there; a
 *   route whose reverse exists without a declared split is refused on every version.
 *
 * A route is its columns of its table in that publication (several routes may share a table: the
 * publication sends the union, and its registry says whose columns are whose; see
 * route-registry.ts) and the table among the subscription's tables (pg_subscription_rel).
 * The first route of a pair creates the shared objects, the last one to go drops them; in between
 * a route adds or drops its columns or table (ALTER PUBLICATION, then REFRESH PUBLICATION on the copy). Routes
 * of one pair may be applied at once, by one terraform run or by several domains' runs, so each
 * change to a pair holds an advisory lock on the copy's database.
 *
 * The provider creates the slot on the authority before the subscription (create_slot = false):
 * the subscription can then be created in one transaction with its comment, authority and copy may
 * share a cluster (CREATE SUBSCRIPTION creating its own slot there would wait on itself forever),
 * and a slot left by an apply that failed part-way is found and used by the next one.
 *
 * The copy's apply worker writes with session_replication_role = replica; the copy's guard fires
 * ALWAYS (also in replica sessions) and lets the apply workers through (guard-sql.ts). Files: names and loop
 * rules (route-names.ts), plan's checks (route-check.ts), the pair's steps (pair-steps.ts),
 * membership (route-registry.ts), read-back and health (route-read.ts), settling (settle.ts, reconcile.ts), failures by side (route-sides.ts).
 *
 * The subscription's connection string holds the authority's password: logical replication keeps
 * it in pg_subscription.subconninfo on the copy (readable by superusers only). The provider never
 * reads it back, logs it or returns it (it only asks the copy whether it is unchanged); error text
 * is scrubbed of it, and the statements carrying it are kept out of the copy's server log when the
 * provider's user may say so.
 */
import { escapeIdentifier } from 'pg';
import { Diagnostic, DiagnosticError, RefusedError } from '../../framework';
import { Comparison, ReviewQueueState, RouteHealth, SyncRoute, SyncRouteIdentity, PlatformNames, SyncRouteReadBack, SyncRouter, settlesAtStart } from '../adapter';
import type { PostgresConnection } from './connection';
import { ORIGIN_NONE_SINCE, inspectTable, missingTable, noKey } from './catalog';
import { compareRows, compareStatements } from './reconcile';
import { checkRoute, reverseRoute } from './route-check';
import { loopRefusals, syncPairName } from './route-names';
import { pairHealth, readRoute } from './route-read';
import { RouteEntry, pairWords, readRegistry, routeClash, unlessBlankColumns } from './route-registry';
import { RouteSides, Side, markedRun } from './route-sides';
import { SettleSpec, asTableOwner, compared, markAndPause, pause, pendingSettle, resume, settleRows } from './settle';
import { PairSteps } from './pair-steps';
import { holdForReview, readHold, releaseReview, writeResolutions } from './review-steps';
import { Applied, BatchHost, pairQueues } from './batch-routes';
import { Queued } from './pair-queue';
import { MappedRouteSteps } from './mapped-route';
import { dropUnusedClocks, keepClocks, publishClock, receiveClock, releaseClocks } from './two-way-clock';

export { loopRefusals, syncPairName };

/** How long an apply waits for another one working on the same pair. */
const PAIR_LOCK_WAIT = '30min';

/** Each pair is watched once per provider process (one terraform command), however many routes it carries. */
const healthChecks = new WeakMap<PostgresConnection, Map<string, Promise<RouteHealth | undefined>>>();

const keyOf = (r: SyncRouteIdentity) => r.key ?? '';

export class PostgresSyncRouter implements SyncRouter, BatchHost {
  public readonly sides: RouteSides;
  public readonly steps: PairSteps;
  private readonly mapped: MappedRouteSteps;

  constructor(
    private readonly authority: PostgresConnection,
    private readonly copy: PostgresConnection,
  ) {
    this.sides = new RouteSides(authority, copy);
    this.steps = new PairSteps(this.sides);
    this.mapped = new MappedRouteSteps(this.sides);
  }

  /** The pair's publication and subscription (and slot) share one name. */
  public platformNames(r: SyncRouteIdentity): PlatformNames {
    const name = syncPairName(r);
    return { publication: name, subscription: name };
  }

  public checkRoute(route: SyncRoute): Promise<{ diagnostics: Diagnostic[]; keyFields?: string[] }> {
    return checkRoute(this.sides, route);
  }

  public readRoute(r: SyncRouteIdentity): Promise<SyncRouteReadBack | null> {
    return readRoute(this.sides, r);
  }

  /** Routes of one pair that terraform applies together wait for the pair once (batch-routes.ts). */
  public applyRoute(route: SyncRoute): Promise<Applied> {
    return pairQueues(this.copy, syncPairName(route), () => this).apply.submit(route);
  }

  public removeRoute(r: SyncRouteIdentity): Promise<void> {
    return pairQueues(this.copy, syncPairName(r), () => this).remove.submit(r);
  }

  public async applyOne(route: SyncRoute): Promise<Applied> {
    const name = syncPairName(route);
    const loc = route.location;
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, loc));
    if (!source || source.key.length === 0) {
      throw new DiagnosticError(source ? noKey(`${loc.namespace}.${loc.container}`, `on ${this.authority.describe()}`, source.replicaIdentity)
        : await missingTable(this.authority, loc, `on ${this.authority.describe()}, the authority`, 'Fix the table name, or create the table first.'));
    }
    const spec: SettleSpec = { location: loc, key: source.key, fields: route.fields, divergence: route.divergence, routeKey: keyOf(route), mapping: route.mapping };
    const entry: RouteEntry = { schema: loc.namespace, table: loc.container, key: keyOf(route), columns: route.fields, divergence: route.divergence };
    let settled: Comparison | undefined;
    let queued = 0;
    await this.withoutLoops(route, () => this.exclusively(name, async () => {
      await this.refuseClash(name, route);
      await this.finishSettle(name, route.authority);
      // manual_review: conflicting values are held, and those that differ now are queued, before anything flows.
      queued = await holdForReview(this.sides, route, source.key);
      // Two-way newest_wins: both sides stamp their writes before anything flows, and the clock travels with the table.
      await keepClocks(this.sides, route);
      const { joins, routes } = await this.steps.publish(name, route, entry, source.key);
      await publishClock(this.sides, name, route);
      await this.steps.keepSlot(name);
      // A mapped route receives into a staging table of the authority's name on the copy.
      const staged = route.mapping ? await this.mapped.stage(loc, route.mapping, source.key) : undefined;
      await this.steps.keepAgainstBlank(route.authority, loc, unlessBlankColumns(routes));
      const subscribed = await this.steps.subscribe(name, route, spec);
      await receiveClock(this.sides, name, route);
      // A new subscription starts switched off when the route settles. A route joining a running
      // subscription (its table taken in, or its columns added to a table already there) is
      // compared first; the receiver pauses only when there is something to settle.
      // A route found altered (its copy's guard was off) settles like one that joins.
      const joined = subscribed ?? (joins || route.resettle || staged ? 'extended' : undefined);
      // A mapped route's staging table is filled as it starts, whatever the rule.
      if (!joined || !(settlesAtStart(route.divergence) || route.mapping)) return;
      if (joined !== 'created') {
        if (!route.mapping && (await this.compare(spec)).differing === 0) return;
        await this.pauseFor(name, route.authority, spec);
      }
      settled = await this.settleAndResume(name, route, spec);
    }));
    const resolved = await writeResolutions(this.sides, route);
    return { key: source.key, settled, queued, resolved };
  }

  /**
   * Settles a route that joined the pair while its receiver is paused, then resumes it. The
   * subscription's comment names the settle until then, so a settle cut short (the provider killed,
   * the copy refusing) is finished by the next apply of any route of the pair (finishSettle).
   * If the settle fails, the route leaves the pair again and the receiver resumes: the pair's other
   * routes flow on, and the next apply joins the route and settles it anew.
   */
  public async settleAndResume(name: string, route: SyncRouteIdentity, spec: SettleSpec): Promise<Comparison> {
    let settled: Comparison;
    try {
      settled = await this.settle(spec);
    } catch (e) {
      const left = await this.leave(name, route).then(() => undefined, (l: Error) => l);
      if (left && e instanceof DiagnosticError) {
        throw new DiagnosticError({
          ...e.diagnostic,
          detail: `${e.diagnostic.detail ?? ''} Taking the route out of the pair again failed too (${this.sides.scrub(left.message)}); ` +
            'the next apply finishes the settle.',
        });
      }
      throw e;
    }
    await this.on('copy', 'resume the route', () => this.copy.withConnection((db) => resume(db, name, route.authority)));
    return settled;
  }

  /** Names the settle in the subscription's comment and pauses the pair's receiver. */
  public pauseFor(name: string, authority: string, spec: SettleSpec): Promise<void> {
    return this.on('copy', 'pause the route', () => this.copy.withConnection((db) => markAndPause(db, name, authority, spec)));
  }

  /** Under the pair's lock: plan's check that the route breaks none of the pair's others, again (another apply may have run since). */
  public async refuseClash(name: string, route: SyncRoute): Promise<void> {
    const registry = await this.on('authority', 'read its routes', () => readRegistry(this.sides.run('authority'), name));
    const clash = registry && routeClash(registry.entries, route, pairWords(route));
    if (clash) throw new RefusedError(clash);
  }

  /** Finishes a settle the subscription's comment says was cut short, before anything else changes the pair. */
  public async finishSettle(name: string, authority: string): Promise<void> {
    const pending = await this.pendingSettle(name);
    if (!pending) return;
    if (pending.mapping) await this.mapped.trust(name, { ...pending, mapping: pending.mapping });
    await this.on('copy', 'pause the route', () => this.copy.withConnection((db) => pause(db, name)));
    await this.settleAndResume(name, { authority, copy: this.copy.name, location: pending.location, key: pending.routeKey }, pending);
  }

  public pendingSettle(name: string): Promise<SettleSpec | undefined> {
    return this.on('copy', 'read its subscription', () => pendingSettle(this.sides.run('copy'), name, this.sides.run('authority')));
  }

  /**
   * Takes a route that failed to settle out of the pair (its columns; its table too when it was the
   * table's only route), and lets the receiver run.
   */
  private async leave(name: string, route: SyncRouteIdentity): Promise<void> {
    const { routes } = await this.steps.unpublish(name, route);
    await this.copy.withConnection(async (db) => {
      await resume(db, name, route.authority);
      if (routes.length === 0) await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} REFRESH PUBLICATION WITH (copy_data = false)`);
    });
  }

  /**
   * Settles the values of a route that just joined, while the pair's receiver is paused: the
   * authority's values are read after the pause, so the changes the receiver replays when it
   * resumes are either already in them (and rewrite the same values) or newer. Nothing is lost,
   * and nothing older overwrites something newer.
   */
  private settle(spec: SettleSpec): Promise<Comparison> {
    if (spec.mapping) return this.mapped.compare({ ...spec, mapping: spec.mapping }, true);
    return this.on('copy', 'settle the copy\'s diverged values', () => this.authority.withConnection((authorityDb) =>
      this.copy.withConnection((copyDb) => settleRows(authorityDb, copyDb, spec))));
  }

  public async compareRoute(route: SyncRoute): Promise<Comparison | undefined> {
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, route.location));
    if (!source || source.key.length === 0) return undefined;
    return this.compare({ location: route.location, key: source.key, fields: route.fields, divergence: route.divergence, mapping: route.mapping });
  }

  public unmatchedRows(r: SyncRouteIdentity): Promise<number | undefined> {
    return this.mapped.unmatched(r);
  }

  public compare(spec: SettleSpec): Promise<Comparison> {
    if (spec.mapping) return this.mapped.compare({ ...spec, mapping: spec.mapping }, false);
    // Read on both sides as the table's owner: what the owner defined for the table (a cast to json, a
    // domain's check) runs with the owner's rights, never the provider's.
    const comparison = compared(spec, false);
    const declared = compareStatements(comparison);
    return this.on('copy', 'compare the copy\'s values', () => this.authority.withConnection((authorityDb) => this.copy.withConnection((copyDb) =>
      asTableOwner(authorityDb, spec.location, (authority) => asTableOwner(copyDb, spec.location, (copy) => compareRows({
        authority: markedRun('authority', authority), copy, ...comparison,
      }), declared.copy), declared.authority))));
  }

  public async removeOne(r: SyncRouteIdentity): Promise<void> {
    const name = syncPairName(r);
    const loc = r.location;
    await this.exclusively(name, async () => {
      // A settle cut short: of this route, it is moot now; of another, it is finished first.
      const pending = await this.pendingSettle(name);
      if (pending && pending.location.namespace === loc.namespace && pending.location.container === loc.container && (pending.routeKey ?? '') === keyOf(r)) {
        await this.on('copy', 'resume the route', () => this.copy.withConnection((db) => resume(db, name, r.authority)));
      } else if (pending) {
        await this.finishSettle(name, r.authority);
      }
      // 0. Two-way newest_wins: no side stamps its writes, and the authority's clock table leaves the publication.
      const clocked = await releaseClocks(this.sides, name, r);
      // 1. The authority stops sending the route's columns (the table, when it was the table's
      //    last route): from its commit on, no change of them flows.
      const { routes, publication } = await this.steps.unpublish(name, r);
      await this.steps.keepAgainstBlank(r.authority, loc, unlessBlankColumns(routes));
      await releaseReview(this.sides, r);
      // Other routes of the table: the copy keeps receiving it.
      if (routes.length === 0) {
        await this.steps.forgetTable(name, loc, publication);
        // The staging table goes after the copy stopped receiving into it.
        if (r.mapping) await this.mapped.unstage(loc);
      }
      // The clock table, once nothing more can arrive for it.
      if (clocked) await dropUnusedClocks(this.sides, name, r);
    });
  }

  /**
   * Runs a change to the pair's shared objects while holding the pair's advisory lock on the
   * copy's database: routes of one pair applied at once (one run's parallel resources, or several
   * domains' runs) would otherwise both create the subscription, or one would drop it under the other.
   */
  public async exclusively(name: string, work: () => Promise<void>): Promise<void> {
    await this.holding('copy', name, work);
  }

  /**
   * A route and its reverse on one table, without a declared two-way split, are refused (and
   * before PostgreSQL 16 would send every change back and forth forever). Plan refuses a route
   * whose reverse exists, but both may be created in one apply: routes of either direction on a
   * table take one lock (on the database of the platform whose name sorts first), and the second
   * finds the first.
   */
  private async withoutLoops(route: SyncRoute, work: () => Promise<void>): Promise<void> {
    const [authorityVersion, copyVersion] = await Promise.all([this.version('authority'), this.version('copy')]);
    if (route.twoWay && authorityVersion >= ORIGIN_NONE_SINCE && copyVersion >= ORIGIN_NONE_SINCE) return work();
    const loc = route.location;
    const [first, second] = [route.authority, route.copy].sort();
    await this.holding(first === route.authority ? 'authority' : 'copy', JSON.stringify([first, second, loc.namespace, loc.container]), async () => {
      // By now a route reversed in place has left the other direction: no exception for it.
      const reverse = route.twoWay ? undefined : await reverseRoute(this.sides, loc);
      const refused = loopRefusals({
        authority: route.authority, copy: route.copy, table: `${loc.namespace}.${loc.container}`,
        authorityVersion, copyVersion, twoWay: route.twoWay, reverseRoute: reverse,
      });
      if (refused.length) throw new DiagnosticError(refused[0]);
      await work();
    });
  }

  /**
   * withoutLoops for the routes of a batch (one pair): the locks of their tables, taken in order on
   * one connection, then the loop rules per route; a route they refuse is answered at once.
   */
  public async withoutLoopsAll(batch: Queued<SyncRoute, Applied>[], work: (admitted: Queued<SyncRoute, Applied>[]) => Promise<void>): Promise<void> {
    const [authorityVersion, copyVersion] = await Promise.all([this.version('authority'), this.version('copy')]);
    const free = (r: SyncRoute) => r.twoWay && authorityVersion >= ORIGIN_NONE_SINCE && copyVersion >= ORIGIN_NONE_SINCE;
    const [first, second] = [this.authority.name, this.copy.name].sort();
    const tableKey = (r: SyncRoute) => JSON.stringify([first, second, r.location.namespace, r.location.container]);
    const keys = [...new Set(batch.filter((q) => !free(q.item)).map((q) => tableKey(q.item)))].sort();
    await this.holding(first === this.authority.name ? 'authority' : 'copy', keys, async () => {
      const admitted: Queued<SyncRoute, Applied>[] = [];
      for (const q of batch) {
        const route = q.item;
        const loc = route.location;
        const reverse = free(route) || route.twoWay ? undefined : await reverseRoute(this.sides, loc);
        const refused = free(route) ? [] : loopRefusals({
          authority: route.authority, copy: route.copy, table: `${loc.namespace}.${loc.container}`,
          authorityVersion, copyVersion, twoWay: route.twoWay, reverseRoute: reverse,
        });
        if (refused.length) q.reject(new DiagnosticError(refused[0]));
        else admitted.push(q);
      }
      await work(admitted);
    });
  }

  /** Runs `work` holding session-level advisory locks named `keys` (in this order) on one side's database. */
  private async holding(side: Side, keys: string | string[], work: () => Promise<void>): Promise<void> {
    await this.on(side, 'lock the sync routes', () => this.sides.pg(side).withConnection(async (db) => {
      // Released when this connection ends, also if the provider dies. Its holder is another
      // apply doing the same work (a settle of a large table takes minutes), not a forgotten
      // transaction: wait for it longer than wait_timeout. It sits idle while the work runs on
      // other connections: a server's idle_session_timeout must not end it in the middle.
      await db.query(`SET lock_timeout = '${PAIR_LOCK_WAIT}'`);
      await db.query('SET idle_session_timeout = 0').catch(() => undefined); // before 14 there is none
      for (const key of typeof keys === 'string' ? [keys] : keys) {
        await db.query("SELECT pg_advisory_lock(hashtext('authority sync route'), hashtext($1))", [key]);
      }
      // The steps raise diagnostics naming their own side.
      await work();
    }));
  }

  /** How the pair's receiver runs (see route-health.ts); watched once per pair and process. */
  public async health(r: SyncRouteIdentity, watch = true): Promise<RouteHealth | undefined> {
    const name = syncPairName(r);
    if (!watch) return pairHealth(this.sides, name, false);
    let found = healthChecks.get(this.copy)?.get(name);
    if (!found) {
      found = pairHealth(this.sides, name, true);
      if (!healthChecks.has(this.copy)) healthChecks.set(this.copy, new Map());
      healthChecks.get(this.copy)!.set(name, found);
    }
    return found;
  }

  public async reviewQueue(route: SyncRoute): Promise<ReviewQueueState | undefined> {
    return (await readHold(this.sides, route, route.fields)).queue;
  }

  private version(side: Side): Promise<number> {
    return this.sides.version(side);
  }

  private on<T>(side: Side, doing: string, work: () => Promise<T>): Promise<T> {
    return this.sides.on(side, doing, work);
  }
}
