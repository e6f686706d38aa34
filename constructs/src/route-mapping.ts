/**
 * How one field travels on a route between two platforms: under the same names (replication maps
 * by name), or mapped, when the schema, table or column differs and the concept declares how its
 * records correspond (keyedBy): the copy's row is found by the column holding the authority's key.
 */
import { SyncRouteConfig } from './l1/sync-route';
import { FieldLocation } from './platform';
import { MissingRows, RecordKey } from './record-key';

/** Where a mapped route delivers on the copy. */
export interface RouteMapping {
  readonly schema: string;
  readonly table: string;
  /** The copy's column for each of the route's columns, in the same order. */
  readonly columns: string[];
  /** The copy's column that holds the authority's key. */
  readonly keyColumn: string;
  /** The authority's key column, as the model declares it (the provider checks it is the table's key). */
  readonly recordKeyColumn: string;
  readonly missingRows: MissingRows;
}

/** What one field needs of its route: nothing (same names), a mapping, or why it cannot be routed. */
export interface FieldRoute {
  readonly mapping?: Omit<RouteMapping, 'columns'> & { readonly column: string };
  readonly problem?: string;
}

/** Whether two locations differ in schema, table or column name. */
export function namesDiffer(a: FieldLocation, b: FieldLocation): boolean {
  return a.schemaName !== b.schemaName || a.container !== b.container || a.field !== b.field;
}

/** How the field at `from` on the sender reaches `to` on the copy. */
export function fieldRoute(from: FieldLocation, to: FieldLocation, recordKey: RecordKey | undefined): FieldRoute {
  const fromKey = recordKey?.keyOn(from.platform);
  const toKey = recordKey?.keyOn(to.platform);
  const keyed = fromKey && toKey && namesDiffer(fromKey, toKey);
  if (!namesDiffer(from, to) && !keyed) return {};
  if (!fromKey || !toKey) {
    return {
      problem: `${from} and ${to} are named differently, and the concept does not say how its records correspond on ` +
        `${!fromKey ? from.platform.name : to.platform.name}: declare keyedBy({ keys: [...] }) with the key on each platform`,
    };
  }
  if (fromKey.schemaName !== from.schemaName || fromKey.container !== from.container) {
    return { problem: `the record key ${fromKey} is not in the table of ${from}` };
  }
  if (toKey.schemaName !== to.schemaName || toKey.container !== to.container) {
    return { problem: `the key column ${toKey} is not in the table of ${to}` };
  }
  if (to.schemaName === from.schemaName && to.container === from.container) {
    return {
      problem: `the copy's table has the authority's name (${to.schemaName}.${to.container}) but other column names: replication ` +
        'delivers into a staging table of the authority\'s name there. Name the columns alike, or keep the copy in a table of its own name',
    };
  }
  return { mapping: { schema: to.schemaName, table: to.container, column: to.field, keyColumn: toKey.field, recordKeyColumn: fromKey.field, missingRows: recordKey!.missingRows } };
}

/** Why a field's route cannot join a route that already carries `mapping` (undefined: same names), or undefined when it can. */
export function mappingClash(mapping: RouteMapping | undefined, field: FieldRoute): string | undefined {
  const m = field.mapping;
  if (!mapping && !m) return undefined;
  if (!mapping || !m) return 'other fields of the table travel under the same names, this one mapped (or the other way round)';
  if (mapping.schema !== m.schema || mapping.table !== m.table) return `other fields of the table go to ${mapping.schema}.${mapping.table} on the copy, this one to ${m.schema}.${m.table}`;
  if (mapping.columns.includes(m.column)) return `another field goes to the same column ${m.column} on the copy`;
  return undefined;
}

/**
 * A route's construct id: "sync", the platforms, and its table. A mapped route is named by both
 * tables, in order: a transfer (the other side sends) keeps its address, and the provider replaces
 * it, removing the old direction before the new one starts.
 */
export function routeId(pair: string[], schema: string, table: string, mapping?: RouteMapping): string {
  const tables = [[schema, table], ...(mapping ? [[mapping.schema, mapping.table]] : [])]
    .map(([s, t]) => [...(s === 'public' ? [] : [s]), t].join('-')).sort();
  return ['sync', ...pair, ...tables].join('-');
}

/** The L1 route's mapping attributes (none for a route under the same names). */
export function mappingProps(mapping?: RouteMapping): Partial<SyncRouteConfig> {
  if (!mapping) return {};
  return {
    copySchema: mapping.schema, copyTable: mapping.table, copyColumns: mapping.columns,
    copyKeyColumn: mapping.keyColumn, recordKeyColumn: mapping.recordKeyColumn, missingRows: mapping.missingRows,
  };
}
