/**
 * divergence newest_wins on PostgreSQL: the statement builders of its trigger (against every name a
 * user can give a schema, table, column or authority), the trigger's place in the firing order,
 * the function bodies' guarantees, and what plan says about the rule.
 */
import { escapeIdentifier, escapeLiteral } from 'pg';
import {
  NEWEST_FUNCTIONS, SUPERSEDED, installNewestStatements, newestTriggerName, removeNewestStatements,
} from '../provider/platforms/postgresql/newest-wins-sql';
import { holdTriggerName } from '../provider/platforms/postgresql/review-queue-sql';
import { overrideTriggerName } from '../provider/platforms/postgresql/override-sql';
import { PINNED_SEARCH_PATH, SETTLE_COLUMNS } from '../provider/platforms/postgresql/guard-sql';
import { syncPairName } from '../provider/platforms/postgresql/route-names';
import { divergenceAtStart } from '../provider/resources/sync-route-messages';
import { HOSTILE_NAMES, IMPOSSIBLE_NAMES } from './support/hostile-names';

const plain = { namespace: 'public', container: 'offers' };
const FEED = syncPairName({ authority: 'crm', copy: 'ops' });
const fn = (name: string) => NEWEST_FUNCTIONS.find((f) => f.name === name)!;

test('the trigger fires after the review hold and before the override trigger (PostgreSQL fires them in name order)', () => {
  for (const override of [overrideTriggerName('offer-titles'), overrideTriggerName('0'), overrideTriggerName('é'.repeat(40))]) {
    expect(newestTriggerName('crm', plain, 'k') < override).toBe(true);
  }
  expect(holdTriggerName('crm', plain, 'k') < newestTriggerName('crm', plain, 'k')).toBe(true);
});

test.each([
  ['another authority', ['erp', plain, '']],
  ['another table', ['crm', { namespace: 'public', container: 'deals' }, '']],
  ['another schema', ['crm', { namespace: 'sales', container: 'offers' }, '']],
  ['another route key', ['crm', plain, 'offers_titles']],
] as const)('one trigger per route: %s names another', (_what, [authority, loc, key]) => {
  const name = newestTriggerName(authority, loc, key);
  expect(name).toMatch(/^authority_newest_[0-9a-f]{16}$/);
  expect(name).not.toBe(newestTriggerName('crm', plain, ''));
  expect(newestTriggerName(authority, loc, key)).toBe(name);
});

