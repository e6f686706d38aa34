/**
 * The SQL and messages of sync routes, built by small functions: checked against every hostile
 * name (no alias of ours ever equals a user's name), and the failure messages name the platform
 * that actually failed.
 */
import { escapeIdentifier } from 'pg';
import {
  aliasesAvoiding, batchQuery, compareRows, compareSql, compareStatements, countQuery, settleStatement,
} from '../provider/platforms/postgresql/reconcile';
import { Run } from '../provider/platforms/postgresql/catalog';
import {
  RouteEntry, entriesOf, parseRegistry, publicationComment, publishedColumns, routeColumns, unlessBlankColumns, withEntry, withoutEntry,
} from '../provider/platforms/postgresql/route-registry';
import { SideError, failure } from '../provider/platforms/postgresql/route-sides';
import { dropSubscriptionStatements, publicationStatements } from '../provider/platforms/postgresql/pair-steps';
import { settleSettings } from '../provider/platforms/postgresql/settle';
import { looksLikeSyncPairName, loopRefusals, syncPairName } from '../provider/platforms/postgresql/route-names';
import { pairWords, routeClash } from '../provider/platforms/postgresql/route-registry';
import { UnreachablePlatformError } from '../provider/platforms/postgresql/connection';
import { HOSTILE_NAMES } from './support/hostile-names';

/** Every alias the statements put before a dot or after a FROM/JOIN/UPDATE target, unquoted. */
const aliasNames = (a: { batch: string; incoming: string; held: string }) => [a.batch, a.incoming, a.held].map((q) => q.slice(1, -1).replace(/""/g, '"'));

describe('comparison statements never let an alias of ours shadow a user\'s name', () => {
  test.each(HOSTILE_NAMES.map((h) => [h.label, h.name]))('%s as table, key and column', (_label, name) => {
    for (const [loc, key, fields] of [
      [{ namespace: 'public', container: name }, ['id'], ['title']],
      [{ namespace: name, container: 't' }, ['id'], ['title']],
      [{ namespace: 'public', container: 't' }, [name], ['title']],
      [{ namespace: 'public', container: 't' }, ['id'], [name, 'b']],
    ] as const) {
      for (const rule of ['authority_wins', 'authority_unless_blank'] as const) {
        const s = compareSql(loc, [...key], [...fields], rule);
        const users = [loc.namespace, loc.container, ...key, ...fields];
        expect(aliasNames(s.a).filter((a) => users.includes(a))).toEqual([]);
        for (const sql of [batchQuery(s), countQuery(s), settleStatement(s)]) {
          // Whole rows only as alias.*: a column can never stand in for the row.
          expect(sql).not.toMatch(/row_to_json\([^)]*[^*)]\)/);
          // The user's names appear only quoted (the raw name with its quotes doubled).
          for (const u of users) expect(sql.split(escapeIdentifier(u)).length).toBeGreaterThan(1);
        }
      }
    }
  });

  test('a column named like our own alias pushes the alias aside', () => {
    const a = aliasesAvoiding(['authority_batch', 'authority_batch_1', 'authority_held']);
    expect(aliasNames(a)).toEqual(['authority_batch_2', 'authority_incoming', 'authority_held_1']);
  });

  test('the settle statement writes only the route\'s own columns, never the key', () => {
    const s = compareSql({ namespace: 'public', container: 'deals' }, ['id'], ['id', 'title'], 'authority_wins');
    expect(settleStatement(s)).toMatch(/SET "title" = "authority_incoming"\."title" FROM/);
  });
});

