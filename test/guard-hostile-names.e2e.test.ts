/**
 * Hostile column names on real PostgreSQL: the guards' statements quote them, and no name reaches a
 * function body, also with check_function_bodies = off (where a name that broke out of a
 * dollar-quoted body would run as a statement of its own).
 */
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { installBlankGuard } from '../provider/platforms/postgresql/blank-guard';
import { installGuardStatements } from '../provider/platforms/postgresql/guard-sql';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { eventually } from './support/wait';
import { useTestPlatforms, tryAs } from './support/platforms';
import { HOSTILE_NAMES } from './support/hostile-names';

const BREAKOUT = '$authority$;DROP TABLE IF EXISTS victim;SELECT $authority$';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ ops }) => {
    await ops.query('CREATE TABLE victim (id int); ALTER DATABASE ops SET check_function_bodies = off');
  },
});

/** Runs `sql` as the provider's settle of table `wide` writes (replica role, its settle marker). */
async function asSettle(sql: string, params: unknown[] = []): Promise<void> {
  await ops.query('BEGIN');
  try {
    await ops.query("SET LOCAL session_replication_role = replica; SELECT set_config('authority.settle', 'wide'::regclass::oid::text, true)");
    await ops.query(sql, params);
    await ops.query('COMMIT');
  } catch (e) {
    await ops.query('ROLLBACK');
    throw e;
  }
}

test('every hostile name as a column of both guards: each is guarded and kept against blank, and nothing else runs', async () => {
  const cols = HOSTILE_NAMES.map((h) => h.name);
  const q = (c: string) => ops.escapeIdentifier(c);
  await ops.query(`CREATE TABLE wide (id int PRIMARY KEY, ${cols.map((c) => `${q(c)} text`).join(', ')});
    INSERT INTO wide (id, ${cols.map(q).join(', ')}) VALUES (1, ${cols.map((_c, i) => `'v${i}'`).join(', ')});
    GRANT SELECT, UPDATE ON wide TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  const loc = { namespace: 'public', container: 'wide' };
  const guard = installGuardStatements(loc, {
    syncPrincipal: SYNC_ROLE, authority: BREAKOUT, correctionHint: `Fix it at ${BREAKOUT}`, fact: BREAKOUT, key: BREAKOUT, columns: cols,
  });
  for (const sql of [...guard, ...installBlankGuard(BREAKOUT, loc, cols, false)]) await ops.query(sql);
  expect((await ops.query("SELECT to_regclass('public.victim') IS NOT NULL AS there")).rows[0].there).toBe(true);

  for (const [i, c] of cols.entries()) {
    const refused = await tryAs(ops, OPERATOR_ROLE, `UPDATE wide SET ${q(c)} = 'mine' WHERE id = 1`);
    expect(refused?.message).toBe(`wide.${c} is a read-only copy here. Fix it at ${BREAKOUT}`);
    await asSettle(`UPDATE wide SET ${q(c)} = '' WHERE id = 1`);
    expect((await ops.query(`SELECT ${q(c)} AS v FROM wide`)).rows[0].v).toBe(`v${i}`);
    await asSettle(`UPDATE wide SET ${q(c)} = $1 WHERE id = 1`, [`new${i}`]);
    expect((await ops.query(`SELECT ${q(c)} AS v FROM wide`)).rows[0].v).toBe(`new${i}`);
  }
  expect(await tryAs(ops, SYNC_ROLE, `UPDATE wide SET ${q(cols[0])} = 'synced' WHERE id = 1`)).toBeUndefined();
});

test('a route with divergence authority_unless_blank and a protection on a column named to break out: apply runs nothing but its own statements', async () => {
  const col = crm.escapeIdentifier(BREAKOUT);
  await crm.query(`CREATE TABLE contacts (id int PRIMARY KEY, ${col} text); INSERT INTO contacts VALUES (1, 'crm-1')`);
  await ops.query(`CREATE TABLE contacts (id int PRIMARY KEY, ${col} text); INSERT INTO contacts VALUES (1, 'ops-1');
    GRANT SELECT, UPDATE ON contacts TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  const c = (name: 'crm' | 'ops') => platforms[name].connection;
  const stack = synthDomain((app) => {
    const domain = new Domain(app, 'hostile', { governedBy: 'Test team' });
    for (const name of ['crm', 'ops'] as const) {
      domain.usePlatform(new Platform({ name, kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...c(name), database: name }) }));
    }
    new SyncRoute(domain, 'contacts', { authority: 'crm', copy: 'ops', table: 'contacts', columns: [BREAKOUT], divergence: 'authority_unless_blank' });
    new FieldProtection(domain, 'contacts-guard', {
      platform: 'ops', table: 'contacts', columns: [BREAKOUT], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  try {
    tf.apply();
    expect((await ops.query("SELECT to_regclass('public.victim') IS NOT NULL AS there")).rows[0].there).toBe(true);
    const value = async () => (await ops.query(`SELECT ${col} AS v FROM contacts WHERE id = 1`)).rows[0].v;
    expect(await value()).toBe('crm-1'); // settled at the start
    await crm.query(`UPDATE contacts SET ${col} = '' WHERE id = 1`);
    await crm.query(`INSERT INTO contacts VALUES (2, 'crm-2')`);
    // Changes arrive in commit order: once row 2 has, the blank was applied (and kept out).
    await eventually(async () => (await ops.query('SELECT count(*)::int AS n FROM contacts')).rows[0].n, (n) => n === 2);
    expect(await value()).toBe('crm-1');
    expect((await tryAs(ops, OPERATOR_ROLE, `UPDATE contacts SET ${col} = 'mine' WHERE id = 1`))?.message).toContain('Correct it in the CRM.');
    expect(tf.plan().code).toBe(0);
  } finally {
    tf.destroy();
  }
});
