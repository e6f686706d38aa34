/**
 * The SQL, checks and messages of mapped sync routes (a copy that keeps the records under other
 * names), built by small functions: names only ever appear quoted or as literals, names PostgreSQL
 * cannot hold are refused, and the resource's checks name the attribute to fix.
 */
import { escapeIdentifier } from 'pg';
import { RouteMapping } from '../provider/platforms/adapter';
import { UnsafeNameError } from '../provider/platforms/postgresql/guard-sql';
import {
  MAPPING_BODY, createStagingStatements, mappedCountQuery, mappedInsertStatement, mappedSettleStatement, mappedSql, mappingArgs,
  mappingTriggerName, mappingTriggerStatements, removeStagingStatements, seedStatement, unmatchedQuery,
} from '../provider/platforms/postgresql/mapping-sql';
import { mappedSettleSettings } from '../provider/platforms/postgresql/mapped-settle';
import { mappingOfArgs, sameColumns, triggerArgs } from '../provider/platforms/postgresql/staging';
import { mappingOf, mappingReplaces, plannedMapping, unmatchedWarning, validateMapping } from '../provider/resources/sync-route-mapping';
import { HOSTILE_NAMES, IMPOSSIBLE_NAMES } from './support/hostile-names';

const mapping = (name = 'display_name', over: Partial<RouteMapping> = {}): RouteMapping => ({
  location: { namespace: 'public', container: 'campaigns_view' }, sourceFields: ['name'], fields: [name], keyField: 'ext_id', missingRows: 'report', ...over,
});
const staging = { namespace: 'public', container: 'campaigns' };

test('the trigger\'s arguments: copy schema, table and key, the authority\'s key, the policy, then (authority, copy) column pairs', () => {
  expect(mappingArgs(mapping('display_name', { sourceFields: ['name', 'budget'], fields: ['display_name', 'budget_eur'], missingRows: 'create' }), 'id', ['name', 'budget']))
    .toEqual(['public', 'campaigns_view', 'ext_id', 'id', 'create', 'name', 'display_name', 'budget', 'budget_eur']);
  expect(() => mappingArgs(mapping(), 'id', ['name', 'budget'])).toThrow('one copy column per field');
});

test('the trigger fires always, before the row is written, for every change, with a constant body and its names as literals', () => {
  const statements = mappingTriggerStatements(staging, mappingArgs(mapping(), 'id', ['name']));
  expect(statements[0]).toContain('SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $authority_map$');
  expect(statements[0]).toContain(MAPPING_BODY);
  expect(statements).toContain(`ALTER TABLE "public"."campaigns" ENABLE ALWAYS TRIGGER "${mappingTriggerName(staging)}"`);
  expect(statements[4]).toContain(`BEFORE INSERT OR UPDATE OR DELETE ON "public"."campaigns" FOR EACH ROW EXECUTE FUNCTION "public"."${mappingTriggerName(staging)}"('public', 'campaigns_view', 'ext_id', 'id', 'report', 'name', 'display_name')`);
  expect(mappingTriggerName(staging)).toMatch(/^authority_map_[0-9a-f]{16}$/);
});

describe('every statement quotes hostile names', () => {
  test.each(HOSTILE_NAMES.map((h) => [h.label, h.name]))('%s', (_label, name) => {
    const m = mapping(name, { location: { namespace: name, container: name }, keyField: `${name}_k`.slice(0, 63) });
    const loc = { namespace: name, container: name };
    const id = escapeIdentifier(name);
    const statements = [
      ...createStagingStatements(loc, m, [{ name, type: 'text' }, { name: 'id', type: 'integer' }], 'id', true),
      ...mappingTriggerStatements(loc, mappingArgs(m, 'id', [name])),
      ...removeStagingStatements(loc, true),
      seedStatement(loc),
      unmatchedQuery(loc, m, name),
    ];
    const s = mappedSql(m, name, [name]);
    statements.push(mappedCountQuery(s, true), mappedSettleStatement(s, false), mappedInsertStatement(s));
    const text = statements.join('\n');
    // With the constant body, every quoted identifier and every literal taken out, no part of the name is left.
    const bare = text.split(MAPPING_BODY).join('').replace(/"(?:[^"]|"")*"/g, '').replace(/E?'(?:[^']|'')*'/g, '');
    if (name.length > 2 && !/^(select|new)$/i.test(name)) expect(bare).not.toContain(name);
    expect(text).toContain(`CREATE SCHEMA ${id}`);
  });
});

test.each(IMPOSSIBLE_NAMES.map((h) => [h.label, h.name]))('a name PostgreSQL cannot hold is refused: %s', (_label, name) => {
  expect(() => createStagingStatements({ namespace: 'public', container: name }, mapping(), [{ name: 'id', type: 'integer' }], 'id', false)).toThrow(UnsafeNameError);
  expect(() => mappedSql(mapping(name), 'id', ['name'])).toThrow(UnsafeNameError);
});

test('a staged column type is only ever a type\'s spelling', () => {
  expect(createStagingStatements(staging, mapping(), [{ name: 'id', type: 'character varying(20)' }, { name: 'n', type: 'numeric(10,2)[]' }], 'id', false)[0])
    .toBe('CREATE TABLE "public"."campaigns" ("id" character varying(20), "n" numeric(10,2)[], PRIMARY KEY ("id"))');
  expect(() => createStagingStatements(staging, mapping(), [{ name: 'id', type: 'int); DROP TABLE x; --' }], 'id', false)).toThrow('unexpected type name');
});