describe('the pair\'s registry of routes', () => {
  const loc = { namespace: 'public', container: 'deals' };
  const title: RouteEntry = { schema: 'public', table: 'deals', key: 'sales_titles', columns: ['title'], divergence: 'authority_wins' };
  const stage: RouteEntry = { schema: 'public', table: 'deals', key: 'sales_stages', columns: ['stage'], divergence: 'authority_unless_blank' };
  const other: RouteEntry = { schema: 'public', table: 'regions', key: '', columns: ['label'], divergence: 'authority_wins' };

  test('publishes the key and the union of a table\'s routes, and removes only a route\'s own columns', () => {
    const both = withEntry(withEntry([other], title), stage);
    expect(publishedColumns(['id'], entriesOf(both, loc))).toEqual(['id', 'title', 'stage']);
    const left = withoutEntry(both, loc, 'sales_titles');
    expect(publishedColumns(['id'], entriesOf(left, loc))).toEqual(['id', 'stage']);
    expect(entriesOf(withoutEntry(left, loc, 'sales_stages'), loc)).toEqual([]);
    expect(entriesOf(left, { namespace: 'public', container: 'regions' })).toEqual([other]);
  });

  test('a key changed in place moves the route\'s membership', () => {
    const moved = withEntry([title], { ...title, key: 'renamed' }, 'sales_titles');
    expect(moved.map((e) => e.key)).toEqual(['renamed']);
  });

  test('a route reads back its own columns and columns nobody declared, not its neighbours\'', () => {
    expect(routeColumns(['id', 'title', 'stage'], ['id'], title, [title, stage])).toEqual(['title']);
    expect(routeColumns(['id', 'title', 'stage', 'owner'], ['id'], stage, [title, stage])).toEqual(['stage', 'owner']);
    expect(routeColumns(['id', 'stage'], ['id'], title, [title, stage])).toEqual([]); // its column taken out by hand
  });

  test('the unless-blank guard covers the union of the table\'s unless-blank routes', () => {
    expect(unlessBlankColumns([title, stage, { ...stage, key: 'x', columns: ['phone', 'stage'] }])).toEqual(['stage', 'phone']);
    expect(unlessBlankColumns([title])).toEqual([]);
  });

  test('round-trips through the publication\'s comment; a publication without one holds routes without a key', () => {
    const comment = publicationComment('crm', 'ops', [stage, title, other]);
    expect(parseRegistry(comment, []).entries.map((e) => e.key).sort()).toEqual(['', 'sales_stages', 'sales_titles']);
    expect(parseRegistry(comment, []).recorded).toBe(true);
    const legacy = parseRegistry('Managed by authority: sends ...', [{ schema: 'public', table: 'deals', columns: ['id', 'title'] }]);
    expect(legacy).toEqual({ recorded: false, entries: [{ schema: 'public', table: 'deals', key: '', columns: ['id', 'title'], divergence: 'authority_wins' }] });
    expect(() => parseRegistry('x Routes: {not json', [])).toThrow('was changed by hand: its registry of routes is not valid JSON');
  });

  test.each(HOSTILE_NAMES.map((h) => [h.label, h.name]))('%s as table, column and key survives the comment', (_label, name) => {
    const entry: RouteEntry = { schema: name, table: name, key: name, columns: [name], divergence: 'authority_wins' };
    expect(parseRegistry(publicationComment(name, name, [entry]), []).entries).toEqual([entry]);
    const statements = publicationStatements('authority_crm_to_ops_abc', { namespace: name, container: name }, undefined, ['id', name], publicationComment('crm', 'ops', [entry]), null);
    expect(statements[0]).toContain(`${escapeIdentifier(name)}.${escapeIdentifier(name)} ("id", ${escapeIdentifier(name)})`);
    expect(statements[1]).toMatch(/^COMMENT ON PUBLICATION "authority_crm_to_ops_abc" IS +E?'/);
  });

  test('publication statements: a changed union drops and adds the table in one go; no columns left drops it', () => {
    const found = { allTables: false, actions: 'insert, update, delete', viaRoot: true, here: { columns: ['id', 'title'], rowFilter: null }, others: 0 };
    const loc2 = { namespace: 'public', container: 'deals' };
    expect(publicationStatements('p', loc2, found, ['id', 'title'], 'c', 'c')).toEqual([]);
    expect(publicationStatements('p', loc2, found, ['id', 'title', 'stage'], 'c', 'c')).toEqual([
      'ALTER PUBLICATION "p" DROP TABLE "public"."deals"', 'ALTER PUBLICATION "p" ADD TABLE "public"."deals" ("id", "title", "stage")',
    ]);
    expect(publicationStatements('p', loc2, found, [], 'c2', 'c')).toEqual(['ALTER PUBLICATION "p" DROP TABLE "public"."deals"', 'COMMENT ON PUBLICATION "p" IS \'c2\'']);
  });
});

describe('what a failed step says', () => {
  const base = { authority: 'crm', copy: 'ops', doing: 'settle the copy\'s diverged values', scrub: (s: string) => s };
  const settings = { host: 'h', port: 1, database: 'crm', username: 'u' } as ConstructorParameters<typeof UnreachablePlatformError>[1];

  test.each([
    ['the authority unreachable inside a copy step', { side: 'copy', error: new UnreachablePlatformError('crm', settings, new Error('ECONNREFUSED')) },
      'Platform "crm" is unreachable', ['authority']],
    ['the copy unreachable', { side: 'copy', error: new UnreachablePlatformError('ops', settings, new Error('ECONNREFUSED')) },
      'Platform "ops" is unreachable', ['copy']],
    ['the authority\'s connection lost while the copy is settled', { side: 'copy', error: new SideError('authority', new Error('Connection terminated unexpectedly')) },
      'Platform "crm" (the authority) went away while the provider was to settle the copy\'s diverged values', ['authority']],
    ['the authority\'s connection closed by its server\'s shutdown', { side: 'copy', error: new SideError('authority', new Error('Client was closed and is not queryable')) },
      'Platform "crm" (the authority) went away while the provider was to settle the copy\'s diverged values', ['authority']],
    ['the authority shutting down under a step', { side: 'authority', error: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) },
      'Platform "crm" (the authority) went away while the provider was to settle the copy\'s diverged values', ['authority']],
    ['the copy\'s server not reaching the authority', { side: 'copy', error: Object.assign(new Error('could not connect to the publisher: connection refused'), { code: '08006' }) },
      'Platform "crm" (the authority) is unreachable from "ops" (the copy): the copy could not settle the copy\'s diverged values', ['authority']],
    ['the copy refusing', { side: 'copy', error: Object.assign(new Error('violates check constraint "x"'), { code: '23514' }) },
      'Platform "ops" (the copy) refused to settle the copy\'s diverged values', ['copy']],
  ] as const)('%s', (_label, o, summary, attribute) => {
    const d = failure({ ...base, side: o.side, error: o.error });
    expect(d.summary).toBe(summary);
    expect(d.attribute).toEqual(attribute);
  });

  test('passwords are scrubbed from the text', () => {
    const d = failure({ ...base, side: 'copy', error: new Error('could not connect to the publisher: password=s3cret'), scrub: (s) => s.replace('s3cret', '***') });
    expect(d.detail).not.toContain('s3cret');
  });
});

