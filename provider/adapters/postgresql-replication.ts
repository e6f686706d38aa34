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
 *   so two routes on one table in opposite directions do not echo forever. Before 16 they would
 *   (measured: WAL grows on both sides until one is disabled), so such a pair is refused.
 *
 * A route is its table in that publication and in the subscription's tables (pg_subscription_rel).
 * The first route of a pair creates the shared objects, the last one to go drops them; in between
 * a route adds or drops its table (ALTER PUBLICATION, then REFRESH PUBLICATION on the copy). Routes
 * of one pair may be applied at once, by one terraform run or by several domains' runs, so each
 * change to a pair holds an advisory lock on the copy's database.
 *
 * The provider creates the slot on the authority before the subscription (create_slot = false):
 * the subscription can then be created in one transaction with its comment, authority and copy may
 * share a cluster (CREATE SUBSCRIPTION creating its own slot there would wait on itself forever),
 * and a slot left by an apply that failed part-way is found and used by the next one.
 *
 * The copy's apply worker writes with session_replication_role = replica, so the copy's guard
 * trigger (ENABLE ORIGIN) does not fire for it while it still refuses people.
 *
 * The subscription's connection string holds the authority's password: logical replication keeps
 * it in pg_subscription.subconninfo on the copy (readable by superusers only). The provider never
 * reads it back, logs it or returns it (it only asks the copy whether it is unchanged); error text
 * is scrubbed of it, and the statements carrying it are kept out of the copy's server log when the
 * provider's user may say so.
 */
import { createHash } from 'node:crypto';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { Diagnostic, DiagnosticError } from '../framework';
import { Comparison, Divergence, FieldLocation, RouteHealth, SyncRoute, SyncRouteIdentity, SyncRouteNames, SyncRouteReadBack, SyncRouter, settlesAtStart } from './adapter';
import { PostgresAdapter, UnreachablePlatformError, inTransaction, sameSet } from './postgresql';
import {
  COLUMN_LISTS_SINCE, ORIGIN_NONE_SINCE, SubscriptionFacts, connectionDigest, digestOf, findPublication, findSlot,
  Run, findSubscription, ignoresReplicatedChanges, inspectTable, missingTable, noKey, runOn, slotSender, subscriptionStats,
} from './postgresql-catalog';
import { hasBlankGuard, installBlankGuard, removeBlankGuard } from './postgresql-blank-guard';
import { compareRows } from './postgresql-reconcile';
import { watchPair } from './postgresql-route-health';

/** How long an apply waits for another one working on the same pair. */
const PAIR_LOCK_WAIT = '30min';
/** SQLSTATE query_canceled: statement_timeout ran out. */
const QUERY_CANCELED = '57014';
/** PostgreSQL's NAMEDATALEN - 1. */
const MAX_NAME_BYTES = 63;
const NAME_PREFIX = 'authority_';
/** What the publication sends: not TRUNCATE (it would empty the copy, local columns and all). */
const PUBLISHED_ACTIONS = 'insert, update, delete';
/**
 * A partitioned table is published as itself (its column list applies to it, and the copy holds
 * one table of that name, partitioned or not), not as its partitions.
 */
const PUBLICATION_OPTIONS = `publish = '${PUBLISHED_ACTIONS}', publish_via_partition_root = true`;
type Side = 'authority' | 'copy';

/** Each pair is watched once per provider process (one terraform command), however many routes it carries. */
const healthChecks = new WeakMap<PostgresAdapter, Map<string, Promise<RouteHealth | undefined>>>();

/**
 * The name of the publication, subscription and slot every route from `authority` to `copy`
 * shares: `authority_<authority>_to_<copy>_<hash>` when the names are plain and short (the hash
 * keeps "a_to_b"+"c" apart from "a"+"to_b_c"), otherwise `authority_pair_<hash>`. At most 63
 * bytes, only a-z, 0-9 and "_" (what slot names allow).
 */
export function syncPairName(r: { readonly authority: string; readonly copy: string }): string {
  const hash = createHash('sha256').update(JSON.stringify([r.authority, r.copy])).digest('hex');
  const readable = `${NAME_PREFIX}${r.authority}_to_${r.copy}`.replace(/-/g, '_');
  if (/^[a-z0-9_]+$/.test(readable) && readable.length + 7 <= MAX_NAME_BYTES) return `${readable}_${hash.slice(0, 6)}`;
  return `${NAME_PREFIX}pair_${hash.slice(0, 16)}`;
}

/**
 * Which routes would loop, refused at plan. Both halves of a split on one table stop echoing only
 * when every subscription ignores replicated changes: the subscriber asks (16+), the publisher
 * filters (16+). So a declared two-way route, or a route whose reverse already exists, needs 16
 * on both servers.
 */
