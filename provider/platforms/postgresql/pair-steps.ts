/**
 * The steps that change a pair's shared objects, each converging from any partial state; the
 * router runs them under the pair's lock. The publication's registry says which route sends which
 * columns of a table (route-registry.ts).
 */
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { FieldLocation, SyncRoute, SyncRouteIdentity, sameSet, settlesAtStart } from '../adapter';
import { inTransaction } from './connection';
import { hasBlankGuard, installBlankGuard, removeBlankGuard } from './blank-guard';
import { PublicationFacts, connectionDigest, digestOf, findPublication, findSlot, findSubscription, ignoresReplicatedChanges, inspectTable, runOn } from './catalog';
import { RouteEntry, entriesOf, publicationComment, publishedColumns, readRegistry, withEntry, withoutEntry } from './route-registry';
import { RouteSides } from './route-sides';
import { createSlot, quietStatements } from './route-statements';
import { SettleSpec, subscriptionComment } from './settle';
import { tableRef } from './guard-sql';

/** What the publication sends: not TRUNCATE (it would empty the copy, local columns and all). */
export const PUBLISHED_ACTIONS = 'insert, update, delete';
/**
 * A partitioned table is published as itself (its column list applies to it, and the copy holds
 * one table of that name, partitioned or not), not as its partitions.
 */
const PUBLICATION_OPTIONS = `publish = '${PUBLISHED_ACTIONS}', publish_via_partition_root = true`;


/**
 * Statements that make the publication send `sent` of the table (nothing when empty), with
 * `comment`. A table's column list changes by dropping and adding it in one transaction.
 */
export function publicationStatements(name: string, loc: FieldLocation, found: PublicationFacts | undefined, sent: string[], comment: string, commentNow: string | null): string[] {
  const q = escapeIdentifier(name);
  const table = tableRef(loc);
  const target = `${table} (${sent.map(escapeIdentifier).join(', ')})`;
  const setComment = comment === commentNow ? [] : [`COMMENT ON PUBLICATION ${q} IS ${escapeLiteral(comment)}`];
  if (!found) return sent.length ? [`CREATE PUBLICATION ${q} FOR TABLE ${target} WITH (${PUBLICATION_OPTIONS})`, `COMMENT ON PUBLICATION ${q} IS ${escapeLiteral(comment)}`] : [];
  const same = !!found.here && found.here.rowFilter === null && sameSet(found.here.columns, sent);
  return [
    ...(found.actions === PUBLISHED_ACTIONS && found.viaRoot ? [] : [`ALTER PUBLICATION ${q} SET (${PUBLICATION_OPTIONS})`]),
    ...(found.here && (!same || sent.length === 0) ? [`ALTER PUBLICATION ${q} DROP TABLE ${table}`] : []),
    ...(same || sent.length === 0 ? [] : [`ALTER PUBLICATION ${q} ADD TABLE ${target}`]),
    ...setComment,
  ];
}

export class PairSteps {
  constructor(private readonly sides: RouteSides) {}

  /**
   * 1. The authority publishes the key and the union of the table's routes' columns, beside the
   * pair's other tables, and records the route. Says whether the route is new on a table already
   * published (its columns join), and the table's routes now.
   */
  public async publish(name: string, route: SyncRoute, entry: RouteEntry, key: string[]): Promise<{ joins: boolean; routes: RouteEntry[] }> {
    const { authority, copy } = this.sides;
    return this.sides.on('authority', 'publish the table', () => authority.withConnection(async (db) => {
      const found = await findPublication(runOn(db), name, route.location);
      if (found?.allTables) {
        throw new Error(`publication "${name}" was changed to publish all tables; drop it (DROP PUBLICATION ${escapeIdentifier(name)}) and apply again to recreate it`);
      }
      const registry = await readRegistry(runOn(db), name);
      const before = entriesOf(registry?.entries ?? [], route.location);
      const entries = withEntry(registry?.entries ?? [], entry, route.replacesKey);
      const routes = entriesOf(entries, route.location);
      const comment = publicationComment(authority.name, copy.name, entries);
      const statements = publicationStatements(name, route.location, found, publishedColumns(key, routes), comment, registry?.comment ?? null);
      if (statements.length) await inTransaction(db, statements);
      return { joins: !!found?.here && !before.some((e) => e.key === entry.key || e.key === route.replacesKey), routes };
    }));
  }

