/**
 * The attributes of authority_sync_route that map a route into a copy that keeps the records under
 * other names (copy_schema, copy_table, copy_columns, copy_key_column, missing_rows): their
 * schema, checks, plan defaults and messages. The route itself is in sync-route.ts.
 */
import { AttributeSchema, Diagnostic, ObjectValue, Value, isUnknown } from '../framework';
import { RouteMapping } from '../platforms/adapter';
import { Contract, MISSING_ROWS, isMissingRowsPolicy } from '../../constructs/src/contract';
import { nameCheck } from './config-checks';
import { tableOf } from './sync-route-messages';

export const MAPPING_ATTRIBUTES: Record<string, AttributeSchema> = {
  copy_schema: {
    type: 'string', optional: true, computed: true,
    description: 'The copy\'s schema, on a mapped route (one with copy_table). Default "public" there, null otherwise. Changing it replaces the route.',
  },
  copy_table: {
    type: 'string', optional: true,
    description: 'The copy\'s table when the copy keeps the records under other names (a mapped route): the authority\'s changes arrive in a ' +
      'staging table of the authority\'s schema-qualified name on the copy (the provider\'s own, made in a schema of that name when the copy ' +
      'has none), and a trigger there maps each into this table, finding the row by copy_key_column. Needs copy_columns and copy_key_column, ' +
      'and a one-column key on the authority. Changing it replaces the route.',
  },
  copy_columns: {
    type: ['list', 'string'], optional: true,
    description: 'On a mapped route, the copy\'s column for each of `columns`, in the same order. Changing it replaces the route.',
  },
  copy_key_column: {
    type: 'string', optional: true,
    description: 'On a mapped route, the copy\'s column that holds the authority\'s record key (e.g. an external-id column). Changing it replaces the route.',
  },
  record_key_column: {
    type: 'string', optional: true,
    description: 'On a mapped route, the authority\'s column whose value the copy holds in copy_key_column (the model\'s record key). Plan refuses ' +
      'the route unless it is the authority table\'s one-column key (primary key or replica-identity index). Default: that key.',
  },
  missing_rows: {
    type: 'string', optional: true, computed: true,
    description: 'On a mapped route, what happens to records the copy has no row for: "report" (default: plan counts them; nothing is written) ' +
      'or "create" (a row is inserted with the key and the governed columns; deleting the record at the authority deletes that row). Null on routes without copy_table.',
  },
};

/** Attributes whose change replaces a mapped route (the staging table is rebuilt and refilled). */
export const MAPPING_REPLACES = ['copy_schema', 'copy_table', 'copy_columns', 'copy_key_column', 'record_key_column', 'missing_rows'];

/**
 * The mapping attributes whose change replaces the route. record_key_column left out of the
 * configuration means the authority's key: the key itself in state (read back after an import) is no change.
 */
export function mappingReplaces(prior: ObjectValue, planned: ObjectValue): string[] {
  const keyByDefault = planned.record_key_column === null && Array.isArray(prior.key_columns) && prior.record_key_column === prior.key_columns[0];
  return MAPPING_REPLACES.filter((a) => JSON.stringify(prior[a] ?? null) !== JSON.stringify(planned[a] ?? null))
    .filter((a) => !(a === 'record_key_column' && keyByDefault));
}

/** The mapping attributes of a mapping read back from the copy, its copy columns in the order of `columns`. */
export function mappingAttributes(m: RouteMapping, columns: readonly string[]): ObjectValue {
  const copyColumn = (c: string) => m.fields[m.sourceFields.indexOf(c)];
  return {
    copy_schema: m.location.namespace, copy_table: m.location.container, copy_key_column: m.keyField,
    copy_columns: columns.every((c) => m.sourceFields.includes(c)) ? columns.map(copyColumn) : m.fields,
    record_key_column: m.recordKeyField ?? null, missing_rows: m.missingRows,
  };
}

/** Whether the configuration maps the route. */
export const isMapped = (s: ObjectValue): boolean => s.copy_table !== null && s.copy_table !== undefined;

/** The planned mapping attributes: defaults on a mapped route, nulls otherwise. */
export function plannedMapping(p: ObjectValue): ObjectValue {
  if (!isMapped(p)) return { copy_schema: null, missing_rows: null };
  return { copy_schema: p.copy_schema ?? 'public', missing_rows: p.missing_rows ?? Contract.DEFAULT_MISSING_ROWS };
}

