/**
 * authority_sync_route: the values of a table's governed columns flow from the authority to a
 * copy, through the platforms' own replication (on PostgreSQL, logical replication: see
 * platforms/postgresql/router.ts). One resource per (authority, copy, table, key): several
 * policies may govern different columns of one table, each with a route of its own.
 *
 * A change of authority or copy is an in-place update that removes the old route completely
 * before it creates the new one, so values never flow both ways at once (an ownership transfer
 * reverses a route). Every apply step converges from any partial state, so an apply that fails
 * part-way is finished by the next one.
 */
import {
  DIVERGENCE_RULES, Divergence, FieldLocation, RouteHealth, SyncRoute, SyncRouteIdentity, SyncRouter,
} from '../platforms/adapter';
import {
  BlockSchema, Diagnostic, DiagnosticError, ObjectValue, RefusedError, ResourceDefinition, UNKNOWN, Value, hasUnknown, isUnknown,
} from '../framework';
import { ROUTER_PAIRS, routerPair } from '../platforms';
import { Platforms } from '../platforms/configured';
import { nameCheck } from './config-checks';
import { divergenceAtStart, flowChanges, list, rows, tableOf } from './sync-route-messages';
import { reviewApplied, reviewWarnings } from './review-messages';
import { joinId, splitId } from './import-id';
import { Contract } from '../../constructs/src/contract';
import { MAPPING_ATTRIBUTES, isMapped, mappingAttributes, mappingOf, mappingReplaces, plannedMapping, unmatchedWarning, validateMapping } from './sync-route-mapping';


export const SYNC_ROUTE_TYPE = Contract.SYNC_ROUTE_TYPE;

