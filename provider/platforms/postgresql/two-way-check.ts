/**
 * What plan checks of a half of a two-way sync on PostgreSQL, beyond every route's checks: the
 * same column may flow both ways only when both halves declare divergence newest_wins (each then
 * keeps a clock of its writes, two-way-clock-sql.ts); and such a route finds rows by the primary
 * key on both sides. (Below PostgreSQL 16 every two_way route is refused: route-names.ts.)
 */
import { Diagnostic } from '../../framework';
import { SyncRoute } from '../adapter';
import { Run } from './catalog';
import { tableRef } from './guard-sql';
import { syncPairName } from './route-names';
import { entriesOf, readRegistry } from './route-registry';
import { RouteSides, Side } from './route-sides';
import { keepsClocks } from './two-way-clock';

/** The refusal of a column flowing both ways when not both halves are newest_wins. */
export function bothWaysRefusal(route: Pick<SyncRoute, 'authority' | 'copy' | 'location' | 'divergence'>, shared: readonly string[], reverseRule: string): Diagnostic {
  const table = `${route.location.namespace}.${route.location.container}`;
  return {
    severity: 'error',
    summary: `${shared.join(', ')} of ${table} would flow both ways between "${route.authority}" and "${route.copy}", ` +
      `with divergence ${route.divergence} here and ${reverseRule} on the route back`,
    detail: 'When both platforms write the same column, only divergence newest_wins on both routes says which write stands (the most recent, ' +
      'by a clock both platforms keep). Declare divergence = "newest_wins" on both routes, or split the columns so each flows one way.',
    attribute: ['divergence'],
  };
}

/** A two-way newest_wins route's table without a primary key on one side. */
export function noPrimaryKey(table: string, platform: string): Diagnostic {
  return {
    severity: 'error',
    summary: `${table} on "${platform}" has no primary key; a two-way sync with divergence newest_wins needs one`,
    detail: 'Both platforms keep the time of each write per record and column, the record named by its primary key. Add one (ALTER TABLE ... ADD PRIMARY KEY).',
    attribute: ['table'],
  };
}

async function hasPrimaryKey(query: Run, table: string): Promise<boolean> {
  const found = await query('SELECT FROM pg_catalog.pg_index x WHERE x.indrelid = pg_catalog.to_regclass($1) AND x.indisprimary', [table]);
  return (found.rowCount ?? 0) > 0;
}

/** Plan's checks of a two_way route (none for any other). */
export async function checkTwoWay(sides: RouteSides, route: SyncRoute): Promise<Diagnostic[]> {
  if (!route.twoWay || route.mapping) return [];
  const diags: Diagnostic[] = [];
  const reverse = syncPairName({ authority: route.copy, copy: route.authority });
  const registry = await sides.on('copy', 'read its routes', () => readRegistry(sides.run('copy'), reverse));
  for (const back of entriesOf(registry?.entries ?? [], route.location)) {
    const shared = back.columns.filter((c) => route.fields.includes(c));
    if (shared.length && (route.divergence !== 'newest_wins' || back.divergence !== 'newest_wins')) {
      diags.push(bothWaysRefusal(route, shared, back.divergence));
    }
  }
  if (keepsClocks(route)) {
    const table = `${route.location.namespace}.${route.location.container}`;
    for (const side of ['authority', 'copy'] as Side[]) {
      const ok = await sides.on(side, 'read the table', () => hasPrimaryKey(sides.run(side), tableRef(route.location)));
      if (!ok) diags.push(noPrimaryKey(table, side === 'copy' ? route.copy : route.authority));
    }
  }
  return diags;
}
