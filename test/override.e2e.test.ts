/**
 * Local overrides on PostgreSQL, end to end: L1 constructs -> Terraform JSON -> real terraform ->
 * the real provider -> two real PostgreSQL servers (the CRM, the authority; the operations tool,
 * the copy) with a real logical-replication route between them. People override the copy, the
 * platform records it, the sync keeps the override, and at expiry the copy reverts with no apply.
 */
import { FieldProtection, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { SynthesizedStack, rewriteStack } from './support/stack';
import { domainStack } from './support/domain-stack';
import { eventually, waitFor } from './support/wait';
import { Terraform } from './support/terraform';
import { useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE offers (id int PRIMARY KEY, title text, note text);
                      INSERT INTO offers VALUES (1, 'Spring', NULL), (2, 'Summer', NULL), (3, 'Autumn', NULL);
                      GRANT SELECT, INSERT, UPDATE ON offers TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    }
  },
});

const HINT = 'Offer titles are owned by the CRM: rename the offer there. Ask #sales-ops.';
const REASON = 'Ops renames offers for local events';

const words = (s: string) => s.replace(/\s+/g, ' ');
const titles = async () => (await ops.query('SELECT title FROM offers ORDER BY id')).rows.map((r) => r.title);
const log = async () => (await ops.query(
  `SELECT record::text, column_name, old_value::text, new_value::text, authority_value::text, reason, changed_by, acting_as,
          changed_at IS NOT NULL AS dated, ended_how FROM authority_records.overrides ORDER BY id`)).rows;

function overrideStack(expires: string): { stack: SynthesizedStack; tf: Terraform } {
  const { stack, tf } = domainStack(platforms, 'offers', (domain) => {
    const guard = new FieldProtection(domain, 'offer-titles', {
      platform: 'ops', table: 'offers', columns: ['title'], authority: 'crm', fact: 'offer.title', syncPrincipal: SYNC_ROLE,
      correctionHint: HINT, overrideReason: REASON, overrideExpires: expires, requiredStrength: 'enforced',
    });
    new SyncRoute(domain, 'offer-titles-route', { authority: 'crm', copy: 'ops', table: 'offers', columns: ['title'], dependsOn: [guard] });
  });
  return { stack, tf };
}

/** A plan that changes nothing; on failure the assertion shows terraform's words. */
function expectNoChanges(tf: Terraform): string {
  const plan = tf.plan();
  if (plan.code !== 0) throw new Error(`plan exited ${plan.code}, expected no changes:\n${plan.output}`);
  return plan.output;
}

const protection = (json: any) => Object.values<any>(json.resource.authority_field_protection)[0];