const schema: BlockSchema = {
  description:
    'A sync route: the values of a table\'s governed columns flow from the authority to a copy, through the platforms\' own ' +
    'replication (on PostgreSQL, logical replication: a publication on the authority, a subscription on the copy). The copy holds ' +
    'the table under the same schema and table name and the columns under the same names. It starts without copying rows ' +
    '(copy_data = false): copies already hold their rows, and an initial copy would fail on duplicate keys. Values that already ' +
    'differ as it starts follow `divergence`; from then on every change at the authority flows.',
  attributes: {
    id: { type: 'string', computed: true, description: 'authority/copy/schema/table, and /key when the route has a key; each part URL-encoded. Also the import id.' },
    key: {
      type: 'string', optional: true, computed: true,
      description: 'What tells routes of one table between the same authority and copy apart (the policy\'s name), when several ' +
        'policies govern different columns of it. Each route sends its own columns; the authority publishes the union, and removing ' +
        'a route stops only its columns. Changing it updates the route in place. Default "": the table\'s only route.',
    },
    authority: {
      type: 'string', required: true,
      description: 'The authoritative platform, by its name in the provider configuration: it sends the values (on PostgreSQL it ' +
        'publishes them; the provider\'s user there needs REPLICATION and must own the table). Changing it or `copy` updates the ' +
        'route in place, in a safe order: the old route is removed completely before the new one is created, so values never ' +
        'flow both ways at once.',
    },
    copy: {
      type: 'string', required: true,
      description: 'The platform that holds the copy, by name: it receives the values (on PostgreSQL it subscribes, as a superuser ' +
        'or, from PostgreSQL 16, a member of pg_create_subscription). The copy\'s server must reach the authority at the host and port ' +
        'of the authority\'s provider configuration; it keeps the authority\'s password in its subscription (never in plan or state).',
    },
    schema: { type: 'string', optional: true, computed: true, description: 'Schema of the table, the same on both platforms. Default "public". Changing it replaces the route.' },
    table: { type: 'string', required: true, description: 'The table, under the same name on both platforms (replication maps by schema-qualified name). Changing it replaces the route.' },
    columns: {
      type: ['list', 'string'], required: true,
      description: 'The governed columns, under the same names on both platforms. The authority sends its record key (key_columns) ' +
        'with them, so the copy finds its rows; the copy\'s other columns are left alone. Inserts, updates and deletes flow; a TRUNCATE does not.',
    },
    key_columns: { type: ['list', 'string'], computed: true, description: 'The record key sent with the governed columns: the authority table\'s primary key (or replica-identity index), as read from the authority.' },
    two_way: {
      type: 'bool', optional: true, computed: true,
      description: 'This route is one half of a declared two-way split: the copy sends other fields of the same table back. Needs ' +
        'PostgreSQL 16 or later on both platforms, where a route ignores changes that themselves arrived by replication (origin = none, ' +
        'used on every route to a 16+ copy), so nothing echoes back and forth. Older servers refuse two_way. On every version a route ' +
        'whose reverse already exists on the same table is refused unless both are declared two_way; the same column may flow both ways only ' +
        'when both routes are two_way with divergence "newest_wins" (both platforms then stamp each write of a cell in ' +
        'authority_records.clock_<hash>, and the most recent write wins on both: see the README). Default false.',
    },
    divergence: {
      type: 'string', optional: true, computed: true,
      description: 'What wins when the copy\'s value differs from the authority\'s (the policy\'s divergence rule), as the route ' +
        'starts: "authority_wins" (default) and "authority_unless_blank" replace the copy\'s differing values once, when the route is ' +
        'created or moved (the plan says how many rows); "newest_wins" leaves them; "manual_review" queues each on the copy for a ' +
        'person (authority_records.review_queue) and holds conflicting values there from then on. From then on every ' +
        'change at the authority flows; with "authority_unless_blank" a trigger on the copy (firing for replicated writes only) ' +
        'keeps the copy\'s value where the incoming one is NULL or empty; with "newest_wins" a trigger on the copy ends a local ' +
        'override when a value from the authority reaches the copy after it (the copy\'s order of writes is the clock), and an ' +
        'override made after the authority\'s last change stands; on a two_way route whose reverse carries the same columns, the ' +
        'write with the latest (write timestamp the writing server stamps, platform name) wins on both platforms.',
    },
    max_lag: {
      type: 'string', optional: true,
      description: 'How far the copy may lag behind the authority: a number and a unit, "90s", "5m", "2h" or "1d" (the policy\'s ' +
        'propagation). Every plan checks the running route against it and warns, without changing anything, when the copy is behind ' +
        'by more, when its receiver is not connected to the authority, or when the copy stopped after failing to apply a change. ' +
        'Default: no limit (those last two are still reported). Kept in state only: an imported route takes it from the ' +
        'configuration at the next apply, which changes nothing on the platforms.',
    },
    enabled: {
      type: 'bool', computed: true,
      description: 'True when every part of the route is in place: the authority publishes exactly the key and governed columns of the ' +
        'table, the copy\'s subscription exists, is enabled and receives the table, and its replication slot exists on the authority. False when someone ' +
        'disabled, dropped or altered a part by hand, or when the copy\'s protection of these columns was found off (drift); apply repairs it ' +
        'and settles the values people may have edited meanwhile by `divergence`.',
    },
    resolutions_waiting: {
      type: 'number', computed: true,
      description: 'divergence "manual_review": values a person resolved to the authority\'s in the copy\'s review queue that the ' +
        'sync has not written yet. Plan shows them as a change to 0, and apply writes them as the sync does (the next change of the row ' +
        'at the authority writes them too). Always 0 for other rules.',
    },
    publication: {
      type: 'string', computed: true,
      description: 'The authority\'s name for what it sends (a PostgreSQL publication), shared by every route from this authority to ' +
        'this copy: each route is its table in it, with its own column list. Readable when the names are plain and short, hashed otherwise; at most 63 bytes.',
    },
    subscription: {
      type: 'string', computed: true,
      description: 'The copy\'s name for what it receives through (a PostgreSQL subscription, and its replication slot on the authority), ' +
        'shared like the publication: one slot and one apply worker per authority and copy, however many tables flow. The first route ' +
        'creates them, the last one removed drops them.',
    },
    ...MAPPING_ATTRIBUTES,
  },
};

/** Computed attributes that show the platforms' own names for a route's parts (PostgreSQL's, today). */
const PLATFORM_NAME_ATTRIBUTES = ['publication', 'subscription'] as const;

/** Attributes that locate the route; schema and table force replacement, authority and copy move it in place. */
const IDENTITY = ['authority', 'copy', 'schema', 'table'] as const;

/** The route's id: authority/copy/schema/table, and /key when it has one (ids of routes without a key are as before keys). */
export function syncRouteId(authority: string, copy: string, namespace: string, table: string, key = ''): string {
  return key === '' ? joinId(authority, copy, namespace, table) : joinId(authority, copy, namespace, table, key);
}