test('the settle writes as replication, marked for the copy\'s table, with the staging trigger holding', () => {
  expect(mappedSettleSettings(16384, mapping())).toEqual([
    'SET LOCAL session_replication_role = replica', "SET LOCAL authority.settle = '16384'",
    `SET LOCAL authority.settle_columns = '${JSON.stringify([...mapping().fields, mapping().keyField])}'`, "SET LOCAL authority.mapping = 'hold'",
  ]);
});

test('read-back helpers: trigger arguments and staged columns', () => {
  expect(triggerArgs(Buffer.from('public\0campaigns_view\0ext_id\0'))).toEqual(['public', 'campaigns_view', 'ext_id']);
  expect(triggerArgs(Buffer.from('naïve\0a"b\0'))).toEqual(['naïve', 'a"b']);
  expect(sameColumns([{ name: 'id', type: 'integer' }], [{ name: 'id', type: 'integer' }])).toBe(true);
  expect(sameColumns([{ name: 'id', type: 'integer' }], [{ name: 'id', type: 'bigint' }])).toBe(false);
});

describe('the resource\'s mapping attributes', () => {
  const base = { authority: 'crm', copy: 'ops', table: 'campaigns', columns: ['name'] };
  const summaries = (c: object) => validateMapping(c as any).map((d) => `${d.attribute?.join('.')}: ${d.summary}`);

  test('a complete mapping is accepted, with defaults planned', () => {
    const config = { ...base, copy_table: 'campaigns_view', copy_columns: ['display_name'], copy_key_column: 'ext_id' };
    expect(summaries(config)).toEqual([]);
    expect(plannedMapping(config)).toEqual({ copy_schema: 'public', missing_rows: 'report' });
    expect(plannedMapping(base)).toEqual({ copy_schema: null, missing_rows: null });
    expect(mappingOf({ ...config, ...plannedMapping(config) })).toEqual(mapping());
    expect(mappingOf(base)).toBeUndefined();
  });

  test('incomplete or contradictory mappings name the attribute to fix', () => {
    expect(summaries({ ...base, copy_key_column: 'ext_id', missing_rows: 'create' })).toEqual([
      'copy_key_column: copy_key_column needs copy_table', 'missing_rows: missing_rows needs copy_table',
    ]);
    expect(summaries({ ...base, copy_table: 'v' })).toEqual(['copy_columns: A mapped route needs copy_columns', 'copy_key_column: A mapped route needs copy_key_column']);
    expect(summaries({ ...base, columns: ['a', 'b'], copy_table: 'v', copy_columns: ['x'], copy_key_column: 'k', missing_rows: 'always', two_way: true })).toEqual([
      'copy_columns: copy_columns names 1 columns for 2 in columns',
      'missing_rows: missing_rows "always" is not a missing-rows policy',
      'two_way: A mapped route cannot be half of a two-way split',
    ]);
    expect(summaries({ ...base, copy_table: 'v', copy_columns: ['k'], copy_key_column: 'k' })).toEqual(['copy_columns.0: Copy column "k" is named twice']);
    expect(summaries({ ...base, record_key_column: 'id' })).toEqual(['record_key_column: record_key_column needs copy_table']);
    expect(mappingOf({ ...base, copy_table: 'v', copy_columns: ['x'], copy_key_column: 'k', record_key_column: 'id' })?.recordKeyField).toBe('id');
  });

  test('plan counts the records a report-only copy lacks', () => {
    const planned = { ...base, schema: 'public', copy_schema: 'public', copy_table: 'campaigns_view', copy_key_column: 'ext_id' };
    expect(unmatchedWarning(planned, 0)).toEqual([]);
    expect(unmatchedWarning(planned, 2)[0].summary).toBe('public.campaigns: 2 records of crm have no row in public.campaigns_view on ops');
    expect(unmatchedWarning(planned, 1)[0].detail).toContain('declare MissingRows.CREATE');
  });
});

test('an imported route reads its mapping back from the staging trigger\'s arguments, hostile names included; anything else is no mapping', () => {
  for (const { name } of HOSTILE_NAMES) {
    const m = mapping(name, { keyField: `${name}_key`, recordKeyField: 'id', missingRows: 'create' });
    expect(mappingOfArgs(mappingArgs(m, 'id', m.sourceFields))).toEqual(m);
  }
  expect(mappingOfArgs(['public', 't', 'k', 'id', 'sometimes', 'a', 'b'])).toBeUndefined();
  expect(mappingOfArgs(['public', 't', 'k', 'id', 'report', 'a'])).toBeUndefined();
  expect(mappingOfArgs([])).toBeUndefined();
});

test('record_key_column left out means the authority\'s key: the key read back after an import is not a replacement; another column is', () => {
  const prior = { copy_table: 't', record_key_column: 'id', key_columns: ['id'] };
  expect(mappingReplaces(prior, { copy_table: 't', record_key_column: null })).toEqual([]);
  expect(mappingReplaces(prior, { copy_table: 't', record_key_column: 'code' })).toEqual(['record_key_column']);
  expect(mappingReplaces({ ...prior, record_key_column: 'code' }, { copy_table: 't', record_key_column: null })).toEqual(['record_key_column']);
  expect(mappingReplaces(prior, { copy_table: 'u', record_key_column: null })).toEqual(['copy_table']);
});