  /**
   * The authority stops sending the route's columns, and forgets the route; when it was the
   * table's last route, the table leaves the publication. Returns the table's
   * routes left, and the publication as it was.
   */
  public async unpublish(name: string, r: SyncRouteIdentity): Promise<{ routes: RouteEntry[]; publication?: PublicationFacts }> {
    const { authority, copy } = this.sides;
    const source = await this.sides.on('authority', 'read the table', () => inspectTable(authority, r.location));
    return this.sides.on('authority', 'stop publishing the route\'s columns', () => authority.withConnection(async (db) => {
      const found = await findPublication(runOn(db), name, r.location);
      const registry = await readRegistry(runOn(db), name);
      if (!found || found.allTables || !registry) return { routes: [], publication: found };
      const entries = withoutEntry(registry.entries, r.location, r.key ?? '');
      const routes = entriesOf(entries, r.location);
      const sent = routes.length ? publishedColumns(source?.key ?? [], routes) : [];
      const comment = publicationComment(authority.name, copy.name, entries);
      const statements = publicationStatements(name, r.location, found, sent, comment, registry.comment);
      if (statements.length) await inTransaction(db, statements);
      return { routes, publication: found };
    }));
  }

  /** 2. A slot keeps the authority's changes until the copy has them. */
  public async keepSlot(name: string): Promise<void> {
    const { authority } = this.sides;
    await this.sides.on('authority', 'create the replication slot', () => authority.withConnection(async (db) => {
      const slot = await findSlot(runOn(db), name);
      if (slot && !slot.ours) throw new Error(`replication slot "${name}" exists but is not a logical pgoutput slot of this database`);
      if (!slot) await createSlot(db, name, authority.waitSeconds());
    }));
  }

  /** 3. On the copy, the table's authority_unless_blank routes keep the copy's values against blank ones: their columns, or none. */
  public async keepAgainstBlank(authority: string, loc: FieldLocation, columns: string[]): Promise<void> {
    await this.sides.on('copy', 'keep its values against blank ones', () => this.sides.copy.withConnection(async (db) => {
      if (columns.length === 0) return removeBlankGuard(db, authority, loc);
      const installed = await hasBlankGuard(runOn(db), authority, loc);
      await inTransaction(db, installBlankGuard(authority, loc, columns, installed));
    }));
  }

  /**
   * 4. The copy subscribes through the slot and takes the table in. Says whether the table just
   * joined, and how: a new subscription (switched off when the route settles), or a refresh.
   */
  public async subscribe(name: string, route: SyncRoute, spec: SettleSpec): Promise<'created' | 'refreshed' | undefined> {
    const q = escapeIdentifier(name);
    const copyVersion = await this.sides.version('copy');
    const originNone = ignoresReplicatedChanges(copyVersion);
    // A mapped route's staging table is filled while the receiver waits, whatever the rule.
    const settles = settlesAtStart(route.divergence) || !!route.mapping;
    return this.sides.on('copy', 'subscribe to the authority', () => this.sides.copy.withConnection(async (db) => {
      const found = await findSubscription(runOn(db), name, route.location, copyVersion);
      const connection = this.sides.authority.connectionString();
      const quiet = await quietStatements(db, copyVersion);
      if (!found) {
        // Takes every table the publication holds now, this one included, without copying rows.
        const options = [
          'copy_data = false', 'create_slot = false', `slot_name = ${escapeLiteral(name)}`,
          ...(originNone ? ['origin = none'] : []), ...(settles ? ['enabled = false'] : []),
        ];
        await inTransaction(db, [
          ...quiet,
          `CREATE SUBSCRIPTION ${q} CONNECTION ${escapeLiteral(connection)} PUBLICATION ${q} WITH (${options.join(', ')})`,
          `COMMENT ON SUBSCRIPTION ${q} IS ${escapeLiteral(subscriptionComment(route.authority, settles ? spec : undefined))}`,
        ]);
        return 'created';
      }
      // The authority's connection settings may have changed since (a new password, a new host).
      // Altering the connection restarts the pair's apply worker, so only when it did change.
      const reconnect = (await connectionDigest(runOn(db), name)) !== digestOf(connection);
      const repairs = [
        ...(reconnect ? [`ALTER SUBSCRIPTION ${q} CONNECTION ${escapeLiteral(connection)}`] : []),
        ...(found.publications.length === 1 && found.publications[0] === name ? [] : [`ALTER SUBSCRIPTION ${q} SET PUBLICATION ${q} WITH (refresh = false)`]),
        ...(found.slot === name ? [] : [`ALTER SUBSCRIPTION ${q} SET (slot_name = ${escapeLiteral(name)})`]),
        ...(originNone && found.origin !== 'none' ? [`ALTER SUBSCRIPTION ${q} SET (origin = none)`] : []),
        ...(found.enabled ? [] : [`ALTER SUBSCRIPTION ${q} ENABLE`]),
      ];
      if (repairs.length) await inTransaction(db, [...quiet, ...repairs]);
      if (found.hasTable) return undefined;
      // Take the table in without copying rows. Refuses a transaction block.
      await db.query(`ALTER SUBSCRIPTION ${q} REFRESH PUBLICATION WITH (copy_data = false)`);
      return 'refreshed';
    }));
  }