export function syncRoute(platforms: Platforms): ResourceDefinition {
  /** The pair of platforms; the diagnostic names the attribute when the kinds cannot sync. */
  const routerFor = (s: ObjectValue): SyncRouter => {
    const authority = platforms.get(s.authority as string, ['authority']);
    const copy = platforms.get(s.copy as string, ['copy']);
    const pair = routerPair(authority.kind, copy.kind);
    if (!pair) {
      throw new DiagnosticError({
        severity: 'error',
        summary: `No sync route can carry values from "${authority.name}" (${authority.kind}) to "${copy.name}" (${copy.kind})`,
        detail: `The provider carries values only from ${ROUTER_PAIRS.map((p) => `${p.sender} to ${p.receiver}`).join(', ')} platforms. ` +
          'Sync these platforms with their own integration (or route to the database the copy keeps its data in, when that is a platform ' +
          'of a kind the provider routes to), and protect the copy with authority_field_protection.',
        attribute: ['copy'],
      });
    }
    return pair.route(authority, copy);
  };

  return {
    typeName: SYNC_ROUTE_TYPE,
    version: 0,
    schema,

    validate(config) {
      return [...validateConfig(config), ...validateMapping(config)];
    },

    async plan({ prior, proposed }) {
      if (!proposed) return { planned: null, diagnostics: prior ? flowChanges(prior, null) : [] };
      const planned: ObjectValue = {
        ...proposed, schema: proposed.schema ?? 'public', key: proposed.key ?? '', two_way: proposed.two_way ?? false, divergence: proposed.divergence ?? 'authority_wins', enabled: true,
        resolutions_waiting: 0,
        ...plannedMapping(proposed),
      };
      const known = IDENTITY.every((k) => !isUnknown(planned[k])) && !isUnknown(planned.key);
      planned.id = known ? idOf(planned) : UNKNOWN;
      planned.publication = UNKNOWN;
      planned.subscription = UNKNOWN;
      const samePlace = prior && IDENTITY.every((k) => prior[k] === planned[k]) && Array.isArray(prior.key_columns);
      planned.key_columns = samePlace ? prior.key_columns : UNKNOWN;
      let diagnostics: Diagnostic[] = [];
      let health: RouteHealth | undefined;
      if (known) {
        const router = routerFor(planned);
        // How the existing route runs, for the reviewer; a route that moves is checked after. One
        // that was altered by hand is repaired by this apply: no need to watch it stream.
        if (prior && prior.authority === planned.authority && prior.copy === planned.copy) {
          health = await router.health(identityOf(planned), prior.enabled !== false);
        }
        Object.assign(planned, platformNamesOf(router, planned));
        if (!hasUnknown(planned.columns) && !isUnknown(planned.two_way)) {
          // A route reversed in place (an ownership transfer) still runs the other way: not its own reverse.
          const reversesInPlace = !!prior && prior.authority === planned.copy && prior.copy === planned.authority;
          const check = await router.checkRoute({ ...routeOf(planned), reversesInPlace, creates: !prior });
          diagnostics = check.diagnostics;
          if (check.keyFields) planned.key_columns = check.keyFields;
          // A route that starts (created, or moved to other platforms) says what it does with the
          // values that already differ.
          const starts = !prior || prior.authority !== planned.authority || prior.copy !== planned.copy;
          // One found altered (its copy's protection off, say) is compared too: people may have edited the copy meanwhile.
          const repairs = !starts && prior?.enabled === false;
          if ((starts || repairs) && !isUnknown(planned.divergence) && !diagnostics.some((d) => d.severity === 'error')) {
            const compared = await router.compareRoute(routeOf(planned));
            if (compared) diagnostics.push(...divergenceAtStart(planned, compared, repairs));
          } else if (isMapped(planned) && planned.missing_rows === 'report' && router.unmatchedRows && !diagnostics.some((d) => d.severity === 'error')) {
            // A running mapped route that only reports: how many records the copy still lacks.
            const unmatched = await router.unmatchedRows(identityOf(planned));
            if (unmatched !== undefined) diagnostics.push(...unmatchedWarning(planned, unmatched));
          }
          // manual_review: the conflicts waiting for a person, and resolutions this apply writes.
          if (prior && planned.divergence === 'manual_review' && router.reviewQueue && !diagnostics.some((d) => d.severity === 'error')) {
            const queue = await router.reviewQueue(routeOf(planned));
            if (queue) diagnostics.push(...reviewWarnings(`${String(planned.copy)} ${tableOf(planned)}`, String(planned.authority), queue));
          }
        }
      }
      return {
        planned,
        requiresReplace: prior ? [['schema'], ['table'], ...mappingReplaces(prior, planned).map((a) => [a])] : [],
        diagnostics: [...diagnostics, ...(prior ? flowChanges(prior, planned, health) : [])],
      };
    },

    async apply({ prior, planned }) {
      if (!planned) {
        if (prior) await routerFor(prior).removeRoute(identityOf(prior));
        return { state: null };
      }
      if (prior && (prior.authority !== planned.authority || prior.copy !== planned.copy)) {
        // The old route goes first and completely: values never flow both ways at once.
        try {
          await routerFor(prior).removeRoute(identityOf(prior));
        } catch (e) {
          // Keep the old route in state, so the next apply removes what is left of it first.
          return { state: { ...prior, enabled: false }, diagnostics: [partWay(e)] };
        }
      }
      try {
        // A key changed in place: the route's membership moves to the new key in one step.
        const replacesKey = prior && prior.authority === planned.authority && prior.copy === planned.copy && keyOf(prior) !== keyOf(planned) ? keyOf(prior) : undefined;
        // A route that starts compares even when its parts are already there (an apply cut short after
        // publishing): plan promised to settle it. One found altered settles what people edited meanwhile.
        const starts = !prior || prior.authority !== planned.authority || prior.copy !== planned.copy;
        const resettle = starts || prior.enabled === false;
        const { key, settled, queued, resolved } = await routerFor(planned).applyRoute({ ...routeOf(planned), replacesKey, resettle, creates: !prior });
        const review = reviewApplied(`${String(planned.copy)} ${tableOf(planned)}`, String(planned.authority), queued ?? 0, resolved ?? 0, 'authority_records.review_queue');
        return {
          state: { ...planned, key_columns: isUnknown(planned.key_columns) ? key : planned.key_columns, enabled: true },
          diagnostics: [...review, ...(settled?.differing ? [{
            severity: 'warning',
            summary: `${tableOf(planned)}: replaced ${list(planned.columns)} in ${rows(settled.differing)} on ${String(planned.copy)} with ${String(planned.authority)}'s values`,
            detail: !starts
              ? `The route or the copy's protection had been disabled or altered; with divergence ${String(planned.divergence)} the values edited meanwhile were settled once.`
              : `The route started with divergence ${String(planned.divergence)}: values that differed before it existed were settled once; from now on changes at ${String(planned.authority)} flow.`,
          } as Diagnostic] : [])],
        };
      } catch (e) {
        // Refused before anything changed: a route being created is not (in state it would claim another's place).
        if (!prior && e instanceof RefusedError) return { state: null, diagnostics: [e.diagnostic] };
        // Some parts may exist now: keep the route in state (read tells what exists), so the next
        // apply finishes it or a destroy removes it.
        const key = isUnknown(planned.key_columns) ? (Array.isArray(prior?.key_columns) ? prior!.key_columns : []) : planned.key_columns;
        return { state: { ...planned, key_columns: key, enabled: false }, diagnostics: [partWay(e)] };
      }
    },

    async read(state) {
      const router = routerFor(state);
      const identity = identityOf(state);
      const found = await router.readRoute(identity);
      if (!found) return { state: null };
      // Imported: the pair's registry tells the rule; before it, the copy's blank guard told authority_unless_blank.
      const divergence = typeof state.divergence === 'string' ? state.divergence
        : found.divergence ?? (found.keepsAgainstBlank ? 'authority_unless_blank' : 'authority_wins');
      // Declared columns keep their order; columns someone added by hand follow, in table order.
      const declared = Array.isArray(state.columns) ? (state.columns as string[]) : [];
      const columns = [
        ...declared.filter((c) => found.fields.includes(c)),
        ...found.fields.filter((c) => !declared.includes(c) && !found.keyFields.includes(c)),
      ];
      return {
        state: {
          ...state,
          id: idOf({ ...state, schema: identity.location.namespace }),
          schema: identity.location.namespace,
          key: keyOf(state),
          columns,
          key_columns: found.keyFields,
          // Imported: whether the route is half of a split shows in the catalogs as its reverse.
          two_way: typeof state.two_way === 'boolean' ? state.two_way : found.reverseRoute,
          divergence,
          // authority_unless_blank is kept on the copy: its guard there, present exactly when this route or
          // another of the table declares it, is part of the route.
          // A copy left unguarded is repaired by the protection; the route then settles what people edited meanwhile.
          enabled: found.enabled && !found.copyUnguarded &&
            found.keepsAgainstBlank === (divergence === 'authority_unless_blank' || found.othersKeepAgainstBlank) &&
            (found.heldForReview === undefined || found.heldForReview === (divergence === 'manual_review')) &&
            (found.ordersByArrival === undefined || found.ordersByArrival === (divergence === 'newest_wins')),
          resolutions_waiting: found.review?.resolving ?? 0,
          // Imported: a route that receives under other names says so on the copy (its staging table's trigger).
          ...(!isMapped(state) && found.mapping ? mappingAttributes(found.mapping, columns) : {}),
          ...platformNamesOf(router, state),
        },
      };
    },

    async import(id) {
      const keyed = id.split('/').length === 5;
      const parts = keyed
        ? splitId(id, ['authority', 'copy', 'schema', 'table', 'key'], 'crm/ops/public/deals/deals_deal_titles')
        : splitId(id, ['authority', 'copy', 'schema', 'table'], 'crm/ops/public/campaigns');
      const [authority, copy, ns, table, key = ''] = parts;
      return {
        state: {
          id: syncRouteId(authority, copy, ns, table, key),
          authority, copy, schema: ns, table, key,
          columns: null, key_columns: null, two_way: null, divergence: null, enabled: null, resolutions_waiting: null, publication: null, subscription: null,
          copy_schema: null, copy_table: null, copy_columns: null, copy_key_column: null, missing_rows: null,
        },
      };
    },
  };
}