test('a pair name (the feed a trigger argument names) is told from a column in a trigger made before the feed was an argument', () => {
  for (const [authority, copy] of [['crm', 'ops'], ['crm-eu', 'ops'], ['Sales CRM', 'ops'], ['a'.repeat(40), 'b'.repeat(40)]]) {
    expect(looksLikeSyncPairName(syncPairName({ authority, copy }))).toBe(true);
  }
  for (const column of ['title', 'authority_value', 'authority_crm_to_ops', 'Authority_crm_to_ops_abcdef', undefined]) {
    expect(looksLikeSyncPairName(column)).toBe(false);
  }
});

test('a reverse route without two_way is refused on every version; a declared split is allowed from 16', () => {
  const base = { authority: 'crm', copy: 'ops', table: 'public.deals', authorityVersion: 180004, copyVersion: 180004, twoWay: false };
  expect(loopRefusals({ ...base, reverseRoute: 'authority_ops_to_crm_123456' })[0]).toMatchObject({
    summary: 'A route from "ops" back to "crm" on public.deals already exists (subscription "authority_ops_to_crm_123456" on "crm")', attribute: ['copy'],
  });
  expect(loopRefusals({ ...base, twoWay: true, reverseRoute: 'x' })).toEqual([]);
  expect(loopRefusals(base)).toEqual([]);
});