/** The route's mapping, as the router takes it (undefined on a route under the same names). */
export function mappingOf(s: ObjectValue): RouteMapping | undefined {
  if (!isMapped(s) || !Array.isArray(s.copy_columns) || !Array.isArray(s.columns)) return undefined;
  return {
    location: { namespace: (s.copy_schema as string | null) ?? 'public', container: s.copy_table as string },
    sourceFields: s.columns as string[],
    fields: s.copy_columns as string[],
    keyField: s.copy_key_column as string,
    ...(typeof s.record_key_column === 'string' ? { recordKeyField: s.record_key_column } : {}),
    missingRows: isMissingRowsPolicy(s.missing_rows) ? s.missing_rows : 'report',
  };
}

export function validateMapping(config: ObjectValue): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const text = nameCheck(diags, 'map into something else');
  text('schema', config.copy_schema, ['copy_schema']);
  text('table', config.copy_table, ['copy_table']);
  text('column', config.copy_key_column, ['copy_key_column']);
  text('column', config.record_key_column, ['record_key_column']);
  if (Array.isArray(config.copy_columns)) config.copy_columns.forEach((c, i) => text('column', c, ['copy_columns', i]));
  const given = (v: Value) => v !== null && v !== undefined;
  if (!given(config.copy_table)) {
    for (const a of ['copy_schema', 'copy_columns', 'copy_key_column', 'record_key_column', 'missing_rows']) {
      if (given(config[a])) diags.push({ severity: 'error', summary: `${a} needs copy_table`, detail: 'A route maps into a copy of other names only when copy_table names its table there.', attribute: [a] });
    }
    return diags;
  }
  for (const a of ['copy_columns', 'copy_key_column']) {
    if (!given(config[a])) diags.push({ severity: 'error', summary: `A mapped route needs ${a}`, detail: 'Name the copy\'s column for each of `columns` (copy_columns) and the column holding the authority\'s key (copy_key_column).', attribute: [a] });
  }
  const [cols, copyCols] = [config.columns, config.copy_columns];
  if (Array.isArray(cols) && Array.isArray(copyCols) && !isUnknown(cols) && cols.length !== copyCols.length) {
    diags.push({ severity: 'error', summary: `copy_columns names ${copyCols.length} columns for ${cols.length} in columns`, detail: 'Give the copy\'s column for each of `columns`, in the same order.', attribute: ['copy_columns'] });
  }
  if (Array.isArray(copyCols)) {
    const seen = new Set<Value>();
    copyCols.forEach((c, i) => {
      if (typeof c === 'string' && (seen.has(c) || c === config.copy_key_column)) diags.push({ severity: 'error', summary: `Copy column "${c}" is named twice`, detail: 'Each field goes to a column of its own, apart from the key column.', attribute: ['copy_columns', i] });
      seen.add(c);
    });
  }
  if (typeof config.missing_rows === 'string' && !isMissingRowsPolicy(config.missing_rows)) {
    diags.push({ severity: 'error', summary: `missing_rows "${config.missing_rows}" is not a missing-rows policy`, detail: `Use one of ${MISSING_ROWS.map((r) => `"${r}"`).join(', ')}.`, attribute: ['missing_rows'] });
  }
  if (config.divergence === 'manual_review' || config.divergence === 'newest_wins') {
    // The review hold and the newest-wins trigger watch the copy's table under the authority's names; through a
    // mapping they would watch the staging table and do nothing: refused rather than promising the rule.
    diags.push({ severity: 'error', summary: `divergence ${config.divergence} is not available on a route across differing names`, detail: 'Use authority_wins or authority_unless_blank for this route, or keep the fields under the same names on both platforms.', attribute: ['divergence'] });
  }
  if (config.two_way === true) {
    diags.push({ severity: 'error', summary: 'A mapped route cannot be half of a two-way split', detail: 'Two-way splits need the same names on both platforms. Keep the fields under the same names, or route them one way.', attribute: ['two_way'] });
  }
  return diags;
}

/** The plan's warning about records of a running report-only mapped route that the copy has no row for. */
export function unmatchedWarning(planned: ObjectValue, count: number): Diagnostic[] {
  if (count === 0) return [];
  const [from, to] = [String(planned.authority), String(planned.copy)];
  const where = `${String(planned.copy_schema ?? 'public')}.${String(planned.copy_table)}`;
  return [{
    severity: 'warning',
    summary: `${tableOf(planned)}: ${count} record${count === 1 ? '' : 's'} of ${from} ${count === 1 ? 'has' : 'have'} no row in ${where} on ${to}`,
    detail: `missing_rows = report: the route writes only rows ${to} already holds, found by ${String(planned.copy_key_column)}. ` +
      `Create the rows on ${to} (with ${from}'s key in ${String(planned.copy_key_column)}), or declare MissingRows.CREATE.`,
  }];
}