/** An apply step that failed: what happened, and that the next apply continues from there. */
function partWay(e: unknown): Diagnostic {
  if (e instanceof DiagnosticError) {
    const d = e.diagnostic;
    return { ...d, detail: `${d.detail ?? ''} The route may be partly in place; the next apply continues from what exists.`.trim() };
  }
  throw e;
}

function idOf(s: ObjectValue): string {
  return syncRouteId(s.authority as string, s.copy as string, s.schema as string, s.table as string, keyOf(s));
}

function keyOf(s: ObjectValue): string {
  return typeof s.key === 'string' ? s.key : '';
}

function locationOf(s: ObjectValue): FieldLocation {
  return { namespace: (s.schema as string | null) ?? 'public', container: s.table as string };
}

/** The platforms' own names for the route's parts, as the resource's computed attributes (null where a kind has none). */
function platformNamesOf(router: SyncRouter, s: ObjectValue): ObjectValue {
  const names = router.platformNames(identityOf(s));
  return Object.fromEntries(PLATFORM_NAME_ATTRIBUTES.map((a) => [a, names[a] ?? null]));
}

function identityOf(s: ObjectValue): SyncRouteIdentity {
  return { authority: s.authority as string, copy: s.copy as string, location: locationOf(s), key: keyOf(s), mapping: mappingOf(s) };
}

