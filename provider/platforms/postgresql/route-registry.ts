/**
 * Which routes a pair carries, per table: several policies may govern different columns of one
 * table with the same authority and copy (field-level authority), each its own route with a key
 * of its own. The publication sends, per table, the record key and the union of its routes'
 * columns; the registry, kept as JSON in the publication's comment and changed only under the
 * pair's lock, says whose columns are whose. So a route reads back its own columns, one removed
 * takes only its columns, and a column nobody declared (added by hand) still shows as drift.
 */
import { Divergence, FieldLocation } from '../adapter';
import { Run } from './catalog';

/** One route's membership in its pair. `key` "" is a route without a key (the table's only one). */
export interface RouteEntry {
  readonly schema: string;
  readonly table: string;
  readonly key: string;
  readonly columns: string[];
  readonly divergence: Divergence;
}

/** A table in the pair's publication, as found: schema, name and published columns. */
export interface PublishedTable {
  readonly schema: string;
  readonly table: string;
  readonly columns: string[];
}

const ROUTES = ' Routes: ';

/** The publication's comment: what it is, and the registry. */
export function publicationComment(authority: string, copy: string, entries: readonly RouteEntry[]): string {
  const sorted = [...entries].sort((a, b) => JSON.stringify([a.schema, a.table, a.key]).localeCompare(JSON.stringify([b.schema, b.table, b.key])));
  return `Managed by authority: sends the governed columns of each routed table from ${authority} to ${copy}.${ROUTES}${JSON.stringify(sorted)}`;
}

/**
 * The registry in a publication's comment. A publication made before routes had keys has none:
 * each table it publishes is then one route without a key, with every published column
 * (divergence unknown, taken as authority_wins until that route is applied again).
 */
export function parseRegistry(comment: string | null | undefined, published: readonly PublishedTable[]): { entries: RouteEntry[]; recorded: boolean } {
  const at = (comment ?? '').indexOf(ROUTES);
  if (at >= 0) {
    try {
      const parsed = JSON.parse((comment as string).slice(at + ROUTES.length)) as RouteEntry[];
      if (Array.isArray(parsed)) return { entries: parsed, recorded: true };
    } catch {
      // Edited by hand: treat as a publication without a registry.
    }
  }
  return { entries: published.map((t) => ({ schema: t.schema, table: t.table, key: '', columns: t.columns, divergence: 'authority_wins' })), recorded: false };
}

const onTable = (loc: FieldLocation) => (e: RouteEntry) => e.schema === loc.namespace && e.table === loc.container;

/** The routes of one table. */
export function entriesOf(entries: readonly RouteEntry[], loc: FieldLocation): RouteEntry[] {
  return entries.filter(onTable(loc));
}

/** The registry with `entry` in it (replacing its earlier self, and the entry under `replacesKey`). */
export function withEntry(entries: readonly RouteEntry[], entry: RouteEntry, replacesKey?: string): RouteEntry[] {
  const loc = { namespace: entry.schema, container: entry.table };
  const gone = new Set([entry.key, ...(replacesKey !== undefined ? [replacesKey] : [])]);
  return [...entries.filter((e) => !(onTable(loc)(e) && gone.has(e.key))), entry];
}

/** The registry without the route `key` of this table. */
export function withoutEntry(entries: readonly RouteEntry[], loc: FieldLocation, key: string): RouteEntry[] {
  return entries.filter((e) => !(onTable(loc)(e) && e.key === key));
}

/** What the publication sends for a table: the record key, then every route's columns, each once. */
export function publishedColumns(key: readonly string[], routes: readonly RouteEntry[]): string[] {
  return [...new Set([...key, ...routes.flatMap((r) => r.columns)])];
}

/** The columns the copy keeps against blank incoming values: those of the table's authority_unless_blank routes. */
export function unlessBlankColumns(routes: readonly RouteEntry[]): string[] {
  return [...new Set(routes.filter((r) => r.divergence === 'authority_unless_blank').flatMap((r) => r.columns))];
}

/**
 * A route's columns as read back: its own that the authority publishes, then published columns
 * that no route of the table declares and that are not the key (added by hand: drift).
 */
export function routeColumns(published: readonly string[], key: readonly string[], mine: RouteEntry, routes: readonly RouteEntry[]): string[] {
  const declared = new Set(routes.flatMap((r) => r.columns));
  return [
    ...mine.columns.filter((c) => published.includes(c)),
    ...published.filter((c) => !declared.has(c) && !key.includes(c) && !mine.columns.includes(c)),
  ];
}

/** The pair's publication: its comment and every table it publishes. Undefined when there is none. */
export async function readRegistry(query: Run, publication: string): Promise<{ entries: RouteEntry[]; recorded: boolean; comment: string | null } | undefined> {
  const found = await query<{ comment: string | null; published: PublishedTable[] }>(
    `SELECT obj_description(p.oid, 'pg_publication') AS comment,
            COALESCE((SELECT json_agg(json_build_object('schema', t.schemaname, 'table', t.tablename, 'columns', t.attnames))
                        FROM pg_publication_tables t WHERE t.pubname = p.pubname), '[]'::json) AS published
       FROM pg_publication p WHERE p.pubname = $1`, [publication]);
  const row = found.rows[0];
  if (!row) return undefined;
  return { ...parseRegistry(row.comment, row.published), comment: row.comment };
}
