/**
 * The pair's steps for several routes at once (see pair-queue.ts): one read of the publication and
 * its registry, one transaction for every table's column list and the registry, one connection for
 * the copy's blank guards. Each converges from any partial state, as the single steps in
 * pair-steps.ts do; the router runs them under the pair's lock.
 */
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { FieldLocation, SyncRoute, SyncRouteIdentity } from '../adapter';
import { inTransaction } from './connection';
import { hasBlankGuard, installBlankGuard, removeBlankGuard } from './blank-guard';
import { PublicationFacts, Run, findPublication, runOn } from './catalog';
import { publicationStatements } from './pair-steps';
import {
  RouteEntry, entriesOf, publicationComment, publishedColumns, readRegistry, unlessBlankColumns, withEntry, withoutEntry,
} from './route-registry';
import { RouteSides } from './route-sides';

/** What publishing did for one route: whether it joined a table already published, and the table's routes now. */
export interface Published { readonly joins: boolean; readonly routes: RouteEntry[] }

/** A route to publish, with its registry entry and the authority table's record key. */
export interface ToPublish { readonly route: SyncRoute; readonly entry: RouteEntry; readonly key: string[] }

/** A route to take out, with the authority table's record key (empty when the table is gone). */
export interface ToUnpublish { readonly route: SyncRouteIdentity; readonly key: string[] }

const tableOf = (loc: FieldLocation) => JSON.stringify([loc.namespace, loc.container]);

/** The tables of the copy's subscription `name`, or undefined when there is no such subscription. */
export async function subscribedTables(query: Run, name: string): Promise<Set<string> | undefined> {
  const found = await query<{ tables: [string, string][] }>(
    `SELECT COALESCE((SELECT json_agg(json_build_array(n.nspname, c.relname)) FROM pg_subscription_rel r
                        JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE r.srsubid = s.oid), '[]'::json) AS tables
       FROM pg_subscription s
      WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, [name]);
  const row = found.rows[0];
  return row ? new Set(row.tables.map(([ns, table]) => JSON.stringify([ns, table]))) : undefined;
}

export function hasTable(tables: Set<string>, loc: FieldLocation): boolean {
  return tables.has(tableOf(loc));
}

/**
 * Statements that bring each table's column list to `sent(table)`, then the registry's comment
 * once. The publication's options are set once, however many tables ask.
 */
function batchStatements(name: string, tables: { loc: FieldLocation; found: PublicationFacts | undefined; sent: string[] }[], comment: string, commentNow: string | null): string[] {
  const all = tables.flatMap((t) => publicationStatements(name, t.loc, t.found, t.sent, comment, comment));
  if (comment !== commentNow && all.length + tables.length > 0) all.push(`COMMENT ON PUBLICATION ${escapeIdentifier(name)} IS ${escapeLiteral(comment)}`);
  return [...new Set(all)];
}

/**
 * 1. The authority publishes each route's table (the key and the union of its routes' columns)
 * and records every route, in one transaction. One route per table (onePerTable). Undefined when
 * the pair has no publication yet: its first route creates it on its own.
 */
export async function publishAll(sides: RouteSides, name: string, items: ToPublish[]): Promise<Published[] | undefined> {
  const { authority, copy } = sides;
  return sides.on('authority', 'publish the tables', () => authority.withConnection(async (db) => {
    const registry = await readRegistry(runOn(db), name);
    if (!registry) return undefined;
    const found = await Promise.all(items.map((i) => findPublication(runOn(db), name, i.route.location)));
    if (found.some((f) => f?.allTables)) {
      throw new Error(`publication "${name}" was changed to publish all tables; drop it (DROP PUBLICATION ${escapeIdentifier(name)}) and apply again to recreate it`);
    }
    let entries = registry.entries;
    const results = items.map((i, n) => {
      const before = entriesOf(entries, i.route.location);
      entries = withEntry(entries, i.entry, i.route.replacesKey);
      return { joins: !!found[n]?.here && !before.some((e) => e.key === i.entry.key || e.key === i.route.replacesKey) };
    });
    const comment = publicationComment(authority.name, copy.name, entries);
    const tables = items.map((i, n) => ({ loc: i.route.location, found: found[n], sent: publishedColumns(i.key, entriesOf(entries, i.route.location)) }));
    const statements = batchStatements(name, tables, comment, registry.comment);
    if (statements.length) await inTransaction(db, statements);
    return results.map((r, n) => ({ ...r, routes: entriesOf(entries, items[n].route.location) }));
  }));
}

/**
 * The authority stops sending each route's columns and forgets the routes, in one transaction;
 * a table whose last route left leaves the publication. Returns each table's routes left, and
 * how many tables the publication still holds (undefined when there is no publication).
 */
export async function unpublishAll(sides: RouteSides, name: string, items: ToUnpublish[]): Promise<{ left: RouteEntry[][]; tables?: number }> {
  const { authority, copy } = sides;
  return sides.on('authority', 'stop publishing the routes\' columns', () => authority.withConnection(async (db) => {
    const registry = await readRegistry(runOn(db), name);
    const found = await Promise.all(items.map((i) => findPublication(runOn(db), name, i.route.location)));
    const publication = found.find((f) => f !== undefined);
    if (!publication || publication.allTables || !registry) return { left: items.map(() => []) };
    let entries = registry.entries;
    for (const i of items) entries = withoutEntry(entries, i.route.location, i.route.key ?? '');
    const left = items.map((i) => entriesOf(entries, i.route.location));
    const comment = publicationComment(authority.name, copy.name, entries);
    const tables = items.map((i, n) => ({ loc: i.route.location, found: found[n], sent: left[n].length ? publishedColumns(i.key, left[n]) : [] }));
    const statements = batchStatements(name, tables, comment, registry.comment);
    if (statements.length) await inTransaction(db, statements);
    const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_publication_tables WHERE pubname = $1', [name]);
    return { left, tables: count.rows[0].n };
  }));
}

/** 3. On the copy, each table's authority_unless_blank routes keep its values against blank ones: on one connection. */
export async function keepAllAgainstBlank(sides: RouteSides, tables: { authority: string; loc: FieldLocation; routes: RouteEntry[] }[]): Promise<void> {
  await sides.on('copy', 'keep its values against blank ones', () => sides.copy.withConnection(async (db: Client) => {
    for (const t of tables) {
      const columns = unlessBlankColumns(t.routes);
      if (columns.length === 0) {
        await removeBlankGuard(db, t.authority, t.loc);
        continue;
      }
      const installed = await hasBlankGuard(runOn(db), t.authority, t.loc);
      await inTransaction(db, installBlankGuard(t.authority, t.loc, columns, installed));
    }
  }));
}
