/**
 * Which routes a pair carries, per table: several policies may govern different columns of one
 * table with the same authority and copy (field-level authority), each its own route with a key
 * of its own. The publication sends, per table, the record key and the union of its routes'
 * columns; the registry, kept as JSON in the publication's comment and changed only under the
 * pair's lock, says whose columns are whose. So a route reads back its own columns, one removed
 * takes only its columns, and a column nobody declared (added by hand) still shows as drift.
 */
import { DIVERGENCE_RULES } from '../../../constructs/src/contract';
import { Diagnostic, DiagnosticError } from '../../framework';
import { Divergence, FieldLocation } from '../adapter';
import { Run } from './catalog';
import { identifierProblem } from './guard-sql';

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
export function parseRegistry(comment: string | null | undefined, published: readonly PublishedTable[], publication = '<publication>'): { entries: RouteEntry[]; recorded: boolean } {
  const at = (comment ?? '').indexOf(ROUTES);
  if (at >= 0) {
    const text = (comment as string).slice(at + ROUTES.length);
    // Every route of a pair reads the same registry: checked and parsed once per text, each caller given its own copy.
    let entries = lastParsed.get(publication)?.text === text ? lastParsed.get(publication)!.entries : undefined;
    if (!entries) {
      const value = parsedJson(text);
      const problem = registryProblem(value);
      if (problem) throw new DiagnosticError(commentRefused('publication', publication, 'the authority', `its registry of routes ${problem}`));
      entries = value as RouteEntry[];
      lastParsed.set(publication, { text, entries });
    }
    return { entries: entries.map((e) => ({ ...e, columns: [...e.columns] })), recorded: true };
  }
  return { entries: published.map((t) => ({ schema: t.schema, table: t.table, key: '', columns: t.columns, divergence: 'authority_wins' })), recorded: false };
}

/** The registry last parsed per publication (one provider process serves one terraform command). */
const lastParsed = new Map<string, { text: string; entries: RouteEntry[] }>();

/** `text` parsed as JSON, or a marker that it is not JSON. */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
const NOT_JSON = Symbol('not JSON');

/**
 * What is wrong with a registry read from a comment (anyone who may comment on the publication
 * can edit it, and it steers what is published and settled), or undefined when it is as the
 * provider writes it: an array of routes, each with valid names, a key, columns and a divergence rule.
 */
export function registryProblem(value: unknown): string | undefined {
  if (value === NOT_JSON) return 'is not valid JSON';
  if (!Array.isArray(value)) return 'is not a list of routes';
  for (const [i, e] of value.entries()) {
    const problem = entryProblem(e);
    if (problem) return `has a route (#${i + 1}) that ${problem}`;
  }
  return undefined;
}

function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'is not an object';
  return nameProblem(e.schema, 'schema') ?? nameProblem(e.table, 'table') ??
    (typeof e.key === 'string' ? undefined : 'has no key (a string)') ??
    namesProblem(e.columns, 'columns') ?? divergenceProblem(e.divergence);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `v` is not a valid PostgreSQL name, or undefined. */
export function nameProblem(v: unknown, what: string): string | undefined {
  if (typeof v !== 'string') return `has no ${what} name (a string)`;
  const problem = identifierProblem(v);
  return problem ? `has a ${what} name that ${problem}` : undefined;
}

/** Why `v` is not a non-empty list of distinct valid PostgreSQL names, or undefined. */
export function namesProblem(v: unknown, what: string): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return `has no ${what} (a non-empty list of names)`;
  if (new Set(v).size !== v.length) return `names one of its ${what} twice`;
  for (const c of v) {
    const problem = nameProblem(c, what.replace(/s$/, ''));
    if (problem) return problem;
  }
  return undefined;
}

export function divergenceProblem(v: unknown): string | undefined {
  return (DIVERGENCE_RULES as readonly unknown[]).includes(v) ? undefined : `has no divergence rule (one of ${DIVERGENCE_RULES.join(', ')})`;
}

