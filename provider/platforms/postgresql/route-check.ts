/**
 * What plan checks of a sync route on both platforms: the authority can publish and its table has
 * a key, the copy holds the same table and columns and may subscribe, no password would reach a
 * server log, no loop, and the pair's slot is not someone else's.
 */
import { Diagnostic } from '../../framework';
import { FieldLocation, SyncRoute } from '../adapter';
import { COLUMN_LISTS_SINCE, ORIGIN_NONE_SINCE, findSlot, inspectTable, missingTable, noKey } from './catalog';
import { loopRefusals, syncPairName } from './route-names';
import { entriesOf, pairWords, readRegistry, routeClash } from './route-registry';
import { RouteSides, Side } from './route-sides';
import { unsilenced } from './route-statements';
import { checkMappedCopy } from './mapping-check';
import { checkTwoWay } from './two-way-check';

export async function checkRoute(sides: RouteSides, route: SyncRoute): Promise<{ diagnostics: Diagnostic[]; keyFields?: string[] }> {
  const diags: Diagnostic[] = [];
  const loc = route.location;
  const table = `${loc.namespace}.${loc.container}`;
  const [authorityVersion, copyVersion] = await Promise.all([sides.version('authority'), sides.version('copy')]);
  const at = (side: Side) => `on ${sides.pg(side).describe()}, the ${side}`;

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
  // One round trip for both: the plan checks every route this way.
  const publisher = (await sides.on('authority', 'read its settings', () => sides.authority.query<{ wal_level: string; may: boolean | null }>(
    `SELECT pg_catalog.current_setting('wal_level') AS wal_level,
            (SELECT rolsuper OR rolreplication FROM pg_catalog.pg_roles WHERE rolname = current_user) AS may`, [], 'authority_publisher_settings'))).rows[0];
  if (publisher.wal_level !== 'logical') {
    diags.push({
      severity: 'error',
      summary: `The authority "${route.authority}" cannot publish changes: wal_level is ${publisher.wal_level}`,
      detail: 'Set wal_level = logical in the server\'s configuration and restart it.',
      attribute: ['authority'],
    });
  }
  if (!publisher.may) {
    diags.push({
      severity: 'error',
      summary: `The provider's user on "${route.authority}" may not replicate`,
      detail: 'The copy connects to the authority as that user to receive changes. Give it the REPLICATION attribute (ALTER ROLE ... REPLICATION), or use a superuser.',
      attribute: ['authority'],
    });
  }
  const source = await sides.on('authority', 'read the table', () => inspectTable(sides.authority, loc));
  let keyFields: string[] | undefined;
  if (!source) {
    diags.push(await missingTable(sides.authority, loc, at('authority'), 'Fix the table name, or create the table first.'));
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
  // A mapped route: the copy's own table and names, and a free place for the staging table.
  const target = route.mapping ? undefined : await sides.on('copy', 'read the table', () => inspectTable(sides.copy, loc));
  if (route.mapping) {
    diags.push(...await checkMappedCopy(sides, route, keyFields));
  } else if (!target) {
    diags.push(await missingTable(sides.copy, loc, at('copy'),
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
  const mayCreate = await sides.on('copy', 'read its settings', () => sides.copy.query<{ may: boolean }>(
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
  if (sides.authority.connectionString().includes('password=')) {
    const recording = await sides.on('copy', 'read its settings', () => unsilenced(sides.run('copy'), copyVersion));
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
  // A reverse route without a declared split is refused on every version (before 16 it would also echo).
  const reverse = !route.twoWay && source ? await reverseRoute(sides, loc, route.reversesInPlace ? route.key ?? '' : undefined) : undefined;
  diags.push(...loopRefusals({
    authority: route.authority, copy: route.copy, table, authorityVersion, copyVersion, twoWay: route.twoWay, reverseRoute: reverse,
  }));
  // Halves of a two-way sync: a column flowing both ways needs newest_wins on both.
  if (source && target) diags.push(...await checkTwoWay(sides, route));
  const name = syncPairName(route);
  const registry = await sides.on('authority', 'read its routes', () => readRegistry(sides.run('authority'), name));
  const clash = registry && routeClash(registry.entries, route, pairWords(route));
  if (clash) diags.push(clash);
  // A subscription's sender names itself after the subscription; the slot is someone else's when
  // another one streams from it. (A backend creating the slot for another route holds it too.)
  const slot = await sides.on('authority', 'read its replication slots', () => findSlot(sides.run('authority'), name));
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

/**
 * The route on this table from the copy back to the authority, if any: a subscription on the
 * authority that receives the table through a slot on the copy. With `self`, the key of a route
 * being reversed in place (an ownership transfer, at plan: it still runs the other way), that
 * route is not its own reverse: the reverse pair's registry tells whose columns are there.
 */
export async function reverseRoute(sides: RouteSides, loc: FieldLocation, self?: string): Promise<string | undefined> {
  const subs = await sides.on('authority', 'read its subscriptions', () => sides.authority.query<{ subname: string; subslotname: string | null }>(
    `SELECT s.subname, s.subslotname FROM pg_subscription s
       JOIN pg_subscription_rel r ON r.srsubid = s.oid
       JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND n.nspname = $1 AND c.relname = $2`,
    [loc.namespace, loc.container], 'authority_table_subscriptions'));
  const slots = subs.rows.map((s) => s.subslotname).filter((s): s is string => !!s);
  if (slots.length === 0) return undefined;
  const onCopy = await sides.on('copy', 'read its replication slots', () => sides.copy.query<{ slot_name: string }>(
    'SELECT slot_name FROM pg_replication_slots WHERE database = current_database() AND slot_name = ANY($1::text[])', [slots]));
  const reverses = subs.rows.filter((s) => onCopy.rows.some((o) => o.slot_name === s.subslotname));
  const ours = syncPairName({ authority: sides.copy.name, copy: sides.authority.name });
  for (const s of reverses) {
    if (s.subname !== ours || self === undefined) return s.subname;
    const registry = await sides.on('copy', 'read its publications', () => readRegistry(sides.run('copy'), ours));
    const routes = entriesOf(registry?.entries ?? [], loc);
    if (routes.some((r) => r.key !== self)) return s.subname;
  }
  return undefined;
}