test('dropping a subscription clears its comment first: DROP SUBSCRIPTION leaves pg_description behind', () => {
  expect(dropSubscriptionStatements('authority_crm_to_ops_abc', false)).toEqual([
    'COMMENT ON SUBSCRIPTION "authority_crm_to_ops_abc" IS NULL', 'DROP SUBSCRIPTION "authority_crm_to_ops_abc"',
  ]);
  expect(dropSubscriptionStatements('s', true)[0]).toBe('COMMENT ON SUBSCRIPTION "s" IS NULL');
});

test('the settle writes as replication does and marks itself for the copy\'s guard, with the columns it writes', () => {
  expect(settleSettings(16405, ['title', 'it\'s'])).toEqual([
    'SET LOCAL session_replication_role = replica', "SET LOCAL authority.settle = '16405'", 'SET LOCAL authority.settle_columns = \'["title","it\'\'s"]\'',
  ]);
});

describe('a route that would break another of its pair on one table', () => {
  const loc = { namespace: 'public', container: 'deals' };
  const entries = [
    { schema: 'public', table: 'deals', key: '', columns: ['title'], divergence: 'authority_wins' as const },
    { schema: 'public', table: 'deals', key: 'notes', columns: ['note', 'b'], divergence: 'manual_review' as const },
    { schema: 'public', table: 'other', key: '', columns: ['phone'], divergence: 'authority_wins' as const },
  ];
  const pair = pairWords({ authority: 'crm', copy: 'ops' });

  test('created under a key whose entry carries other columns: refused, naming the key attribute; the same columns are adopted (an apply cut short)', () => {
    expect(routeClash(entries, { location: loc, fields: ['phone'], creates: true }, pair)).toMatchObject({
      summary: 'One of the routes from crm to ops on public.deals already has no key, for columns title', attribute: ['key'],
    });
    expect(routeClash(entries, { location: loc, fields: ['title'], creates: true }, pair)).toBeUndefined();
    // An update of the route itself changes its own columns.
    expect(routeClash(entries, { location: loc, fields: ['phone'] }, pair)).toBeUndefined();
  });

  test('a column another key\'s route carries: refused, unless that key is the one this route moves from', () => {
    expect(routeClash(entries, { location: loc, key: 'x', fields: ['b', 'phone'], creates: true }, pair)).toMatchObject({
      summary: 'b of public.deals already flows by another of the routes from crm to ops (key "notes")', attribute: ['columns'],
    });
    expect(routeClash(entries, { location: loc, key: 'x', fields: ['b'], replacesKey: 'notes' }, pair)).toBeUndefined();
    expect(routeClash(entries, { location: { namespace: 'public', container: 'elsewhere' }, fields: ['title'], creates: true }, pair)).toBeUndefined();
  });
});

test.each([true, false])('the statements declared for the owner\'s functions are the ones a comparison runs (settle: %s)', async (settle) => {
  const spec = { location: { namespace: 'public', container: 'deals' }, key: ['id'], fields: ['title', 'stage'], rule: 'authority_wins' as const, settle };
  const sent: Record<'authority' | 'copy', string[]> = { authority: [], copy: [] };
  let pages = 0;
  const authority = (async (sql: string) => {
    sent.authority.push(sql);
    return { rows: [pages++ === 0 ? { batch: '[{"id":1}]', last: '{"id":1}' } : { batch: null, last: null }] };
  }) as unknown as Run;
  const copy = (async (sql: string) => {
    sent.copy.push(sql);
    return { rows: [{ differing: 1, missing: 0 }], rowCount: 1 };
  }) as unknown as Run;
  await compareRows({ authority, copy, ...spec });
  const declared = compareStatements(spec);
  expect(new Set(sent.authority)).toEqual(new Set(declared.authority));
  expect(new Set(sent.copy)).toEqual(new Set(declared.copy));
});
