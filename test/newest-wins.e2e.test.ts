/**
 * Divergence newest_wins on PostgreSQL, end to end: L1 constructs -> Terraform JSON -> real
 * terraform -> the real provider -> two real PostgreSQL servers (the CRM, the authority; the
 * operations tool, the copy, which allows local overrides) with a real logical-replication route.
 * A person's override and the authority's changes are ordered by when they reach the copy, and
 * the most recent wins.
 */
import { Client } from 'pg';
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
                      INSERT INTO offers SELECT i, 'Offer ' || i, NULL FROM generate_series(1, ${MANY}) i;
                      UPDATE offers SET title = 'Spring' WHERE id = 1;
                      UPDATE offers SET title = 'Summer' WHERE id = 2;
                      GRANT SELECT, INSERT, UPDATE ON offers TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    }
    // A value that already differs as the route starts: newest_wins cannot tell which is newer.
    await ops.query("UPDATE offers SET title = 'Offer 3 (ops)' WHERE id = 3");
  },
});

const HINT = 'Offer titles are owned by the CRM: rename the offer there.';
const REASON = 'Ops renames offers for local events';
const MANY = 120;

const words = (s: string) => s.replace(/\s+/g, ' ');
const row = async (db: Client, id: number) => (await db.query('SELECT title, note FROM offers WHERE id = $1', [id])).rows[0];
const log = async (id: number) => (await ops.query(
  `SELECT new_value::text, authority_value::text, ended_how FROM authority_records.overrides
    WHERE record = jsonb_build_object('id', $1::int) AND column_name = 'title' ORDER BY id`, [id])).rows;
const newestTriggers = async () => (await ops.query(
  "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.offers'::regclass AND tgname LIKE 'authority\\_newest\\_%'")).rows;

function newestStack(): { stack: SynthesizedStack; tf: Terraform } {
  const { stack, tf } = domainStack(platforms, 'offers', (domain) => {
    const guard = new FieldProtection(domain, 'offer-titles', {
      platform: 'ops', table: 'offers', columns: ['title', 'note'], authority: 'crm', fact: 'offer.title', syncPrincipal: SYNC_ROLE,
      correctionHint: HINT, overrideReason: REASON,
    });
    new SyncRoute(domain, 'offer-titles-route', {
      authority: 'crm', copy: 'ops', table: 'offers', columns: ['title', 'note'], divergence: 'newest_wins', dependsOn: [guard],
    });
  });
  return { stack, tf };
}

function expectNoChanges(tf: Terraform): string {
  const plan = tf.plan();
  if (plan.code !== 0) throw new Error(`plan exited ${plan.code}, expected no changes:\n${plan.output}`);
  return plan.output;
}

/** Once crm's latest change to `id` has reached ops: changes arrive in commit order. */
async function arrived(id: number, note: string): Promise<void> {
  await crm.query('UPDATE offers SET note = $2 WHERE id = $1', [id, note]);
  await waitFor(`crm's note "${note}" of offer ${id} to reach ops`, async () => (await row(ops, id)).note === note, 15_000);
}

const route = (json: any) => Object.values<any>(json.resource.authority_sync_route)[0];