test('install: the functions, then the trigger BEFORE INSERT OR UPDATE, firing always (also for the apply worker), with the authority, its subscription and the columns as arguments', () => {
  const sql = installNewestStatements('crm', FEED, plain, '', ['title', 'note']);
  const trigger = escapeIdentifier(newestTriggerName('crm', plain, ''));
  expect(sql[0]).toContain("pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))");
  expect(sql).toEqual(expect.arrayContaining(NEWEST_FUNCTIONS.map((f) => f.sql)));
  expect(sql.slice(-3)).toEqual([
    `DROP TRIGGER IF EXISTS ${trigger} ON "public"."offers"`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON "public"."offers" FOR EACH ROW EXECUTE FUNCTION authority_records.newest_row('crm', '${FEED}', 'title', 'note')`,
    `ALTER TABLE "public"."offers" ENABLE ALWAYS TRIGGER ${trigger}`,
  ]);
  expect(removeNewestStatements('crm', plain, '')).toEqual([`DROP TRIGGER IF EXISTS ${trigger} ON "public"."offers"`]);
});

describe.each(HOSTILE_NAMES)('a name with $label', ({ name }) => {
  test.each([
    ['column', ['crm', plain, [name, 'plain']]],
    ['authority', [name, plain, ['title']]],
    ['subscription', ['crm', plain, ['title']]],
    ['schema', ['crm', { namespace: name, container: 'offers' }, ['title']]],
    ['table', ['crm', { namespace: 'public', container: name }, ['title']]],
  ] as const)('as the %s: quoted wherever it goes; the function bodies stay the constant ones', (what, [authority, loc, columns]) => {
    const feed = what === 'subscription' ? name : FEED;
    const sql = installNewestStatements(authority, feed, loc, '', columns);
    const create = sql.find((s) => s.startsWith('CREATE TRIGGER'))!;
    if (what === 'column' || what === 'authority' || what === 'subscription') {
      expect(create).toContain(`newest_row(${[authority, feed, ...columns].map((v) => escapeLiteral(v)).join(', ')})`);
    }
    else expect(create).toContain(` ON ${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)} FOR EACH ROW`);
    for (const f of NEWEST_FUNCTIONS) expect(sql).toContain(f.sql);
  });
});

describe.each(IMPOSSIBLE_NAMES)('a name PostgreSQL cannot hold ($label)', ({ name }) => {
  test('is refused, naming what it is', () => {
    expect(() => installNewestStatements('crm', FEED, plain, '', [name])).toThrow(/The column/);
    expect(() => installNewestStatements('crm', FEED, { namespace: 'public', container: name }, '', ['title'])).toThrow(/The table/);
  });
});

test('the functions: the log is written only by the SECURITY DEFINER row trigger, through a helper only its owner may run; every body has the pinned search path', () => {
  const supersede = fn('supersede_override');
  expect(supersede.kind).toBe('helper');
  expect(supersede.sql).toContain('SECURITY INVOKER');
  expect(supersede.body).toContain('pg_trigger_depth()');
  expect(supersede.body).toContain(`ended_how = '${SUPERSEDED}'`);
  expect(fn('newest_row').kind).toBe('recording trigger');
  expect(fn('newest_row').sql).toContain('SECURITY DEFINER');
  // Its owner alone executes either: only the provider attaches the trigger, only the trigger calls the helper.
  const grants = installNewestStatements('crm', FEED, plain, '', ['title']).find((s) => s.includes('REVOKE ALL ON FUNCTION'))!;
  expect(grants).toContain("'{supersede_override,newest_row}'");
  expect(grants).toContain("'{}'::pg_catalog.text[]");
  for (const f of NEWEST_FUNCTIONS) expect(f.sql).toContain(`SET search_path = ${PINNED_SEARCH_PATH}`);
});

test('the row trigger: only the sync ends an override, only with a value other than the recorded one, and never in a settle of other columns', () => {
  const body = fn('newest_row').body;
  expect(body).toContain('pg_stat_subscription'); // the apply worker
  // ... of the route's own subscription: another authority's worker writing its columns of the row brings none of these.
  expect(body).toContain('feed pg_catalog.text := TG_ARGV[1];');
  expect(body).toContain('sub.subname OPERATOR(pg_catalog.=) feed');
  expect(body).toContain("current_setting('session_replication_role')"); // its settle
  expect(body).toContain(`current_setting('${SETTLE_COLUMNS}', true)`);
  expect(body).toMatch(/CONTINUE WHEN settling AND NOT COALESCE/);
  expect(body).toContain('incoming IS NOT DISTINCT FROM active.authority_value');
  expect(body).toContain("RETURN NEW; -- a person's write");
});

test('plan says what newest_wins does with values that differ as the route starts, which clock decides and that there are no ties', () => {
  const [warning] = divergenceAtStart(
    { authority: 'crm', copy: 'ops', schema: 'public', table: 'offers', columns: ['title'], divergence: 'newest_wins' },
    { differing: 2, missing: 0 });
  expect(warning.summary).toBe('public.offers: 2 rows on ops differ from crm in title and stay as they are');
  expect(warning.detail).toContain('nobody can tell which of these values is newer');
  expect(warning.detail).toContain("in the order writes reach ops: a change from crm that arrives after a local override on ops replaces it");
  expect(warning.detail).toContain("The clock is ops's: a change committed at crm before an override but arriving after it (replication lag) is the newer one");
  expect(warning.detail).toContain('there are no ties');
});