/** A comment the provider keeps on a replication object is not as it writes it: what is wrong, and how to restore it. */
export function commentRefused(kind: 'publication' | 'subscription', name: string, side: string, problem: string): Diagnostic {
  return {
    severity: 'error',
    summary: `The comment on ${kind} "${name}" (on ${side}) was changed by hand: ${problem}`,
    detail: `The provider keeps what it needs in that comment and trusts nothing else in it. Remove the comment ` +
      `(COMMENT ON ${kind.toUpperCase()} "${name.replace(/"/g, '""')}" IS NULL, on ${side}) and apply again: ` +
      (kind === 'publication' ? 'the next apply of each route records its columns anew.' : 'no settle is pending then; plan compares the copy again.'),
  };
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
  // Every published table only for a publication without a registry (older than keys): expanding
  // them all for every route's read made each read grow with the pair.
  const found = await query<{ comment: string | null; published: PublishedTable[] | null }>(
    `SELECT d.comment,
            CASE WHEN strpos(COALESCE(d.comment, ''), $2) = 0 THEN
              COALESCE((SELECT json_agg(json_build_object('schema', t.schemaname, 'table', t.tablename, 'columns', t.attnames))
                          FROM pg_publication_tables t WHERE t.pubname = p.pubname), '[]'::json) END AS published
       FROM pg_publication p CROSS JOIN LATERAL (SELECT obj_description(p.oid, 'pg_publication') AS comment) d
      WHERE p.pubname = $1`, [publication, ROUTES], 'authority_read_registry');
  const row = found.rows[0];
  if (!row) return undefined;
  return { ...parseRegistry(row.comment, row.published ?? [], publication), comment: row.comment };
}

/** How messages name a pair: "the routes from crm to ops". */
export function pairWords(r: { authority: string; copy: string }): string {
  return `the routes from ${r.authority} to ${r.copy}`;
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c) => b.includes(c));
const keyName = (key: string) => (key === '' ? 'no key' : `key "${key}"`);

/**
 * A route that would break another of the pair's routes on its table: one being created under a
 * key whose entry carries other columns (another declaration: it would take that route's place,
 * and that route's columns would stop flowing), or one carrying a column another key's route
 * carries (two routes would write one column). An entry with the same columns is adopted: an
 * apply cut short after it was recorded. Checked at plan and again under the pair's lock.
 */
export function routeClash(
  entries: readonly RouteEntry[],
  route: { location: FieldLocation; key?: string; fields: readonly string[]; creates?: boolean; replacesKey?: string; mapping?: { location: FieldLocation } },
  pair: string,
): Diagnostic | undefined {
  const key = route.key ?? '';
  const table = `${route.location.namespace}.${route.location.container}`;
  const onTable = entries.filter((e) => e.schema === route.location.namespace && e.table === route.location.container);
  const own = onTable.find((e) => e.key === key);
  const others = onTable.filter((e) => e.key !== key && e.key !== route.replacesKey);
  if (route.mapping && others.length) {
    // The copy receives the table in one staging table of its name, mapped by one trigger into one table.
    const m = route.mapping.location;
    return {
      severity: 'error',
      summary: `${table} from ${pair.replace(/^the routes from (.*) to (.*)$/, '$1 to $2')} already carries another route (${keyName(others[0].key)}); ` +
        `a route mapped into ${m.namespace}.${m.container} must be the table's only one`,
      detail: 'A mapped route receives the authority\'s table in a staging table of its name on the copy and maps it from there by one ' +
        'trigger, so it carries all of the table\'s fields that go to this copy. Govern these fields in one policy (one route), ' +
        'or keep them under the same names on both platforms.',
      attribute: ['copy_table'],
    };
  }
  if (route.creates && own && !sameColumns(own.columns, route.fields)) {
    return {
      severity: 'error',
      summary: `One of ${pair} on ${table} already has ${keyName(key)}, for columns ${own.columns.join(', ')}`,
      detail: `This route (columns ${route.fields.join(', ')}) would take its place and its columns would stop flowing. ` +
        'Routes of one table need a key each: give this route its own key (attribute "key"; the constructs use the policy\'s name), ' +
        'or, if the route found is this one from an earlier apply, import it instead.',
      attribute: ['key'],
    };
  }
  for (const other of onTable) {
    if (other.key === key || other.key === route.replacesKey) continue;
    const shared = other.columns.filter((c) => route.fields.includes(c));
    if (shared.length === 0) continue;
    return {
      severity: 'error',
      summary: `${shared.join(', ')} of ${table} already flow${shared.length > 1 ? '' : 's'} by another of ${pair} (${keyName(other.key)})`,
      detail: 'Two routes would write one column: each column of a table flows by one route. Take the columns out of one of them.',
      attribute: ['columns'],
    };
  }
  return undefined;
}