test('newest_wins: a change from the authority that reaches the copy after an override replaces it, an override after it stands; drift repaired; destroy leaves the catalogs as found', async () => {
  const triggersBefore = (await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n;
  const { stack, tf } = newestStack();
  try {
    // 0. The value that differs as the route starts stays, and the plan says why and which clock decides from now on.
    const planned = words(tf.plan().output);
    expect(planned).toContain('public.offers: 1 row on ops differs from crm in title, note and stays as it is');
    expect(planned).toContain('divergence = newest_wins: nobody can tell which of these values is newer');
    expect(planned).toContain("The clock is ops's");
    tf.apply();
    expect((await row(ops, 3)).title).toBe('Offer 3 (ops)');
    expect(await newestTriggers()).toEqual([expect.objectContaining({ tgenabled: 'A' })]);

    // 1. A person overrides; a change of the row's other column at the authority leaves the override standing.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Spring (ops event)' WHERE id = 1")).toBeUndefined();
    await arrived(1, 'checked at crm');
    expect((await row(ops, 1)).title).toBe('Spring (ops event)');
    expect(await log(1)).toEqual([{ new_value: '"Spring (ops event)"', authority_value: '"Spring"', ended_how: null }]);

    // 2. The authority changes the overridden value later: it reaches the copy after the override, and wins.
    await crm.query("UPDATE offers SET title = 'Spring 2027' WHERE id = 1");
    expect((await eventually(() => row(ops, 1), (r) => r.title === 'Spring 2027')).title).toBe('Spring 2027');
    expect(await log(1)).toEqual([{
      new_value: '"Spring (ops event)"', authority_value: '"Spring 2027"', ended_how: 'superseded: a newer value came from the authority',
    }]);

    // 3. A person overrides after the authority's last change: it stands, through later writes of the row at the authority.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Spring (ops, again)' WHERE id = 1")).toBeUndefined();
    await arrived(1, 'checked again at crm');
    expect((await row(ops, 1)).title).toBe('Spring (ops, again)');
    expect((await log(1))[1]).toEqual({ new_value: '"Spring (ops, again)"', authority_value: '"Spring 2027"', ended_how: null });

    // 4. A plan after apply changes nothing, and reports the value overridden now.
    expect(words(expectNoChanges(tf))).toContain('offer.title: 1 value overridden locally on ops public.offers');

    // 5. The trigger dropped by hand is drift; apply puts it back, and it works again.
    const [{ tgname }] = await newestTriggers();
    await ops.query(`DROP TRIGGER ${tgname} ON offers`);
    const drifted = tf.plan();
    expect(drifted.output).toMatch(/~ enabled\s+= false -> true/);
    tf.apply();
    expect(await newestTriggers()).toEqual([{ tgname, tgenabled: 'A' }]);
    expectNoChanges(tf);
    await crm.query("UPDATE offers SET title = 'Spring 2028' WHERE id = 1");
    expect((await eventually(() => row(ops, 1), (r) => r.title === 'Spring 2028')).title).toBe('Spring 2028');
    expect((await log(1))[1].ended_how).toBe('superseded: a newer value came from the authority');

    // 6. The route leaves newest_wins: its trigger goes, and an override is kept again against later changes.
    rewriteStack(stack, (json) => { route(json).divergence = 'authority_wins'; });
    tf.apply();
    expect(await newestTriggers()).toEqual([]);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Summer (ops)' WHERE id = 2")).toBeUndefined();
    await crm.query("UPDATE offers SET title = 'Summer 2027' WHERE id = 2");
    await arrived(2, 'after the summer change');
    expect((await row(ops, 2)).title).toBe('Summer (ops)');
    expectNoChanges(tf);
  } finally {
    tf.destroy();
  }
  // Destroy leaves the catalogs as found: no trigger, publication, subscription or slot of ours (the override log stays, the record).
  expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n).toBe(triggersBefore);
  expect((await ops.query('SELECT count(*)::int AS n FROM pg_subscription')).rows[0].n).toBe(0);
  expect((await crm.query('SELECT count(*)::int AS n FROM pg_publication')).rows[0].n).toBe(0);
  expect((await crm.query('SELECT count(*)::int AS n FROM pg_replication_slots')).rows[0].n).toBe(0);
});

test('newest_wins under concurrent writes: hundreds of overrides and authority changes of the same cells converge to the newer value of each', async () => {
  const { tf } = newestStack();
  const person = await platforms.connect('ops');
  try {
    tf.apply();
    const ids = Array.from({ length: MANY - 10 }, (_, i) => i + 11); // rows the first test did not touch
    const pick = (n: number) => ids[(n * 7919) % ids.length];
    // Both sides write the same cells at once, in step: in round n the person (the operator on ops) overrides
    // one cell while the CRM changes the cell the person overrode 5 rounds ago (the route brings it when it brings it).
    for (let n = 0; n < 300; n++) {
      const [failed] = await Promise.all([
        tryAs(person, OPERATOR_ROLE, 'UPDATE offers SET title = $2 WHERE id = $1', [pick(n), `ops ${n}`]),
        crm.query('UPDATE offers SET title = $2 WHERE id = $1', [pick(n - 5 + ids.length), `crm ${n}`]),
      ]);
      if (failed) throw failed;
    }
    await arrived(MANY, 'all sent');
    const [copy, authority] = await Promise.all([ops, crm].map(async (db) =>
      new Map((await db.query('SELECT id, title FROM offers')).rows.map((r) => [r.id as number, r.title as string]))));
    const active = new Map((await ops.query(
      `SELECT (record->>'id')::int AS id, new_value->>0 AS value, authority_value->>0 AS authority, authority_changed_at > changed_at AS later
         FROM authority_records.overrides WHERE column_name = 'title' AND ended_at IS NULL`)).rows.map((r) => [r.id as number, r]));
    const superseded = (await ops.query(
      "SELECT count(*)::int AS n FROM authority_records.overrides WHERE ended_how = 'superseded: a newer value came from the authority' AND (record->>'id')::int > 10")).rows[0].n;
    // Each cell holds the newer write: an override no authority value reached the copy after (the CRM still
    // has the value it was made against), or else the CRM's value.
    const wrong = ids.filter((id) => {
      const o = active.get(id);
      return o ? copy.get(id) !== o.value || authority.get(id) !== o.authority || o.later : copy.get(id) !== authority.get(id);
    });
    expect(wrong).toEqual([]);
    // Both sides won some: the race was real.
    expect(superseded).toBeGreaterThan(0);
    expect(ids.filter((id) => active.has(id)).length).toBeGreaterThan(0);
    expectNoChanges(tf);
  } finally {
    await person.end();
    tf.destroy();
  }
});
