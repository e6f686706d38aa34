/**
 * Divergence manual_review on PostgreSQL, end to end: L1 constructs -> Terraform JSON -> real
 * terraform -> the real provider -> two real PostgreSQL servers (the CRM, the authority; the
 * operations tool, the copy) with a real logical-replication route. Conflicting values are held
 * on the copy and queued with both sides; a person's resolution is written through the sync.
 */
import { FieldProtection, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { domainStack } from './support/domain-stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    await crm.query(`CREATE TABLE offers (id int PRIMARY KEY, title text);
                     INSERT INTO offers VALUES (1, 'Spring'), (2, 'Summer'), (3, 'Autumn'), (4, 'Winter')`);
    await ops.query(`CREATE TABLE offers (id int PRIMARY KEY, title text);
                     INSERT INTO offers VALUES (1, 'Spring (ops)'), (2, 'Summer'), (3, 'Autumn'), (4, 'Winter');
                     GRANT SELECT, UPDATE ON offers TO ${OPERATOR_ROLE}, ${SYNC_ROLE};
                     CREATE ROLE viewer; GRANT SELECT ON offers TO viewer`);
  },
});

const HINT = 'Offer titles are owned by the CRM: rename the offer there.';

const words = (s: string) => s.replace(/\s+/g, ' ');
const titles = async () => (await ops.query('SELECT title FROM offers ORDER BY id')).rows.map((r) => r.title);
const queue = async () => (await ops.query(
  `SELECT id::int, record::text, column_name, status, copy_value::text, authority_value::text, copy_changed_by, resolution, resolved_by, closed_how
     FROM authority_records.review_queue ORDER BY id`)).rows;

function expectNoChanges(tf: Terraform): string {
  const plan = tf.plan();
  if (plan.code !== 0) throw new Error(`plan exited ${plan.code}, expected no changes:\n${plan.output}`);
  return plan.output;
}

test('manual_review: conflicting values are held and queued with both sides and who changed them; a resolution is written through the sync; none are lost', async () => {
  const { tf } = domainStack(platforms, 'offers', (domain) => {
    const guard = new FieldProtection(domain, 'offer-titles', {
      platform: 'ops', table: 'offers', columns: ['title'], authority: 'crm', fact: 'offer.title', syncPrincipal: SYNC_ROLE, correctionHint: HINT,
    });
    new SyncRoute(domain, 'offer-titles-route', {
      authority: 'crm', copy: 'ops', table: 'offers', columns: ['title'], divergence: 'manual_review', dependsOn: [guard],
    });
  });
  try {
    // 1. A value that differs as the route starts is queued, not overwritten.
    expect(words(tf.plan().output)).toContain('public.offers: 1 row on ops differs from crm in title and stays as it is');
    expect(words(tf.apply().output)).toContain("ops public.offers: 1 value that differ from crm's was queued for review in authority_records.review_queue");
    expect(await titles()).toEqual(['Spring (ops)', 'Summer', 'Autumn', 'Winter']);
    expect(await queue()).toEqual([expect.objectContaining({
      record: '{"id": 1}', column_name: 'title', status: 'open', copy_value: '"Spring (ops)"', authority_value: '"Spring"', copy_changed_by: null,
    })]);

    // 2. The authority changes the held cell: the copy keeps its value, the queue the authority's latest.
    await crm.query("UPDATE offers SET title = 'Spring 2027' WHERE id = 1");
    await crm.query("UPDATE offers SET title = 'Summer 2027' WHERE id = 2");
    // Changes arrive in commit order: once row 2's has, row 1's was applied (and held).
    expect(await eventually(titles, (t) => t[1] === 'Summer 2027')).toEqual(['Spring (ops)', 'Summer 2027', 'Autumn', 'Winter']);
    expect((await queue())[0]).toMatchObject({ status: 'open', authority_value: '"Spring 2027"' });

    // 3. Someone bypasses the guard and edits the copy: recorded as diverged (who, what), not yet a conflict.
    const guardName = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority\\_guard\\_%'")).rows[0].tgname;
    await ops.query(`ALTER TABLE offers DISABLE TRIGGER ${guardName}`);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Autumn (ops)' WHERE id = 3")).toBeUndefined();
    await ops.query(`ALTER TABLE offers ENABLE ALWAYS TRIGGER ${guardName}`);
    expect((await queue())[1]).toMatchObject({
      record: '{"id": 3}', status: 'diverged', copy_value: '"Autumn (ops)"', copy_changed_by: `${platforms.ops.connection.username} (as ${OPERATOR_ROLE})`,
    });
    // ... and once the authority brings another value for it, a conflict: held, queued with both values.
    await crm.query("UPDATE offers SET title = 'Autumn 2027' WHERE id = 3");
    await crm.query("UPDATE offers SET title = 'Winter 2027' WHERE id = 4");
    expect(await eventually(titles, (t) => t[3] === 'Winter 2027')).toEqual(['Spring (ops)', 'Summer 2027', 'Autumn (ops)', 'Winter 2027']);
    const [first, second] = await queue();
    expect(second).toMatchObject({ status: 'open', copy_value: '"Autumn (ops)"', authority_value: '"Autumn 2027"' });
    // The guard switched off and on again reads back as tampered with (its seal, guard-seal.ts): plan
    // shows it, apply seals it again and settles by manual_review, which leaves both conflicts queued.
    expect(tf.plan().output).toMatch(/~ enforced\s+= false -> true/);
    tf.apply();
    expect((await queue()).map((q) => q.status)).toEqual(['open', 'open']);

    // 4. Plan reports the queue: its size, where, and how to resolve.
    const planned = words(expectNoChanges(tf));
    expect(planned).toContain('ops public.offers: 2 conflicts with crm wait for review in authority_records.review_queue');
    expect(planned).toContain("UPDATE authority_records.review_queue SET resolution = 'authority' WHERE id = ...");
    expect(await titles()).toEqual(['Spring (ops)', 'Summer 2027', 'Autumn (ops)', 'Winter 2027']);

    // 5. Resolving takes UPDATE on the copy's table, and only open conflicts resolve.
    expect((await tryAs(ops, 'viewer', `UPDATE authority_records.review_queue SET resolution = 'authority' WHERE id = ${first.id}`))?.message)
      .toContain('resolving it takes UPDATE on public.offers');
    expect((await tryAs(ops, OPERATOR_ROLE, `UPDATE authority_records.review_queue SET copy_value = '"x"' WHERE id = ${first.id}`))?.message)
      .toContain('permission denied');
    expect(await tryAs(ops, OPERATOR_ROLE, `UPDATE authority_records.review_queue SET resolution = 'authority' WHERE id = ${first.id}`)).toBeUndefined();
    expect(await tryAs(ops, OPERATOR_ROLE, `UPDATE authority_records.review_queue SET resolution = 'copy' WHERE id = ${second.id}`)).toBeUndefined();
    expect((await tryAs(ops, OPERATOR_ROLE, `UPDATE authority_records.review_queue SET resolution = 'copy' WHERE id = ${first.id}`))?.message)
      .toContain(`review item ${first.id} is resolving, not an open conflict`);

    // 6. The authority's side is written through the sync: plan shows it, apply writes it and closes the item.
    const resolving = tf.plan();
    expect(resolving.code).toBe(2);
    expect(resolving.output).toMatch(/~ resolutions_waiting\s+= 1 -> 0/);
    expect(words(resolving.output)).toContain("ops public.offers: 1 value resolved to crm's waits for the sync; this apply writes it");
    expect(words(tf.apply().output)).toContain("ops public.offers: wrote crm's value in 1 cell resolved to it");
    expect(await titles()).toEqual(['Spring 2027', 'Summer 2027', 'Autumn (ops)', 'Winter 2027']);
    expect((await queue())[0]).toMatchObject({
      status: 'closed', resolution: 'authority', resolved_by: `${platforms.ops.connection.username} (as ${OPERATOR_ROLE})`,
      closed_how: "resolved: the sync wrote the authority's value",
    });
    // The copy's side stands; a later different value from the authority is a new conflict, and one equal to the copy's closes it.
    expect((await queue())[1]).toMatchObject({ status: 'diverged', resolution: 'copy' });
    await crm.query("UPDATE offers SET title = 'Autumn 2028' WHERE id = 3");
    await crm.query("UPDATE offers SET title = 'Winter 2028' WHERE id = 4");
    await eventually(titles, (t) => t[3] === 'Winter 2028');
    expect(await titles()).toEqual(['Spring 2027', 'Summer 2027', 'Autumn (ops)', 'Winter 2028']);
    expect((await queue()).slice(1).map((q) => [q.status, q.authority_value])).toEqual([['closed', '"Autumn 2027"'], ['open', '"Autumn 2028"']]);
    await crm.query("UPDATE offers SET title = 'Autumn (ops)' WHERE id = 3");
    await crm.query("UPDATE offers SET title = 'Winter 2029' WHERE id = 4");
    await eventually(titles, (t) => t[3] === 'Winter 2029');
    expect((await queue())[2]).toMatchObject({ status: 'closed', closed_how: "agreed: the authority's value equals the copy's" });
    expectNoChanges(tf);

    // 7. The hold trigger disabled by hand is drift, and apply restores it.
    const hold = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority\\_hold\\_%'")).rows[0].tgname;
    await ops.query(`ALTER TABLE offers DISABLE TRIGGER ${hold}`);
    expect(tf.plan().output).toMatch(/~ enabled\s+= false -> true/);
    tf.apply();
    expect((await ops.query('SELECT tgenabled FROM pg_trigger WHERE tgname = $1', [hold])).rows).toEqual([{ tgenabled: 'A' }]);
    expectNoChanges(tf);
  } finally {
    tf.destroy();
  }
  // Destroy takes the hold trigger; the queue stays: it is the record of who changed what.
  expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
  expect((await queue()).length).toBe(3);
});