export function loopRefusals(o: {
  authority: string; copy: string; table: string;
  authorityVersion: number; copyVersion: number; twoWay: boolean;
  /** The reverse route found on the platforms (its subscription on the authority), if any. */
  reverseRoute?: string;
}): Diagnostic[] {
  const older = [[o.authority, o.authorityVersion], [o.copy, o.copyVersion]].filter(([, v]) => (v as number) < ORIGIN_NONE_SINCE) as [string, number][];
  if (older.length === 0) return [];
  const runs = older.map(([name, v]) => `"${name}" runs PostgreSQL ${Math.floor(v / 10000)}`).join(' and ');
  const why = 'Before PostgreSQL 16 a subscription cannot ignore changes that themselves arrived by replication, so two routes on one table in opposite directions send every change back and forth forever.';
  if (o.twoWay) {
    return [{
      severity: 'error',
      summary: `two_way needs PostgreSQL 16 or later on both platforms: ${runs}`,
      detail: `${why} Upgrade both servers to 16 or later, or split the fields into one table per direction and declare two one-way routes (two_way = false).`,
      attribute: ['two_way'],
    }];
  }
  if (o.reverseRoute) {
    return [{
      severity: 'error',
      summary: `A route from "${o.copy}" back to "${o.authority}" on ${o.table} already exists (subscription "${o.reverseRoute}" on "${o.authority}"), and ${runs}`,
      detail: `${why} This route would close that loop. Keep one direction per table (move the other fields to their own table), or upgrade both servers to 16 or later and declare both routes two_way.`,
      attribute: ['copy'],
    }];
  }
  return [];
}

export class PostgresSyncRouter implements SyncRouter {
  private readonly versions = new Map<Side, Promise<number>>();

  constructor(
    private readonly authority: PostgresAdapter,
    private readonly copy: PostgresAdapter,
  ) {}

  public names(r: SyncRouteIdentity): SyncRouteNames {
    const name = syncPairName(r);
    return { publication: name, subscription: name };
  }

