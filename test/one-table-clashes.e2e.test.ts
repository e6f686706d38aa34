/**
 * Hand-written (L1) resources that would break each other on one table, which the constructs'
 * rules never see: two protections under one key (the default, the authority), two routes under
 * one key, two routes carrying one column. Applied in one run, plan saw nothing installed yet, so
 * the provider refuses the second under the table's or the pair's lock, naming the attribute; the
 * first keeps working, and giving each its own key converges. Real terraform, the real provider,
 * two real PostgreSQL servers.
 */
import { FieldProtection, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { domainStack } from './support/domain-stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE deals (id int PRIMARY KEY, title text, note text);
                      INSERT INTO deals VALUES (1, 'Renewal', 'n1');
                      GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    }
  },
});

const words = (s: string) => s.replace(/\s+/g, ' ');
const row = async () => (await ops.query('SELECT title, note FROM deals WHERE id = 1')).rows[0];

interface Column { col: string; key?: string; routeKey?: string; routeColumns?: string[]; override?: boolean }

/** The columns' protections and routes (`only` one of the two, or both with each route after its protection). */
function stackOf(columns: Column[], only?: 'protections' | 'routes'): Terraform {
  const { tf } = domainStack(platforms, 'deals', (domain) => {
    for (const c of columns) {
      const guard = only === 'routes' ? undefined : new FieldProtection(domain, `${c.col}-guard`, {
        platform: 'ops', table: 'deals', columns: [c.col], authority: 'crm', key: c.key, fact: `deal.${c.col}`, syncPrincipal: SYNC_ROLE,
        correctionHint: 'Edit the deal in the CRM.', overrideReason: c.override ? 'ops annotates deals' : undefined,
      });
      if (only === 'protections') continue;
      new SyncRoute(domain, `${c.col}-route`, {
        authority: 'crm', copy: 'ops', table: 'deals', key: c.routeKey, columns: c.routeColumns ?? [c.col], dependsOn: guard && [guard],
      });
    }
  });
  return tf;
}

/**
 * terraform destroy plans the configuration first, and a resource whose plan is refused stops it:
 * -refresh=false destroys what state holds without that plan (what a user does, or removes the resource).
 */
function destroyRefused(tf: Terraform): void {
  expect(tf.run('destroy', '-auto-approve', '-input=false', '-no-color').output).toContain('Error');
  const gone = tf.run('destroy', '-auto-approve', '-input=false', '-no-color', '-refresh=false');
  if (gone.code !== 0) throw new Error(gone.output);
}

test('two protections or two routes of one table under one key, or two routes carrying one column: the second is refused, the first works, own keys converge', async () => {
  // 1. Two protections without keys (both "crm"), created in one apply: the second is refused, the first guards.
  let tf = stackOf([{ col: 'title' }, { col: 'note', override: true }], 'protections');
  const guarded = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
  expect(guarded.code).not.toBe(0);
  expect(words(guarded.output)).toMatch(/Guard authority_(guard|override)_crm on ops public\.deals exists already, for fact deal\.(title|note) owned by crm/);
  expect(words(guarded.output)).toContain('give this protection another key');
  const installed = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname ~ '^authority_(guard|override)_crm$'")).rows;
  expect(installed).toHaveLength(1);
  const replanned = tf.plan();
  expect(replanned.code).toBe(1);
  expect(words(replanned.output)).toContain('exists already');
  destroyRefused(tf);
  expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n).toBe(0);

  // 2. Two routes without keys, created in one apply: the second is refused, the first's column flows.
  tf = stackOf([{ col: 'title' }, { col: 'note' }], 'routes');
  const routed = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
  expect(routed.code).not.toBe(0);
  const said = words(routed.output);
  const [, first, second] = said.match(/One of the routes from crm to ops on public\.deals already has no key, for columns (title|note).*?This route \(columns (title|note)\)/) ?? [];
  expect([first, second].sort()).toEqual(['note', 'title']);
  expect(said).toContain('give this route its own key (attribute "key"');
  await crm.query(`UPDATE deals SET ${first} = 'from crm' WHERE id = 1`);
  expect((await eventually(row, (r) => r[first] === 'from crm'))[first]).toBe('from crm');
  expect(words(tf.plan().output)).toContain('already has no key');
  // The refused route is not in state (it would claim the first's place, and its destroy remove the first).
  expect(tf.ok('state', 'list').stdout.split('\n').filter((l) => l.startsWith('authority_sync_route.'))).toEqual([`authority_sync_route.${first}-route`]);
  destroyRefused(tf);
  expect((await crm.query("SELECT count(*)::int AS n FROM pg_publication WHERE pubname LIKE 'authority\\_%'")).rows[0].n).toBe(0);

  // 3. Own keys, but both routes carry the title: the second to install is refused.
  tf = stackOf([{ col: 'title', key: 'titles', routeKey: 'titles' }, { col: 'note', key: 'notes', routeKey: 'notes', routeColumns: ['note', 'title'] }]);
  const shared = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
  expect(shared.code).not.toBe(0);
  expect(words(shared.output)).toMatch(/title of public\.deals already flows by another of the routes from crm to ops \(key "(titles|notes)"\)/);
  destroyRefused(tf);

  // 4. Own keys, own columns: everything converges and both columns flow.
  tf = stackOf([{ col: 'title', key: 'titles', routeKey: 'titles' }, { col: 'note', key: 'notes', routeKey: 'notes', override: true }]);
  tf.apply();
  await crm.query("UPDATE deals SET title = 'Renewal 2027', note = 'n2' WHERE id = 1");
  expect(await eventually(row, (r) => r.title === 'Renewal 2027' && r.note === 'n2')).toEqual({ title: 'Renewal 2027', note: 'n2' });
  expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET title = 'Mine' WHERE id = 1"))?.message).toContain('read-only copy');
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET note = 'ops note' WHERE id = 1")).toBeUndefined();
  expect(tf.plan().code).toBe(0);
  expect(tf.run('destroy', '-auto-approve', '-input=false', '-no-color').code).toBe(0);
  expect((await crm.query("SELECT count(*)::int AS n FROM pg_publication WHERE pubname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
  expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
});
