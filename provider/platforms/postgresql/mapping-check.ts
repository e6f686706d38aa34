/**
 * What plan checks on the copy for a mapped route: the copy's table and columns exist under the
 * declared names, the authority's key is one column, the place of the staging table (the
 * authority's schema-qualified name) is free or already the route's, and the provider's user may
 * write the copy's table (the mapping runs as it, in the apply worker).
 */
import { Diagnostic } from '../../framework';
import { SyncRoute } from '../adapter';
import { inspectTable, missingTable } from './catalog';
import { RouteSides } from './route-sides';
import { readStaging } from './staging';

export async function checkMappedCopy(sides: RouteSides, route: SyncRoute, keyFields: string[] | undefined): Promise<Diagnostic[]> {
  const m = route.mapping!;
  const diags: Diagnostic[] = [];
  const at = `on ${sides.copy.describe()}, the copy`;
  const table = `${m.location.namespace}.${m.location.container}`;
  if (keyFields && keyFields.length !== 1) {
    diags.push({
      severity: 'error',
      summary: `The authority's ${route.location.namespace}.${route.location.container} has a key of ${keyFields.length} columns; a mapped route needs a one-column key`,
      detail: 'The copy holds the authority\'s key in one column (copy_key_column). Give the table a one-column primary key, or sync under the same names.',
      attribute: ['copy_key_column'],
    });
  }
  if (keyFields?.length === 1 && m.recordKeyField !== undefined && m.recordKeyField !== keyFields[0]) {
    diags.push({
      severity: 'error',
      summary: `The record key "${m.recordKeyField}" is not the key of ${route.location.namespace}.${route.location.container} on the authority ("${keyFields[0]}")`,
      detail: 'Replication finds rows by the authority table\'s key, and the mapping finds the copy\'s row by the value it holds of that key. ' +
        'Declare the table\'s key as the record key on the authority (keyedBy), or give the table that primary key. (After an ownership transfer, ' +
        'the new authority\'s table must be keyed by the column the others hold.)',
      attribute: ['record_key_column'],
    });
  }
  const target = await sides.on('copy', 'read the table', () => inspectTable(sides.copy, m.location));
  if (!target) {
    return [...diags, { ...(await missingTable(sides.copy, m.location, at, 'Fix copy_schema and copy_table, or create the table first.')), attribute: ['copy_table'] }];
  }
  const names = target.columns.map((c) => c.name);
  m.fields.forEach((f, i) => {
    if (!names.includes(f)) {
      diags.push({ severity: 'error', summary: `Column "${f}" does not exist in ${table} ${at}`, detail: `Its columns: ${names.join(', ')}. Fix copy_columns.`, attribute: ['copy_columns', i] });
    }
  });
  if (!names.includes(m.keyField)) {
    diags.push({ severity: 'error', summary: `Key column "${m.keyField}" does not exist in ${table} ${at}`, detail: `Its columns: ${names.join(', ')}. Fix copy_key_column.`, attribute: ['copy_key_column'] });
  }
  const staging = await sides.on('copy', 'read the route\'s staging table', () => readStaging(sides.run('copy'), route.location, undefined, undefined));
  if (staging.table === 'foreign') {
    diags.push({
      severity: 'error',
      summary: `${route.location.namespace}.${route.location.container} ${at} is a table of its own`,
      detail: 'Replication delivers by schema-qualified name, so a mapped route receives into a staging table of the authority\'s name on the copy, and maps ' +
        `from there into ${table}. Rename the copy's table of that name, or keep the fields under the same names on both platforms.`,
      attribute: ['table'],
    });
  }
  const privileges = ['UPDATE', ...(m.missingRows === 'create' ? ['INSERT', 'DELETE'] : [])];
  const may = await sides.on('copy', 'read its privileges', () => sides.copy.query<{ p: string; may: boolean }>(
    `SELECT p, has_table_privilege(c.oid, p) AS may FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest($3::text[]) p
      WHERE n.nspname = $1 AND c.relname = $2`, [m.location.namespace, m.location.container, privileges]));
  const lacking = may.rows.filter((r) => !r.may).map((r) => r.p);
  if (lacking.length) {
    diags.push({
      severity: 'error',
      summary: `The provider's user on "${route.copy}" may not ${lacking.join(', ')} ${table}`,
      detail: `The mapping writes the copy's table as the provider's user, inside the copy's receiver: GRANT ${lacking.join(', ')} ON ${table} TO <user>.`,
      attribute: ['copy_table'],
    });
  }
  if (m.missingRows === 'create') {
    const sent = [m.keyField, ...m.fields];
    const unfilled = target.columns.filter((c) => c.notNull && !c.hasDefault && !c.generated && !sent.includes(c.name)).map((c) => c.name);
    if (unfilled.length) {
      diags.push({
        severity: 'warning',
        summary: `Rows the route creates will fail on the copy: ${unfilled.join(', ')} ${at} ${unfilled.length > 1 ? 'are' : 'is'} NOT NULL without a default`,
        detail: 'With missing_rows = create the route inserts only the key and the governed columns. Give those copy columns a default, or report missing rows instead.',
        attribute: ['missing_rows'],
      });
    }
  }
  return diags;
}