function routeOf(s: ObjectValue): SyncRoute {
  return { ...identityOf(s), fields: s.columns as string[], twoWay: s.two_way === true, divergence: (s.divergence as Divergence | null) ?? 'authority_wins' };
}



function validateConfig(config: ObjectValue): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const text = nameCheck(diags, 'sync something else');
  text('authority', config.authority, ['authority']);
  text('copy', config.copy, ['copy']);
  text('schema', config.schema, ['schema']);
  text('table', config.table, ['table']);
  if (typeof config.authority === 'string' && config.authority === config.copy) {
    diags.push({
      severity: 'error',
      summary: `A sync route needs two platforms: authority and copy are both "${config.copy}"`,
      detail: 'Name the platform that holds the copy in `copy`.',
      attribute: ['copy'],
    });
  }
  if (typeof config.divergence === 'string' && !DIVERGENCE_RULES.includes(config.divergence as Divergence)) {
    diags.push({
      severity: 'error',
      summary: `divergence "${config.divergence}" is not a divergence rule`,
      detail: `Use one of ${DIVERGENCE_RULES.map((r) => `"${r}"`).join(', ')}.`,
      attribute: ['divergence'],
    });
  }
  if (typeof config.max_lag === 'string' && Contract.parseLag(config.max_lag) === undefined) {
    diags.push({
      severity: 'error',
      summary: `max_lag "${config.max_lag}" is not a duration`,
      detail: 'Write a whole number and a unit: "90s", "5m", "2h" or "1d".',
      attribute: ['max_lag'],
    });
  }
  const columns = config.columns;
  if (Array.isArray(columns)) {
    if (columns.length === 0) {
      diags.push({ severity: 'error', summary: 'columns must name at least one column', detail: 'A route with no governed columns carries nothing: remove it or list the governed fields.', attribute: ['columns'] });
    }
    const seen = new Set<Value>();
    columns.forEach((c, i) => {
      text('column', c, ['columns', i]);
      if (typeof c === 'string' && seen.has(c)) diags.push({ severity: 'error', summary: `Column "${c}" is listed twice`, attribute: ['columns', i] });
      seen.add(c);
    });
  }
  return diags;
}