test('an override survives later authority changes until it expires; then the copy reverts with no apply and people are refused with the correction path; removing it from the policy reverts too', async () => {
  const inThreeDays = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
  const { stack, tf } = overrideStack(inThreeDays);
  let destroyed = { output: '' };
  try {
    tf.apply();
    const state = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources
      .find((r: any) => r.type === 'authority_field_protection').values;
    expect(state).toMatchObject({ strength: 'enforced', override_reason: REASON, override_expires: inThreeDays, enforced: true });

    // 1. A person overrides; the platform records who, when, the old and new value and the reason.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Spring (ops event)' WHERE id = 1")).toBeUndefined();
    expect(await log()).toEqual([{
      record: '{"id": 1}', column_name: 'title', old_value: '"Spring"', new_value: '"Spring (ops event)"', authority_value: '"Spring"',
      reason: REASON, changed_by: platforms.ops.connection.username, acting_as: OPERATOR_ROLE, dated: true, ended_how: null,
    }]);

    // 2. The authority changes the row: the sync keeps the override and records the authority's value.
    await crm.query("UPDATE offers SET title = 'Spring 2027' WHERE id = 1");
    await crm.query("UPDATE offers SET title = 'Summer 2027' WHERE id = 2");
    // Changes arrive in commit order: once row 2's has, row 1's was applied (and kept out).
    expect(await eventually(titles, (t) => t[1] === 'Summer 2027')).toEqual(['Spring (ops event)', 'Summer 2027', 'Autumn']);
    expect((await log())[0].authority_value).toBe('"Spring 2027"');

    // 3. Plan reports the overridden value, who and how long ago, and the expiry ahead.
    const planned = words(expectNoChanges(tf));
    expect(planned).toContain('offer.title: 1 value overridden locally on ops public.offers');
    expect(planned).toContain(`{"id": 1} title = "Spring (ops event)" (crm has "Spring 2027"), by ${platforms.ops.connection.username} (as ${OPERATOR_ROLE})`);
    expect(planned).toMatch(/offer\.title: the local override on ops public\.offers expires in \d+ days?/);

    // 4. A second override; then the expiry moves close, and passes with no apply.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Summer (ops)' WHERE id = 2")).toBeUndefined();
    const expiry = new Date(Date.now() + 30_000).toISOString();
    rewriteStack(stack, (json) => { protection(json).override_expires = expiry; });
    tf.apply();
    expect(await titles()).toEqual(['Spring (ops event)', 'Summer (ops)', 'Autumn']);
    await waitFor('the override to expire on the copy\'s clock', async () =>
      (await ops.query('SELECT statement_timestamp() > $1::timestamptz AS past', [expiry])).rows[0].past, 60_000, 500);

    // 5. Before anything writes: still overridden; plan shows the drift and says the apply reverts.
    const stale = tf.plan();
    expect(stale.output).toMatch(/~ enforced\s+= false -> true/);
    expect(words(stale.output)).toContain('offer.title: the local override on ops public.offers expired at');

    // 6. A person's new override is refused with the correction path (nothing else changes).
    const refused = await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Too late' WHERE id = 3");
    expect(refused?.message).toContain('offers.title: the local override here expired at');
    expect(refused?.message).toContain(HINT);

    // 7. The next sync of an overridden row brings the authority's value.
    await crm.query("UPDATE offers SET title = 'Summer 2028' WHERE id = 2");
    expect((await eventually(titles, (t) => t[1] === 'Summer 2028'))[1]).toBe('Summer 2028');

    // 8. The next write of the table (another row, another column) reverts what is left, with no apply.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET note = 'checked' WHERE id = 3")).toBeUndefined();
    expect(await titles()).toEqual(['Spring 2027', 'Summer 2028', 'Autumn']);
    const ended = await log();
    expect(ended.every((r) => r.ended_how !== null)).toBe(true);
    expect(ended.map((r) => r.ended_how)).toEqual(expect.arrayContaining([expect.stringMatching(/^expired/)]));
    expectNoChanges(tf);

    // 9. A new expiry allows overrides again; removing the override from the policy reverts them.
    rewriteStack(stack, (json) => { protection(json).override_expires = inThreeDays; });
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Autumn (ops)' WHERE id = 3")).toBeUndefined();
    rewriteStack(stack, (json) => { delete protection(json).override_reason; delete protection(json).override_expires; });
    expect(words(tf.plan().output)).toContain('offer.title: the local override on ops public.offers ends');
    tf.apply();
    expect(await titles()).toEqual(['Spring 2027', 'Summer 2028', 'Autumn']);
    expect((await log()).at(-1)?.ended_how).toMatch(/the override left the policy/);
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Mine' WHERE id = 3"))?.message).toContain('offers.title is a read-only copy here');
    expectNoChanges(tf);
  } finally {
    destroyed = tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  }
  expect(destroyed.output).toContain('Destroy complete');
  // The log stays: it is the record of who changed what.
  expect((await ops.query('SELECT count(*)::int AS n FROM authority_records.overrides')).rows[0].n).toBe(3);
  expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
});

test('a local override on a table without a primary key is refused at plan, naming the attribute', async () => {
  await ops.query(`CREATE TABLE notes (id int, body text); GRANT SELECT, UPDATE ON notes TO ${OPERATOR_ROLE}`);
  const { tf } = domainStack(platforms, 'notes', (domain) => {
    new FieldProtection(domain, 'note-bodies', {
      platform: 'ops', table: 'notes', columns: ['body'], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: HINT, overrideReason: REASON,
    });
  });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(words(plan.output)).toContain('public.notes on platform "ops"');
  expect(words(plan.output)).toContain('has no primary key: its local overrides cannot be recorded');
});

test('a record deleted and created anew at the authority arrives with its new value: the override of the old record ends, nothing is blanked', async () => {
  await crm.query("INSERT INTO offers VALUES (7, 'Gala', NULL)");
  await ops.query("INSERT INTO offers VALUES (7, 'Gala', NULL)");
  const { tf } = overrideStack('2999-12-31');
  try {
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Gala (ops)' WHERE id = 7")).toBeUndefined();
    await crm.query('DELETE FROM offers WHERE id = 7');
    await eventually(async () => (await ops.query('SELECT count(*)::int AS n FROM offers WHERE id = 7')).rows[0].n, (n) => n === 0);
    await crm.query("INSERT INTO offers VALUES (7, 'Gala 2027', NULL)");
    const arrived = await eventually(async () => (await ops.query('SELECT title FROM offers WHERE id = 7')).rows[0], (r) => r !== undefined);
    expect(arrived.title).toBe('Gala 2027');
    const ended = (await ops.query(`SELECT ended_how FROM authority_records.overrides WHERE record = '{"id": 7}'`)).rows;
    expect(ended).toEqual([{ ended_how: 'the record was created anew at the authority' }]);
  } finally {
    tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  }
});
