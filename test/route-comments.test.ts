/**
 * The comments the provider keeps on a pair's publication (its registry of routes) and
 * subscription (a settle under way) are read as untrusted input: anyone who may comment on them
 * can edit them, and they steer what is published and what a settle writes with replica rights.
 * Only the shape the provider writes is taken; anything else is refused with a diagnostic that
 * says what is wrong and how to restore the comment.
 */
import { DiagnosticError } from '../provider/framework';
import { RouteEntry, parseRegistry, publicationComment, registryProblem } from '../provider/platforms/postgresql/route-registry';
import { SettleSpec, settleRegistryProblem, settleSpecProblem, subscriptionComment } from '../provider/platforms/postgresql/settle';
import { HOSTILE_NAMES } from './support/hostile-names';

const title: RouteEntry = { schema: 'public', table: 'deals', key: 'sales_titles', columns: ['title'], divergence: 'authority_wins' };
const stage: RouteEntry = { schema: 'public', table: 'deals', key: 'sales_stages', columns: ['stage', 'owner'], divergence: 'authority_unless_blank' };
const spec: SettleSpec = { location: { namespace: 'public', container: 'deals' }, key: ['id'], fields: ['stage'], divergence: 'authority_wins', routeKey: 'sales_stages' };
const long = 'x'.repeat(64);

describe('a registry read from a publication\'s comment', () => {
  test.each([
    ['not JSON', '{not json', 'is not valid JSON'],
    ['an object, not a list', '{"schema":"public"}', 'is not a list of routes'],
    ['a route that is not an object', '[1]', 'has a route (#1) that is not an object'],
    ['a route without a schema', JSON.stringify([{ ...title, schema: undefined }]), 'has a route (#1) that has no schema name (a string)'],
    ['a table name PostgreSQL would truncate', JSON.stringify([title, { ...stage, table: long }]), 'has a route (#2) that has a table name that is longer than 63 bytes (64)'],
    ['a table name with a NUL byte', JSON.stringify([{ ...title, table: 'a\0b' }]), 'has a route (#1) that has a table name that contains a NUL byte'],
    ['a key that is not a string', JSON.stringify([{ ...title, key: 7 }]), 'has a route (#1) that has no key (a string)'],
    ['no columns', JSON.stringify([{ ...title, columns: [] }]), 'has a route (#1) that has no columns (a non-empty list of names)'],
    ['columns that are not a list', JSON.stringify([{ ...title, columns: 'title' }]), 'has a route (#1) that has no columns'],
    ['a column that is not a name', JSON.stringify([{ ...title, columns: ['title', 3] }]), 'has a route (#1) that has no column name (a string)'],
    ['a column named twice', JSON.stringify([{ ...title, columns: ['title', 'title'] }]), 'has a route (#1) that names one of its columns twice'],
    ['an unknown divergence rule', JSON.stringify([{ ...title, divergence: 'copy_wins' }]), 'has a route (#1) that has no divergence rule (one of authority_wins,'],
  ])('%s is refused: the diagnostic says what is wrong and how to restore the comment', (_what, json, problem) => {
    const comment = `Managed by authority: sends the governed columns of each routed table from crm to ops. Routes: ${json}`;
    let thrown: unknown;
    try {
      parseRegistry(comment, [], 'authority_crm_to_ops_abc123');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DiagnosticError);
    const d = (thrown as DiagnosticError).diagnostic;
    expect(d.summary).toContain('The comment on publication "authority_crm_to_ops_abc123" (on the authority) was changed by hand: its registry of routes ');
    expect(d.summary).toContain(problem);
    expect(d.detail).toContain('COMMENT ON PUBLICATION "authority_crm_to_ops_abc123" IS NULL, on the authority) and apply again');
  });

  test('what the provider writes is taken as it is, hostile names included', () => {
    const entries = [title, stage, ...HOSTILE_NAMES.map((h) => ({ ...title, schema: h.name, table: h.name, key: h.name, columns: [h.name] }))];
    expect(registryProblem(JSON.parse(JSON.stringify(entries)))).toBeUndefined();
    expect(parseRegistry(publicationComment('crm', 'ops', entries), []).entries).toHaveLength(entries.length);
  });

  test('a publication without a registry holds routes without a key', () => {
    expect(parseRegistry('Managed by authority: sends ...', [{ schema: 'public', table: 'deals', columns: ['id', 'title'] }]))
      .toEqual({ recorded: false, entries: [{ schema: 'public', table: 'deals', key: '', columns: ['id', 'title'], divergence: 'authority_wins' }] });
  });
});

describe('a settle read from a subscription\'s comment', () => {
  test.each([
    ['not an object', 'x', 'is not an object with location, key, fields and divergence'],
    ['no location', { ...spec, location: undefined }, 'has no location'],
    ['a schema that is not a string', { ...spec, location: { namespace: 1, container: 'deals' } }, 'has no schema name (a string)'],
    ['a table PostgreSQL would truncate', { ...spec, location: { namespace: 'public', container: long } }, 'has a table name that is longer than 63 bytes'],
    ['no key columns', { ...spec, key: [] }, 'has no key columns (a non-empty list of names)'],
    ['a field that is not a name', { ...spec, fields: [null] }, 'has no field name (a string)'],
    ['an unknown divergence rule', { ...spec, divergence: 'newest' }, 'has no divergence rule'],
    ['a route key that is not a string', { ...spec, routeKey: 5 }, 'has a route key that is not a string'],
  ])('%s is malformed', (_what, value, problem) => {
    expect(settleSpecProblem(value)).toContain(problem);
  });

  test.each([
    ['its route\'s own column', spec, undefined],
    ['a settle recorded before routes had keys, of columns a route of the table carries', { ...spec, routeKey: undefined, fields: ['title', 'owner'] }, undefined],
    ['a table the pair does not route', { ...spec, location: { namespace: 'public', container: 'payroll' } },
      'is of public.payroll (route "sales_stages"), which the pair\'s registry does not route'],
    ['a route key the table does not have', { ...spec, routeKey: 'other' }, 'is of public.deals (route "other"), which the pair\'s registry does not route'],
    ['a column its route does not carry', { ...spec, fields: ['stage', 'salary'] }, 'writes salary on public.deals, which no route of the pair carries there'],
    ['another route\'s column under its key', { ...spec, fields: ['title'] }, 'writes title on public.deals, which no route of the pair carries there'],
  ] as [string, SettleSpec, string | undefined][])('against the pair\'s registry: %s', (_what, s, problem) => {
    expect(settleSpecProblem(JSON.parse(JSON.stringify(s)))).toBeUndefined();
    expect(settleRegistryProblem(s, [title, stage])).toBe(problem);
  });

  test('what the provider writes has the shape it takes', () => {
    const comment = subscriptionComment('crm', spec);
    expect(settleSpecProblem(JSON.parse(comment.slice(comment.indexOf('Settling: ') + 10)))).toBeUndefined();
  });
});
