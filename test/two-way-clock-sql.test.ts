/**
 * divergence newest_wins on a two-way sync without a split, on PostgreSQL: the statement builders of
 * the clocks both sides keep (against every name a user can give a schema, table, column or
 * platform), the function bodies' guarantees, and plan's refusals.
 */
import { escapeIdentifier, escapeLiteral } from 'pg';
import {
  CLOCK_FUNCTIONS, MERGE_TRIGGER, clockTableName, clockTableRef, clockTriggerName, dropClockStatements, installClockStatements, stopClockStatements,
} from '../provider/platforms/postgresql/two-way-clock-sql';
import { clockTrigger, keepsClocks } from '../provider/platforms/postgresql/two-way-clock';
import { bothWaysRefusal, noPrimaryKey } from '../provider/platforms/postgresql/two-way-check';
import { PINNED_SEARCH_PATH } from '../provider/platforms/postgresql/guard-sql';
import { ROW_CODE_TRUSTED } from '../provider/platforms/postgresql/records-functions';
import { syncPairName } from '../provider/platforms/postgresql/route-names';
import { divergenceAtStart } from '../provider/resources/sync-route-messages';
import { HOSTILE_NAMES, IMPOSSIBLE_NAMES } from './support/hostile-names';

const plain = { namespace: 'public', container: 'offers' };
const FEED = syncPairName({ authority: 'crm', copy: 'ops' });
const fn = (name: string) => CLOCK_FUNCTIONS.find((f) => f.name === name)!;
const side = { mode: 'resolve', me: 'ops', feed: FEED, pair: FEED, routeKey: 'offers', location: plain, columns: ['title', 'note'] } as const;

test('one clock table per table, the same name on both sides; a trigger per route, side and mode', () => {
  expect(clockTableName(plain)).toMatch(/^clock_[0-9a-f]{16}$/);
  expect(clockTableRef(plain)).toBe(`authority_records.${clockTableName(plain)}`);
  expect(clockTriggerName(plain, FEED, 'k', 'stamp')).toMatch(/^authority_clock_stamp_[0-9a-f]{16}$/);
  expect(clockTriggerName(plain, FEED, 'k', 'resolve')).toMatch(/^authority_clock_resolve_[0-9a-f]{16}$/);
  for (const other of [{ namespace: 'sales', container: 'offers' }, { namespace: 'public', container: 'deals' }]) {
    expect(clockTableName(other)).not.toBe(clockTableName(plain));
    expect(clockTriggerName(other, FEED, 'k', 'stamp')).not.toBe(clockTriggerName(plain, FEED, 'k', 'stamp'));
  }
  expect(clockTriggerName(plain, FEED, 'other key', 'stamp')).not.toBe(clockTriggerName(plain, FEED, 'k', 'stamp'));
  expect(clockTriggerName(plain, 'authority_ops_to_crm_0a1b2c', 'k', 'stamp')).not.toBe(clockTriggerName(plain, FEED, 'k', 'stamp'));
});

test('a route stamps local writes on its sending side (not those its reverse brings) and resolves what it brings on its receiving side', () => {
  const route = { authority: 'crm', copy: 'ops', location: plain, key: 'offers' };
  const base = { pair: FEED, routeKey: 'offers', location: plain, columns: ['title'] };
  expect(clockTrigger(route, 'authority', ['title'])).toEqual({ ...base, mode: 'stamp', me: 'crm', feed: syncPairName({ authority: 'ops', copy: 'crm' }) });
  expect(clockTrigger(route, 'copy', ['title'])).toEqual({ ...base, mode: 'resolve', me: 'ops', feed: FEED });
});

test('only a half of a two-way sync with newest_wins under the same names keeps clocks', () => {
  expect(keepsClocks({ twoWay: true, divergence: 'newest_wins' })).toBe(true);
  expect(keepsClocks({ twoWay: false, divergence: 'newest_wins' })).toBe(false);
  expect(keepsClocks({ twoWay: true, divergence: 'authority_wins' })).toBe(false);
  expect(keepsClocks({ twoWay: true, divergence: 'newest_wins', mapping: { location: plain, sourceFields: ['a'], fields: ['b'], keyField: 'k', missingRows: 'report' } })).toBe(false);
});

