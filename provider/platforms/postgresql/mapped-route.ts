/**
 * The steps of a mapped route on its two platforms (see mapping-sql.ts): staging on the copy,
 * comparing and settling through the mapping, counting the records the copy lacks. The router
 * runs them under the pair's lock, beside the steps every route has (pair-steps.ts).
 */
import { DiagnosticError } from '../../framework';
import { Comparison, FieldLocation, RouteMapping, SyncRouteIdentity } from '../adapter';
import { inspectTable, runOn } from './catalog';
import { MappedSpec, compareMapped, unmatchedRows } from './mapped-settle';
import { mappingArgs } from './mapping-sql';
import { RouteSides } from './route-sides';
import { commentRefused } from './route-registry';
import { readStaging, sameColumns, stage, stagedColumns, unstage } from './staging';

export class MappedRouteSteps {
  constructor(private readonly sides: RouteSides) {}

  /** Creates or repairs the staging table and its mapping trigger on the copy; says whether the table must be filled. */
  public async stage(loc: FieldLocation, m: RouteMapping, key: string[]): Promise<'created' | 'repaired' | undefined> {
    const [k] = singleKey(loc, key);
    const columns = await this.sides.on('authority', 'read the table', () => stagedColumns(this.sides.run('authority'), loc, k, m.sourceFields));
    return this.sides.on('copy', 'create the route\'s staging table', () => this.sides.copy.withConnection((db) => stage(db, loc, m, columns, k, m.sourceFields)));
  }

  /** Removes the staging table and its trigger (and the schema the provider made for it, once empty). */
  public unstage(loc: FieldLocation): Promise<void> {
    return this.sides.on('copy', 'drop the route\'s staging table', () => this.sides.copy.withConnection((db) => unstage(db, loc)));
  }

  /** Compares (or, with `settle`, fills the staging table and settles) through the mapping. */
  public compare(spec: MappedSpec, settle: boolean): Promise<Comparison> {
    singleKey(spec.location, spec.key);
    return this.sides.on('copy', settle ? 'settle the copy\'s values through the mapping' : 'compare the copy\'s values through the mapping',
      () => this.sides.authority.withConnection((authorityDb) => this.sides.copy.withConnection((copyDb) => compareMapped(authorityDb, copyDb, spec, settle))));
  }

  /**
   * A settle named in the subscription's comment writes with replica rights: its mapping is taken
   * only when it is the one the provider installed on the staging table.
   */
  public async trust(name: string, spec: MappedSpec): Promise<void> {
    const args = mappingArgs(spec.mapping, spec.key[0], spec.mapping.sourceFields);
    const found = await this.sides.on('copy', 'read the route\'s staging table', () => readStaging(this.sides.run('copy'), spec.location, spec.mapping, args));
    if (!found.triggerIntact) {
      throw new DiagnosticError(commentRefused('subscription', name, 'the copy', 'the settle it names maps into a table the route\'s staging table does not'));
    }
  }

  /** Of a running mapped route, how many staged records the copy's table has no row for; undefined when it is not staged. */
  public async unmatched(r: SyncRouteIdentity): Promise<number | undefined> {
    const m = r.mapping;
    if (!m) return undefined;
    const source = await this.sides.on('authority', 'read the table', () => inspectTable(this.sides.authority, r.location));
    if (!source || source.key.length !== 1) return undefined;
    const found = await this.sides.on('copy', 'read the route\'s staging table', () =>
      readStaging(this.sides.run('copy'), r.location, m, mappingArgs(m, source.key[0], m.sourceFields)));
    if (found.table !== 'ours') return undefined;
    return this.sides.on('copy', 'count the records it lacks', () => this.sides.copy.withConnection((db) =>
      unmatchedRows(runOn(db), { location: r.location, key: source.key, fields: m.sourceFields, divergence: 'authority_wins', mapping: m })));
  }

  /** Whether the staging table and its trigger are as the route wants them (read-back). */
  public async intact(r: SyncRouteIdentity, key: string[]): Promise<boolean> {
    const m = r.mapping;
    if (!m || key.length !== 1) return false;
    const wanted = await this.sides.on('authority', 'read the table', () => stagedColumns(this.sides.run('authority'), r.location, key[0], m.sourceFields)).catch(() => undefined);
    const found = await this.sides.on('copy', 'read the route\'s staging table', () =>
      readStaging(this.sides.run('copy'), r.location, m, mappingArgs(m, key[0], m.sourceFields)));
    return found.table === 'ours' && found.triggerIntact && !!wanted && sameColumns(found.columns, wanted);
  }
}

/** A mapped route finds the copy's row by one column: the authority's key must be one column. */
function singleKey(loc: FieldLocation, key: string[]): string[] {
  if (key.length !== 1) {
    throw new DiagnosticError({
      severity: 'error',
      summary: `${loc.namespace}.${loc.container} on the authority has a key of ${key.length} columns; a mapped route needs a one-column key`,
      detail: 'The copy holds the authority\'s key in one column (copy_key_column). Give the table a one-column primary key, or sync under the same names.',
      attribute: ['copy_key_column'],
    });
  }
  return key;
}