  public async checkRoute(route: SyncRoute): Promise<{ diagnostics: Diagnostic[]; keyFields?: string[] }> {
    const diags: Diagnostic[] = [];
    const loc = route.location;
    const table = `${loc.namespace}.${loc.container}`;
    const [authorityVersion, copyVersion] = await Promise.all([this.version('authority'), this.version('copy')]);
    const at = (side: Side) => `on ${this.pg(side).describe()}, the ${side}`;

    // The authority: can publish, and its table has a key the copy can find rows by.
    if (authorityVersion < COLUMN_LISTS_SINCE) {
      diags.push({
        severity: 'error',
        summary: `The authority "${route.authority}" runs PostgreSQL ${Math.floor(authorityVersion / 10000)}; a sync route needs 15 or later`,
        detail: 'A route sends only the governed columns, which needs publication column lists (PostgreSQL 15). Upgrade the server.',
        attribute: ['authority'],
      });
      return { diagnostics: diags };
    }
    const [walLevel, authorityRole] = await this.on('authority', 'read its settings', () => Promise.all([
      this.authority.query<{ wal_level: string }>('SHOW wal_level'),
      this.authority.query<{ may: boolean }>('SELECT rolsuper OR rolreplication AS may FROM pg_roles WHERE rolname = current_user'),
    ]));
    if (walLevel.rows[0].wal_level !== 'logical') {
      diags.push({
        severity: 'error',
        summary: `The authority "${route.authority}" cannot publish changes: wal_level is ${walLevel.rows[0].wal_level}`,
        detail: 'Set wal_level = logical in the server\'s configuration and restart it.',
        attribute: ['authority'],
      });
    }
    if (!authorityRole.rows[0]?.may) {
      diags.push({
        severity: 'error',
        summary: `The provider's user on "${route.authority}" may not replicate`,
        detail: 'The copy connects to the authority as that user to receive changes. Give it the REPLICATION attribute (ALTER ROLE ... REPLICATION), or use a superuser.',
        attribute: ['authority'],
      });
    }
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, loc));
    let keyFields: string[] | undefined;
    if (!source) {
      diags.push(await missingTable(this.authority, loc, at('authority'), 'Fix the table name, or create the table first.'));
    } else if (!['r', 'p'].includes(source.kind)) {
      diags.push({ severity: 'error', summary: `${table} ${at('authority')} is not a table`, detail: 'Only tables can be synced.', attribute: ['table'] });
    } else {
      const names = source.columns.map((c) => c.name);
      route.fields.forEach((f, i) => {
        if (!names.includes(f)) {
          diags.push({
            severity: 'error',
            summary: `Column "${f}" does not exist in ${table} ${at('authority')}`,
            detail: `Its columns: ${names.join(', ')}. Fix the column name.`,
            attribute: ['columns', i],
          });
        }
      });
      if (source.key.length === 0) diags.push(noKey(table, at('authority'), source.replicaIdentity));
      else keyFields = source.key;
      if (!source.owned) {
        diags.push({
          severity: 'error',
          summary: `The provider's user does not own ${table} ${at('authority')}`,
          detail: 'Publishing a table takes its owner (or a superuser). Connect as the owner in the provider configuration.',
          attribute: ['table'],
        });
      }
    }

    // The copy: the same table and columns by name, a key the published columns cover, and a user
    // that may subscribe.
    const target = await this.on('copy', 'read the table', () => inspectTable(this.copy, loc));
    if (!target) {
      diags.push(await missingTable(this.copy, loc, at('copy'),
        'Replication maps by schema-qualified table name: the copy must hold the table under the authority\'s name.'));
    } else {
      const names = target.columns.map((c) => c.name);
      route.fields.forEach((f, i) => {
        if (!names.includes(f)) {
          diags.push({
            severity: 'error',
            summary: `Column "${f}" does not exist in ${table} ${at('copy')}`,
            detail: `Its columns: ${names.join(', ')}. Replication maps columns by name: add "${f}" to the copy's table, or rename its column to match the authority's.`,
            attribute: ['columns', i],
          });
        }
      });
      const sent = [...(keyFields ?? []), ...route.fields];
      const missingKey = (keyFields ?? []).filter((k) => !names.includes(k));
      if (missingKey.length) {
        diags.push({
          severity: 'error',
          summary: `The copy's ${table} lacks the key column${missingKey.length > 1 ? 's' : ''} ${missingKey.join(', ')} ${at('copy')}`,
          detail: 'The authority sends its key with every change so the copy can find the row. Add the column to the copy\'s table under the same name.',
          attribute: ['table'],
        });
      } else if (keyFields) {
        if (target.key.length === 0 || target.key.some((k) => !sent.includes(k))) {
          diags.push({
            severity: 'error',
            summary: `The copy's ${table} has no key among the columns the authority sends ${at('copy')}`,
            detail: `Updates and deletes find the copy's row by its primary key (or replica-identity index), which must be among ${sent.join(', ')}. ` +
              `Give the copy's table the authority's key: ALTER TABLE ... ADD PRIMARY KEY (${keyFields.join(', ')}).`,
            attribute: ['table'],
          });
        }
        const unfilled = target.columns.filter((c) => c.notNull && !c.hasDefault && !c.generated && !sent.includes(c.name)).map((c) => c.name);
        if (unfilled.length) {
          diags.push({
            severity: 'warning',
            summary: `Rows the authority inserts will fail on the copy: ${unfilled.join(', ')} ${at('copy')} ${unfilled.length > 1 ? 'are' : 'is'} NOT NULL without a default`,
            detail: 'The route sends only the key and the governed columns. Give those copy columns a default, or govern them too.',
            attribute: ['columns'],
          });
        }
      }
    }
    // From 16 the copy applies each table's changes as that table's owner (run_as_owner = false),
    // so the subscription's owner, the provider's user, must be able to become it.
    if (target && copyVersion >= ORIGIN_NONE_SINCE && !target.mayActAsOwner) {
      diags.push({
        severity: 'error',
        summary: `The provider's user on "${route.copy}" cannot act as ${target.owner}, the owner of ${table} there`,
        detail: 'From PostgreSQL 16 a subscription applies changes to a table as the table\'s owner, and the subscription\'s owner ' +
          `(the provider's user) must be able to become it: GRANT ${target.owner} TO <user>, make the provider's user the table's ` +
          'owner, or connect to the copy as a superuser.',
        attribute: ['copy'],
      });
    }
    const mayCreate = await this.on('copy', 'read its settings', () => this.copy.query<{ may: boolean }>(
      copyVersion >= ORIGIN_NONE_SINCE
        ? `SELECT rolsuper OR (pg_has_role(current_user, 'pg_create_subscription', 'USAGE') AND has_database_privilege(current_database(), 'CREATE')) AS may
             FROM pg_roles WHERE rolname = current_user`
        : 'SELECT rolsuper AS may FROM pg_roles WHERE rolname = current_user'));
    if (!mayCreate.rows[0]?.may) {
      diags.push({
        severity: 'error',
        summary: `The provider's user on "${route.copy}" may not create subscriptions`,
        detail: copyVersion >= ORIGIN_NONE_SINCE
          ? 'Grant it pg_create_subscription and CREATE on the database, or use a superuser.'
          : `PostgreSQL ${Math.floor(copyVersion / 10000)} lets only superusers create subscriptions: connect to the copy as a superuser.`,
        attribute: ['copy'],
      });
    }

    // The statements that set the subscription's connection carry the authority's password.
    if (this.authority.connectionString().includes('password=')) {
      const recording = await this.on('copy', 'read its settings', () => unsilenced((sql, params) => this.copy.query(sql, params), copyVersion));
      if (recording.length) {
        diags.push({
          severity: 'error',
          summary: `"${route.copy}" would write ${route.authority}'s password to its server log`,
          detail: `The copy keeps the authority's connection string, password included, in its subscription, and the statements that ` +
            `set it would be recorded by ${recording.map((r) => `${r.name} = ${r.value}`).join(', ')}, which the provider's user there ` +
            `may not turn off for its own session. Grant it that (GRANT SET ON PARAMETER ${recording.map((r) => r.name).join(', ')} ` +
            'TO <user>, PostgreSQL 15+), or connect to the copy as a superuser.',
          attribute: ['copy'],
        });
      }
    }

    // Loops, and a slot name someone else holds.
    const loopSafe = authorityVersion >= ORIGIN_NONE_SINCE && copyVersion >= ORIGIN_NONE_SINCE;
    const reverseRoute = !loopSafe && !route.twoWay && source ? await this.reverseRoute(loc) : undefined;
    diags.push(...loopRefusals({
      authority: route.authority, copy: route.copy, table, authorityVersion, copyVersion, twoWay: route.twoWay, reverseRoute,
    }));
    const name = syncPairName(route);
    // A subscription's sender names itself after the subscription; the slot is someone else's when
    // another one streams from it. (A backend creating the slot for another route holds it too.)
    const slot = await this.slot(name);
    if (slot && (!slot.ours || (slot.consumer !== null && slot.consumer !== name))) {
      diags.push({
        severity: 'error',
        summary: `The replication slot "${name}" on "${route.authority}" belongs to something else`,
        detail: slot.ours
          ? `"${slot.consumer}" receives changes through it. Two provider configurations may give different servers the same platform name: rename one of them.`
          : 'It is not a logical (pgoutput) slot of the authority\'s database. Drop it (pg_drop_replication_slot) if it is a leftover.',
        attribute: ['copy'],
      });
    }
    return { diagnostics: diags, keyFields };
  }

  public async readRoute(r: SyncRouteIdentity): Promise<SyncRouteReadBack | null> {
    const name = syncPairName(r);
    const loc = r.location;
    const [publication, slot, subscription, copyVersion] = await Promise.all([
      this.on('authority', 'read its publications', () => findPublication((sql, params) => this.authority.query(sql, params), name, loc)),
      this.slot(name), this.subscription(name, loc), this.version('copy'),
    ]);
    // The route is its table in the pair's publication or subscription; other tables are other routes.
    const here = publication?.here;
    if (!here && !subscription?.hasTable) return null;
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, loc));
    const keyFields = source?.key ?? [];
    const fields = here?.columns ?? [];
    const published = !!publication && !publication.allTables && !!here && here.rowFilter === null &&
      publication.actions === PUBLISHED_ACTIONS && publication.viaRoot && keyFields.length > 0 && keyFields.every((k) => fields.includes(k));
    const sent = !!slot && slot.ours;
    const received = !!subscription && subscription.enabled && subscription.slot === name &&
      subscription.publications.length === 1 && subscription.publications[0] === name && subscription.hasTable &&
      (!ignoresReplicatedChanges(copyVersion) || subscription.origin === 'none') &&
      await this.connectsAsConfigured(name);
    const keepsBlank = await this.on('copy', 'read its triggers', () => hasBlankGuard((sql, params) => this.copy.query(sql, params), r.authority, loc));
    return { fields, keyFields, enabled: published && sent && received, keepsAgainstBlank: keepsBlank, reverseRoute: (await this.reverseRoute(loc)) !== undefined };
  }

  public async applyRoute(route: SyncRoute): Promise<{ key: string[]; settled?: Comparison }> {
    const name = syncPairName(route);
    const loc = route.location;
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, loc));
    if (!source || source.key.length === 0) {
      throw new DiagnosticError(source ? noKey(`${loc.namespace}.${loc.container}`, `on ${this.authority.describe()}`, source.replicaIdentity)
        : await missingTable(this.authority, loc, `on ${this.authority.describe()}, the authority`, 'Fix the table name, or create the table first.'));
    }
    const spec: SettleSpec = { location: loc, key: source.key, fields: route.fields, divergence: route.divergence };
    let settled: Comparison | undefined;
    await this.withoutLoops(route, () => this.exclusively(name, async () => {
      await this.finishSettle(name, route.authority);
      await this.publish(name, route, source.key);
      await this.keepSlot(name);
      await this.keepAgainstBlank(route);
      const joined = await this.subscribe(name, route, spec);
      if (!joined || !settlesAtStart(route.divergence)) return;
      // A new subscription starts switched off. A table joining a running one is compared first;
      // the receiver pauses only when there is something to settle (usually nothing).
      if (joined === 'refreshed') {
        if ((await this.compare(spec)).differing === 0) return;
        await this.on('copy', 'pause the route', () => this.copy.withConnection(async (db) => {
          await db.query(`COMMENT ON SUBSCRIPTION ${escapeIdentifier(name)} IS ${escapeLiteral(subscriptionComment(route.authority, spec))}`);
          await pause(db, name);
        }));
      }
      settled = await this.settleAndResume(name, route.authority, spec);
    }));
    return { key: source.key, settled };
  }

  /** 1. The authority publishes the key and the governed columns of the table, beside the pair's other tables. */
  private async publish(name: string, route: SyncRoute, key: string[]): Promise<void> {
    const q = escapeIdentifier(name);
    const loc = route.location;
    const table = `${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`;
    const sent = [...new Set([...key, ...route.fields])];
    const target = `${table} (${sent.map(escapeIdentifier).join(', ')})`;
    await this.on('authority', 'publish the table', () => this.authority.withConnection(async (db) => {
      const found = await findPublication(runOn(db), name, loc);
      if (found?.allTables) {
        throw new Error(`publication "${name}" was changed to publish all tables; drop it (DROP PUBLICATION ${q}) and apply again to recreate it`);
      }
      const same = !!found?.here && found.here.rowFilter === null && sameSet(found.here.columns, sent);
      const statements = !found
        ? [
          `CREATE PUBLICATION ${q} FOR TABLE ${target} WITH (${PUBLICATION_OPTIONS})`,
          `COMMENT ON PUBLICATION ${q} IS ${escapeLiteral(`Managed by authority: sends the governed columns of each routed table from ${route.authority} to ${route.copy}.`)}`,
        ]
        : [
          ...(found.actions === PUBLISHED_ACTIONS && found.viaRoot ? [] : [`ALTER PUBLICATION ${q} SET (${PUBLICATION_OPTIONS})`]),
          // A table's column list or row filter changes by dropping and adding it in one transaction.
          ...(found.here && !same ? [`ALTER PUBLICATION ${q} DROP TABLE ${table}`] : []),
          ...(same ? [] : [`ALTER PUBLICATION ${q} ADD TABLE ${target}`]),
        ];
      if (statements.length) await inTransaction(db, statements);
    }));
  }

  /** 2. A slot keeps the authority's changes until the copy has them. */
  private async keepSlot(name: string): Promise<void> {
    await this.on('authority', 'create the replication slot', () => this.authority.withConnection(async (db) => {
      const slot = await findSlot(runOn(db), name);
      if (slot && !slot.ours) throw new Error(`replication slot "${name}" exists but is not a logical pgoutput slot of this database`);
      if (!slot) await createSlot(db, name, this.authority.waitSeconds());
    }));
  }

  /** 3. On the copy, authority_unless_blank keeps the copy's value against blank incoming ones. */
  private async keepAgainstBlank(route: SyncRoute): Promise<void> {
    await this.on('copy', 'keep its values against blank ones', () => this.copy.withConnection(async (db) => {
      if (route.divergence !== 'authority_unless_blank') return removeBlankGuard(db, route.authority, route.location);
      const installed = await hasBlankGuard(runOn(db), route.authority, route.location);
      await inTransaction(db, installBlankGuard(route.authority, route.location, route.fields, installed));
    }));
  }

  /**
   * 4. The copy subscribes through the slot and takes the table in. Says whether the table just
   * joined, and how: a new subscription (switched off when the route settles), or a refresh.
   */
  private async subscribe(name: string, route: SyncRoute, spec: SettleSpec): Promise<'created' | 'refreshed' | undefined> {
    const q = escapeIdentifier(name);
    const copyVersion = await this.version('copy');
    const originNone = ignoresReplicatedChanges(copyVersion);
    const settles = settlesAtStart(route.divergence);
    return this.on('copy', 'subscribe to the authority', () => this.copy.withConnection(async (db) => {
      const found = await findSubscription(runOn(db), name, route.location, copyVersion);
      const connection = this.authority.connectionString();
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
   * Settles a table that joined the pair while its receiver is paused, then resumes it. The
   * subscription's comment names the table until then, so a settle cut short (the provider killed,
   * the copy refusing) is finished by the next apply of any route of the pair (finishSettle).
   * If the settle fails, the table leaves the pair again and the receiver resumes: the pair's other
   * tables flow on, and the next apply joins the table and settles it anew.
   */
  private async settleAndResume(name: string, authority: string, spec: SettleSpec): Promise<Comparison> {
    let settled: Comparison;
    try {
      settled = await this.settle(spec);
    } catch (e) {
      const left = await this.leave(name, authority, spec.location).then(() => undefined, (l: Error) => l);
      if (left && e instanceof DiagnosticError) {
        throw new DiagnosticError({
          ...e.diagnostic,
          detail: `${e.diagnostic.detail ?? ''} Taking the table out of the route again failed too (${this.authority.redact(this.copy.redact(left.message))}); ` +
            'the next apply finishes the settle.',
        });
      }
      throw e;
    }
    await this.on('copy', 'resume the route', () => this.copy.withConnection((db) => resume(db, name, authority)));
    return settled;
  }

  /** Finishes a settle the subscription's comment says was cut short, before anything else changes the pair. */
  private async finishSettle(name: string, authority: string): Promise<void> {
    const pending = await this.pendingSettle(name);
    if (!pending) return;
    await this.on('copy', 'pause the route', () => this.copy.withConnection((db) => pause(db, name)));
    await this.settleAndResume(name, authority, pending);
  }

  private pendingSettle(name: string): Promise<SettleSpec | undefined> {
    return this.on('copy', 'read its subscription', () => pendingSettle((sql, params) => this.copy.query(sql, params), name));
  }

  /** Takes a table out of the pair's publication and subscription, and lets the receiver run. */
  private async leave(name: string, authority: string, loc: FieldLocation): Promise<void> {
    const q = escapeIdentifier(name);
    await this.authority.withConnection(async (db) => {
      if ((await findPublication(runOn(db), name, loc))?.here) await db.query(`ALTER PUBLICATION ${q} DROP TABLE ${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`);
    });
    await this.copy.withConnection(async (db) => {
      await resume(db, name, authority);
      await db.query(`ALTER SUBSCRIPTION ${q} REFRESH PUBLICATION WITH (copy_data = false)`);
    });
  }

  /**
   * Settles the values of a table that just joined the route, while the pair's receiver is paused:
   * the authority's values are read after the pause, so the changes the receiver replays when it
   * resumes are either already in them (and rewrite the same values) or newer. Nothing is lost,
   * and nothing older overwrites something newer.
   */
  private async settle(spec: SettleSpec): Promise<Comparison> {
    return this.on('copy', 'settle the copy\'s diverged values', () => this.authority.withConnection((authorityDb) => this.copy.withConnection(async (copyDb) => {
      await copyDb.query('BEGIN');
      try {
        // As the replication apply worker writes: triggers, the copy's guard among them, stay off.
        await copyDb.query('SET LOCAL session_replication_role = replica').catch((e: Error) => {
          throw new Error(`${e.message}: settling diverged values writes as replication does, which takes a superuser or SET on ` +
            'session_replication_role (GRANT SET ON PARAMETER session_replication_role TO ...), or declare divergence manual_review');
        });
        await copyDb.query("SET LOCAL authority.settle = 'on'"); // the copy's guard lets this settle through (replica role only)
        const result = await compareRows({ authorityDb, copyDb, location: spec.location, key: spec.key, fields: spec.fields, rule: spec.divergence, settle: true });
        await copyDb.query('COMMIT');
        return result;
      } catch (e) {
        await copyDb.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    })));
  }

  public async compareRoute(route: SyncRoute): Promise<Comparison | undefined> {
    const source = await this.on('authority', 'read the table', () => inspectTable(this.authority, route.location));
    if (!source || source.key.length === 0) return undefined;
    return this.compare({ location: route.location, key: source.key, fields: route.fields, divergence: route.divergence });
  }

  private compare(spec: SettleSpec): Promise<Comparison> {
    return this.on('copy', 'compare the copy\'s values', () => this.authority.withConnection((authorityDb) => this.copy.withConnection((copyDb) =>
      compareRows({ authorityDb, copyDb, location: spec.location, key: spec.key, fields: spec.fields, rule: spec.divergence, settle: false }))));
  }

  public async removeRoute(r: SyncRouteIdentity): Promise<void> {
    const name = syncPairName(r);
    const loc = r.location;
    const q = escapeIdentifier(name);
    const table = `${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`;
    await this.exclusively(name, async () => {
      // A settle cut short: of this table, it is moot now; of another, it is finished first.
      const pending = await this.pendingSettle(name);
      if (pending && pending.location.namespace === loc.namespace && pending.location.container === loc.container) {
        await this.on('copy', 'resume the route', () => this.copy.withConnection((db) => resume(db, name, r.authority)));
      } else if (pending) {
        await this.finishSettle(name, r.authority);
      }
      // 1. The authority stops sending the table: from its commit on, no change of it flows.
      const publication = await this.on('authority', 'stop publishing the table', () => this.authority.withConnection(async (db) => {
        const found = await findPublication(runOn(db), name, loc);
        if (found?.here && !found.allTables) await db.query(`ALTER PUBLICATION ${q} DROP TABLE ${table}`);
        return found;
      }));
      await this.on('copy', 'drop what keeps its values against blank ones', () => this.copy.withConnection((db) => removeBlankGuard(db, r.authority, loc)));
      const subscription = await this.subscription(name, loc);
      // 2. Other routes of the pair remain: the copy only forgets the table. The publication is the
      //    record of the pair's routes (a subscription that cannot refresh keeps stale entries, which
      //    receive nothing); without it the pair is broken, and its other routes are recreated anyway.
      const others = publication && !publication.allTables ? publication.others : 0;
      if (others > 0) {
        if (subscription?.hasTable && subscription.enabled && publication && !publication.allTables) {
          await this.on('copy', 'stop receiving the table', () => this.copy.withConnection((db) => db.query(`ALTER SUBSCRIPTION ${q} REFRESH PUBLICATION WITH (copy_data = false)`)));
        }
        return;
      }
      // 3. The last route of the pair: the copy stops receiving first (DROP SUBSCRIPTION also
      //    drops its slot on the authority), then the slot and the publication go.
      if (subscription) {
        await this.on('copy', 'drop the subscription', () => this.copy.withConnection(async (db) => {
          try {
            await db.query(`DROP SUBSCRIPTION ${q}`);
          } catch {
            // The copy could not drop the slot on the authority (unreachable from the copy, or the
            // slot is gone): detach the slot, drop the subscription, and drop the slot from here below.
            await db.query(`ALTER SUBSCRIPTION ${q} DISABLE`);
            await db.query(`ALTER SUBSCRIPTION ${q} SET (slot_name = NONE)`);
            await db.query(`DROP SUBSCRIPTION ${q}`);
          }
        }));
      }
      await this.on('authority', 'drop the replication slot and the publication', () => this.authority.withConnection(async (db) => {
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
    });
  }

  /**
   * Runs a change to the pair's shared objects while holding the pair's advisory lock on the
   * copy's database: routes of one pair applied at once (one run's parallel resources, or several
   * domains' runs) would otherwise both create the subscription, or one would drop it under the other.
   */
  private async exclusively(name: string, work: () => Promise<void>): Promise<void> {
    await this.holding('copy', name, work);
  }

  /**
   * Before PostgreSQL 16 a route and its reverse on one table would send every change back and
   * forth forever. Plan refuses a route whose reverse exists, but both may be created in one apply:
   * routes of either direction on a table take one lock (on the database of the platform whose
   * name sorts first), and the second finds the first.
   */
  private async withoutLoops(route: SyncRoute, work: () => Promise<void>): Promise<void> {
    const [authorityVersion, copyVersion] = await Promise.all([this.version('authority'), this.version('copy')]);
    if (authorityVersion >= ORIGIN_NONE_SINCE && copyVersion >= ORIGIN_NONE_SINCE) return work();
    const loc = route.location;
    const [first, second] = [route.authority, route.copy].sort();
    await this.holding(first === route.authority ? 'authority' : 'copy', JSON.stringify([first, second, loc.namespace, loc.container]), async () => {
      const reverseRoute = await this.reverseRoute(loc);
      const refused = loopRefusals({
        authority: route.authority, copy: route.copy, table: `${loc.namespace}.${loc.container}`,
        authorityVersion, copyVersion, twoWay: route.twoWay, reverseRoute,
      });
      if (refused.length) throw new DiagnosticError(refused[0]);
      await work();
    });
  }

  /** Runs `work` holding a session-level advisory lock named `key` on one side's database. */
  private async holding(side: Side, key: string, work: () => Promise<void>): Promise<void> {
    await this.on(side, 'lock the sync routes', () => this.pg(side).withConnection(async (db) => {
      // Released when this connection ends, also if the provider dies. Its holder is another
      // apply doing the same work (a settle of a large table takes minutes), not a forgotten
      // transaction: wait for it longer than wait_timeout. It sits idle while the work runs on
      // other connections: a server's idle_session_timeout must not end it in the middle.
      await db.query(`SET lock_timeout = '${PAIR_LOCK_WAIT}'`);
      await db.query('SET idle_session_timeout = 0').catch(() => undefined); // before 14 there is none
      await db.query("SELECT pg_advisory_lock(hashtext('authority sync route'), hashtext($1))", [key]);
      // The steps raise diagnostics naming their own side.
      await work();
    }));
  }


  /** Whether the pair's subscription connects with the authority's settings of this configuration (true when that cannot be read). */
  private async connectsAsConfigured(name: string): Promise<boolean> {
    const digest = await this.on('copy', 'read its subscription', () => connectionDigest((sql, params) => this.copy.query(sql, params), name));
    return digest === undefined || digest === digestOf(this.authority.connectionString());
  }

  /** How the pair's receiver runs (see postgresql-route-health.ts); watched once per pair and process. */
  public async health(r: SyncRouteIdentity, watch = true): Promise<RouteHealth | undefined> {
    const name = syncPairName(r);
    if (!watch) return this.watch(name, false);
    let found = healthChecks.get(this.copy)?.get(name);
    if (!found) {
      found = this.watch(name, true);
      if (!healthChecks.has(this.copy)) healthChecks.set(this.copy, new Map());
      healthChecks.get(this.copy)!.set(name, found);
    }
    return found;
  }

  private async watch(name: string, watch: boolean): Promise<RouteHealth | undefined> {
    const copyVersion = await this.version('copy');
    return watchPair(name, watch, {
      subscription: () => this.on('copy', 'read its subscription', () => subscriptionStats((sql, params) => this.copy.query(sql, params), name, copyVersion)),
      sender: () => this.on('authority', 'read its replication statistics', () => slotSender((sql, params) => this.authority.query(sql, params), name)),
      connectionCurrent: () => this.connectsAsConfigured(name),
    });
  }

  /** The subscription on the authority that writes this table and whose slot is on the copy: the reverse route. */
  private async reverseRoute(loc: FieldLocation): Promise<string | undefined> {
    const subs = await this.on('authority', 'read its subscriptions', () => this.authority.query<{ subname: string; subslotname: string | null }>(
      `SELECT s.subname, s.subslotname FROM pg_subscription s
         JOIN pg_subscription_rel r ON r.srsubid = s.oid
         JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND n.nspname = $1 AND c.relname = $2`,
      [loc.namespace, loc.container]));
    const slots = subs.rows.map((s) => s.subslotname).filter((s): s is string => !!s);
    if (slots.length === 0) return undefined;
    const onCopy = await this.on('copy', 'read its replication slots', () => this.copy.query<{ slot_name: string }>(
      'SELECT slot_name FROM pg_replication_slots WHERE database = current_database() AND slot_name = ANY($1::text[])', [slots]));
    return subs.rows.find((s) => onCopy.rows.some((o) => o.slot_name === s.subslotname))?.subname;
  }

  private async slot(name: string) {
    return this.on('authority', 'read its replication slots', () => findSlot((sql, params) => this.authority.query(sql, params), name));
  }

  private async subscription(name: string, loc: FieldLocation): Promise<SubscriptionFacts | undefined> {
    const version = await this.version('copy');
    return this.on('copy', 'read its subscriptions', () => findSubscription((sql, params) => this.copy.query(sql, params), name, loc, version));
  }

  private version(side: Side): Promise<number> {
    let found = this.versions.get(side);
    if (!found) {
      found = this.on(side, 'read its version', async () => Number((await this.pg(side).query<{ v: string }>('SELECT current_setting(\'server_version_num\') AS v')).rows[0].v));
      this.versions.set(side, found);
    }
    return found;
  }

  private pg(side: Side): PostgresAdapter {
    return side === 'authority' ? this.authority : this.copy;
  }

  /** Runs a step on one side; failures become a diagnostic naming that side's attribute, password scrubbed. */
  private async on<T>(side: Side, doing: string, work: () => Promise<T>): Promise<T> {
    const pg = this.pg(side);
    try {
      return await work();
    } catch (e) {
      if (e instanceof DiagnosticError) throw e;
      const scrub = (s: string | undefined) => (s ? this.authority.redact(this.copy.redact(s)) : s);
      if (e instanceof UnreachablePlatformError) {
        throw new DiagnosticError({ severity: 'error', summary: `Platform "${pg.name}" is unreachable`, detail: scrub(e.message), attribute: [side] });
      }
      const err = e as Error & { hint?: string; detail?: string };
      const advice = pg.adviceFor(e);
      throw new DiagnosticError({
        severity: 'error',
        summary: `Platform "${pg.name}" (the ${side}) refused to ${doing}`,
        detail: `${scrub(err.message)}${err.detail ? ` (${scrub(err.detail)})` : ''}${err.hint ? ` (hint: ${scrub(err.hint)})` : ''}.${advice ? ` ${advice}` : ''}`,
        attribute: [side],
      });
    }
  }
}

/**
 * Creates the pair's slot. It waits for every transaction open on the server at that moment to
 * finish (a consistent starting point): a forgotten one would hold the apply forever, so the wait
 * is bounded and the failure names the sessions it waited for.
 */
async function createSlot(db: Client, name: string, waitSeconds: number): Promise<void> {
  await db.query(`SET statement_timeout = ${Math.round(waitSeconds * 1000)}`);
  try {
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
  } catch (e) {
    if ((e as { code?: string }).code !== QUERY_CANCELED) throw e;
    const open = await db.query<{ pid: number; who: string; state: string; since: string }>(
      `SELECT pid, coalesce(usename, '?') || coalesce(' (' || nullif(application_name, '') || ')', '') AS who, state,
              to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS since
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() ORDER BY xact_start LIMIT 5`);
    const sessions = open.rows.map((r) => `pid ${r.pid}, ${r.who}, ${r.state} since ${r.since}`).join('; ');
    throw new Error(`creating replication slot "${name}" waited wait_timeout (${waitSeconds} s) for transactions open on the server to ` +
      `finish${sessions ? `: ${sessions}` : ''}. Let them finish or end them (SELECT pg_terminate_backend(pid)), or raise wait_timeout, and apply again`);
  }
}

/** What a settle needs, kept in the subscription's comment while it runs. */
interface SettleSpec {
  readonly location: FieldLocation;
  readonly key: string[];
  readonly fields: string[];
  readonly divergence: Divergence;
}

const SETTLING = ' Settling: ';

function subscriptionComment(authority: string, settling?: SettleSpec): string {
  return `Managed by authority: receives the governed columns of each routed table from ${authority}.${settling ? `${SETTLING}${JSON.stringify(settling)}` : ''}`;
}

/** Clears the pending settle from the subscription's comment and switches the receiver on, in one step. */
function resume(db: Client, name: string, authority: string): Promise<void> {
  const q = escapeIdentifier(name);
  return inTransaction(db, [
    `COMMENT ON SUBSCRIPTION ${q} IS ${escapeLiteral(subscriptionComment(authority))}`,
    `ALTER SUBSCRIPTION ${q} ENABLE`,
  ]);
}

/** The settle the subscription's comment says is under way, if any. */
async function pendingSettle(query: Run, name: string): Promise<SettleSpec | undefined> {
  const found = await query<{ comment: string | null }>(
    `SELECT obj_description(oid, 'pg_subscription') AS comment FROM pg_subscription
      WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, [name]);
  const comment = found.rows[0]?.comment ?? '';
  const at = comment.indexOf(SETTLING);
  return at < 0 ? undefined : JSON.parse(comment.slice(at + SETTLING.length)) as SettleSpec;
}

/** Switches the subscription off and waits until its receiver has stopped applying changes. */
async function pause(db: Client, name: string): Promise<void> {
  await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} DISABLE`);
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const running = await db.query('SELECT 1 FROM pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL', [name]);
    if (!running.rowCount) return;
    if (Date.now() - started > 30_000) throw new Error(`the receiver of subscription "${name}" did not stop within 30 s of ALTER SUBSCRIPTION ... DISABLE`);
  }
}

/**
 * Settings that keep a statement carrying the password out of the copy's server log and
 * statistics: the statement of every error is logged by default, and servers may log every DDL
 * statement, slow statements, or keep utility statements' text in pg_stat_statements.
 */
const QUIET: [string, string][] = [
  ['log_statement', "'none'"],
  ['log_min_error_statement', 'panic'],
  ['log_min_duration_statement', '-1'],
  ['log_min_duration_sample', '-1'],
  ['pg_stat_statements.track_utility', 'off'],
];

/**
 * The QUIET settings that would record a statement carrying the password on this server and that
 * the provider's user may not turn off for its session (superusers may; others need GRANT SET ON
 * PARAMETER, PostgreSQL 15+). Defaults count: log_min_error_statement = error logs any statement
 * that fails.
 */
async function unsilenced(query: Run, version: number): Promise<{ name: string; value: string }[]> {
  const found = await query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name
      WHERE current_setting(name, true) IS NOT NULL
        AND NOT ${version >= COLUMN_LISTS_SINCE ? "has_parameter_privilege(name, 'SET')" : "current_setting('is_superuser') = 'on'"}
        AND CASE name
              WHEN 'log_statement' THEN current_setting(name) IN ('ddl', 'all')
              WHEN 'log_min_error_statement' THEN current_setting(name) <> 'panic'
              WHEN 'pg_stat_statements.track_utility' THEN current_setting(name) = 'on'
              ELSE current_setting(name) <> '-1' -- log_min_duration_*
            END
      ORDER BY name`, [QUIET.map(([name]) => name)]);
  return found.rows;
}

/** SET LOCAL statements for the QUIET settings this server has and the provider's user may set. */
async function quietStatements(db: Client, version: number): Promise<string[]> {
  const names = QUIET.map(([name]) => name);
  const may = version >= COLUMN_LISTS_SINCE
    // has_parameter_privilege (15+) covers superusers and GRANT SET ON PARAMETER; only for settings that exist here.
    ? await db.query<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name
        WHERE CASE WHEN current_setting(name, true) IS NULL THEN false ELSE has_parameter_privilege(name, 'SET') END`, [names])
    : await db.query<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name
        WHERE current_setting(name, true) IS NOT NULL AND current_setting('is_superuser') = 'on'`, [names]);
  const allowed = new Set(may.rows.map((r) => r.name));
  return QUIET.filter(([name]) => allowed.has(name)).map(([name, value]) => `SET LOCAL ${name} = ${value}`);
}