  /**
   * After the table's last route left the publication: with other tables in the pair, the copy
   * only forgets the table; otherwise the subscription, the slot and the publication go.
   */
  public async forgetTable(name: string, loc: FieldLocation, publication: PublicationFacts | undefined): Promise<void> {
    const q = escapeIdentifier(name);
    const { authority, copy } = this.sides;
    const copyVersion = await this.sides.version('copy');
    const subscription = await this.sides.on('copy', 'read its subscriptions', () => findSubscription(this.sides.run('copy'), name, loc, copyVersion));
    // The publication is the record of the pair's routes (a subscription that cannot refresh keeps
    // stale entries, which receive nothing); without it the pair is broken, and its other routes
    // are recreated anyway.
    const others = publication && !publication.allTables ? publication.others : 0;
    if (others > 0) {
      if (subscription?.hasTable && subscription.enabled) {
        await this.sides.on('copy', 'stop receiving the table', () => copy.withConnection((db) => db.query(`ALTER SUBSCRIPTION ${q} REFRESH PUBLICATION WITH (copy_data = false)`)));
      }
      return;
    }
    // The last route of the pair: the copy stops receiving first (DROP SUBSCRIPTION also drops its
    // slot on the authority), then the slot and the publication go.
    if (subscription) await this.sides.on('copy', 'drop the subscription', () => copy.withConnection((db) => dropSubscription(db, name)));
    await this.sides.on('authority', 'drop the replication slot and the publication', () => authority.withConnection(async (db) => {
      for (let attempt = 0; ; attempt++) {
        const slot = await findSlot(runOn(db), name);
        if (!slot?.ours) break;
        // The copy's sender may take a moment to exit after its subscription went.
        if (!slot.active || attempt >= 50) {
          await db.query('SELECT pg_drop_replication_slot($1)', [name]);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await db.query(`DROP PUBLICATION IF EXISTS ${q}`);
    }));
  }
}

/**
 * Statements that drop the pair's subscription without a trace. Its comment goes first: a
 * subscription's comment sits in pg_description, and DROP SUBSCRIPTION leaves it there (it
 * clears pg_shdescription only; measured on PostgreSQL 18).
 */
export function dropSubscriptionStatements(name: string, detachSlot: boolean): string[] {
  const q = escapeIdentifier(name);
  return [
    `COMMENT ON SUBSCRIPTION ${q} IS NULL`,
    ...(detachSlot ? [`ALTER SUBSCRIPTION ${q} DISABLE`, `ALTER SUBSCRIPTION ${q} SET (slot_name = NONE)`] : []),
    `DROP SUBSCRIPTION ${q}`,
  ];
}

async function dropSubscription(db: Client, name: string): Promise<void> {
  try {
    for (const sql of dropSubscriptionStatements(name, false)) await db.query(sql);
  } catch {
    // The copy could not drop the slot on the authority (unreachable from the copy, or the slot is
    // gone): detach the slot, drop the subscription, and drop the slot from the authority after.
    for (const sql of dropSubscriptionStatements(name, true)) await db.query(sql);
  }
}