test('install: trusted schema, the functions, the clock table (readable, not writable), its merge trigger and the user table\'s trigger, both firing always', () => {
  const sql = installClockStatements(side);
  const clock = clockTableRef(plain);
  const trigger = escapeIdentifier(clockTriggerName(plain, FEED, 'offers', 'resolve'));
  expect(sql[0]).toContain("pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))");
  expect(sql[1]).toContain(clockTableName(plain)); // its owner is checked with the log's
  expect(sql).toEqual(expect.arrayContaining(CLOCK_FUNCTIONS.map((f) => f.sql)));
  expect(sql).toContain(`CREATE TABLE IF NOT EXISTS ${clock} (record jsonb NOT NULL, column_name text NOT NULL, origin text NOT NULL, changed_at timestamptz NOT NULL, PRIMARY KEY (record, column_name, origin))`);
  expect(sql).toContain(`REVOKE ALL ON ${clock} FROM PUBLIC`);
  expect(sql).toContain(`GRANT SELECT ON ${clock} TO PUBLIC`);
  expect(sql.slice(-6)).toEqual([
    `DROP TRIGGER IF EXISTS ${MERGE_TRIGGER} ON ${clock}`,
    `CREATE TRIGGER ${MERGE_TRIGGER} BEFORE INSERT ON ${clock} FOR EACH ROW EXECUTE FUNCTION authority_records.clock_merge()`,
    `ALTER TABLE ${clock} ENABLE ALWAYS TRIGGER ${MERGE_TRIGGER}`,
    `DROP TRIGGER IF EXISTS ${trigger} ON "public"."offers"`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON "public"."offers" FOR EACH ROW EXECUTE FUNCTION authority_records.clock_resolve('resolve', 'ops', '${FEED}', '${FEED}', '${clock}', 'title', 'note')`,
    `ALTER TABLE "public"."offers" ENABLE ALWAYS TRIGGER ${trigger}`,
  ]);
  expect(stopClockStatements(plain, FEED, 'offers', 'resolve')).toEqual([`DROP TRIGGER IF EXISTS ${trigger} ON "public"."offers"`]);
  expect(dropClockStatements(plain)).toEqual([`DROP TABLE IF EXISTS ${clock}`]);
});

describe.each(HOSTILE_NAMES)('a name with $label', ({ name }) => {
  test.each([
    ['column', { ...side, columns: [name, 'plain'] }],
    ['platform', { ...side, me: name }],
    ['schema', { ...side, location: { namespace: name, container: 'offers' } }],
    ['table', { ...side, location: { namespace: 'public', container: name } }],
  ] as const)('as the %s: quoted wherever it goes; the function bodies stay the constant ones', (what, s) => {
    const sql = installClockStatements(s);
    const create = sql.find((x) => x.startsWith('CREATE TRIGGER') && x.includes('authority_records.clock_resolve('))!;
    if (what === 'column' || what === 'platform') {
      expect(create).toContain(`(${[s.mode, s.me, s.feed, s.pair, clockTableRef(s.location), ...s.columns].map((v) => escapeLiteral(v)).join(', ')})`);
    } else {
      expect(create).toContain(` ON ${escapeIdentifier(s.location.namespace)}.${escapeIdentifier(s.location.container)} FOR EACH ROW`);
      // The clock table's name is a digest: nothing of the user's name reaches it unquoted.
      expect(sql.find((x) => x.startsWith('CREATE TABLE'))).toContain(`authority_records.${clockTableName(s.location)} (`);
    }
    for (const f of CLOCK_FUNCTIONS) expect(sql).toContain(f.sql);
  });
});

describe.each(IMPOSSIBLE_NAMES)('a name PostgreSQL cannot hold ($label)', ({ name }) => {
  test('is refused, naming what it is', () => {
    expect(() => installClockStatements({ ...side, columns: [name] })).toThrow(/The column/);
    expect(() => installClockStatements({ ...side, location: { namespace: 'public', container: name } })).toThrow(/The table/);
  });
});

test('the functions: the clock is written only by the stamp trigger (SECURITY DEFINER, attached by its owner alone) through a helper only its owner runs, only into clock tables; the resolve runs with the writer\'s rights; every body has the pinned search path', () => {
  const write = fn('clock_write');
  expect(write).toMatchObject({ kind: 'helper' });
  expect(write.sql).toContain('SECURITY INVOKER');
  expect(fn('clock_stamp')).toMatchObject({ kind: 'recording trigger' });
  expect(fn('clock_stamp').sql).toContain('SECURITY DEFINER');
  expect(fn('clock_stamp').body).toContain('untrusted_code'); // reading the row runs no other role's code with the provider's rights
  expect(fn('clock_resolve')).toMatchObject({ kind: 'trigger' });
  expect(fn('clock_key_match')).toMatchObject({ kind: 'caller rights' });
  expect(write.body).toContain('pg_trigger_depth()');
  expect(write.body).toContain("c.relname OPERATOR(pg_catalog.~) '^clock_[0-9a-f]{16}$'");
  // Never below the cell's newest stamp: a write after a seen one is newer, whatever the clocks say.
  expect(write.body).toContain("stamp := prev OPERATOR(pg_catalog.+) '1 microsecond'::pg_catalog.interval;");
  // Only this side's own clock row is replaced.
  expect(write.body).toContain('c.origin OPERATOR(pg_catalog.=) $3');
  for (const name of ['clock_resolve', 'clock_merge', 'clock_key_match']) expect(fn(name).sql).toContain('SECURITY INVOKER');
  for (const f of CLOCK_FUNCTIONS) expect(f.sql).toContain(`SET search_path = ${PINNED_SEARCH_PATH}`);
});

test('the row trigger: a local write is stamped; the apply worker of the route\'s subscription keeps a value whose newest write is here; ties by platform name, byte-wise', () => {
  const body = fn('clock_stamp').body;
  // The stamp differs only by the trusted-code check, which comes before the row is read as JSON.
  expect(fn('clock_resolve').body).toBe(body.replace(ROW_CODE_TRUSTED, ''));
  expect(body.indexOf(ROW_CODE_TRUSTED)).toBeLessThan(body.indexOf('pg_catalog.to_jsonb(NEW)'));
  expect(body).not.toMatch(/:= pg_catalog\.to_jsonb\(NEW\);\n[\s\S]*BEGIN/);
  expect(body).toContain('sub.subname OPERATOR(pg_catalog.=) feed');
  expect(body).toContain("RETURN NEW; -- the other side's write, brought by the sync: stamped there");
  expect(body).toContain("RETURN NEW; -- resolve: only the route's own subscription's writes");
  expect(body).toContain('PERFORM authority_records.clock_write(clock, rec, col, me);');
  expect(body).toContain('ORDER BY c.changed_at DESC, c.origin COLLATE "C" DESC LIMIT 1');
  expect(body).toContain('IF won OPERATOR(pg_catalog.=) me THEN');
  // The same key created on both sides: the incoming insert updates the local row, and is skipped.
  expect(body).toMatch(/EXECUTE pg_catalog\.format\('UPDATE %s t SET[\s\S]*RETURN NULL;/);
  const merge = fn('clock_merge').body;
  expect(merge).toContain('ON CONFLICT (record, column_name, origin) DO UPDATE');
  expect(merge).toContain('RETURN NULL;');
});

test('plan: a column flowing both ways without newest_wins on both halves is refused, naming both rules; a table without a primary key too', () => {
  const refused = bothWaysRefusal({ authority: 'crm', copy: 'ops', location: plain, divergence: 'authority_wins' }, ['title'], 'newest_wins');
  expect(refused.summary).toBe('title of public.offers would flow both ways between "crm" and "ops", with divergence authority_wins here and newest_wins on the route back');
  expect(refused.detail).toContain('Declare divergence = "newest_wins" on both routes, or split the columns');
  expect(refused.attribute).toEqual(['divergence']);
  expect(noPrimaryKey('public.offers', 'ops').summary).toBe('public.offers on "ops" has no primary key; a two-way sync with divergence newest_wins needs one');
});

test('plan says what a starting half of a two-way newest_wins sync does with values that differ: they stay; which clock decides; ties', () => {
  const [warning] = divergenceAtStart(
    { authority: 'crm', copy: 'ops', schema: 'public', table: 'offers', columns: ['title'], divergence: 'newest_wins', two_way: true },
    { differing: 1, missing: 0 });
  expect(warning.summary).toBe('public.offers: 1 row on ops differs from crm in title and stays as it is');
  expect(warning.detail).toContain('nothing is settled from crm');
  expect(warning.detail).toContain("stamp every write of a cell with their server's clock");
  expect(warning.detail).toContain('a tie goes to the platform whose name sorts last');
});
