/**
 * authority_wins holds in steady state, not only when a route starts, end to end (real terraform,
 * the real provider, two real PostgreSQL servers and a logical-replication route): someone with
 * the rights switches the copy's guard off, edits, and switches it on again. The next sync of the
 * row brings the authority's value back, and the next plan shows the guard as tampered with and
 * the rows that differ; apply settles them.
 */
import { FieldProtection, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { domainStack } from './support/domain-stack';
import { eventually } from './support/wait';
import { useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE offers (id int PRIMARY KEY, title text, note text);
                      INSERT INTO offers VALUES (1, 'Spring', NULL), (2, 'Summer', NULL), (3, 'Autumn', NULL);
                      GRANT SELECT, UPDATE ON offers TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    }
  },
});

const words = (s: string) => s.replace(/\s+/g, ' ');
const titles = async () => (await ops.query('SELECT title FROM offers ORDER BY id')).rows.map((r) => r.title);

test('authority_wins in steady state: a guard switched off and on again around an edit; the next sync of the row and the next apply bring the authority\'s value back', async () => {
  const { tf } = domainStack(platforms, 'offers', (domain) => {
    const guard = new FieldProtection(domain, 'offer-titles', {
      platform: 'ops', table: 'offers', columns: ['title'], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Rename offers in the CRM.',
    });
    new SyncRoute(domain, 'offer-titles-route', { authority: 'crm', copy: 'ops', table: 'offers', columns: ['title'], dependsOn: [guard] });
  });
  try {
    tf.apply();
    expect(tf.plan().code).toBe(0);
    const guard = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority\\_guard\\_%'")).rows[0].tgname;
    await ops.query(`ALTER TABLE offers DISABLE TRIGGER ${guard}`);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Mine' WHERE id IN (1, 2)")).toBeUndefined();
    await ops.query(`ALTER TABLE offers ENABLE ALWAYS TRIGGER ${guard}`);
    expect(await titles()).toEqual(['Mine', 'Mine', 'Autumn']);

    // The next sync of a row (here a change of a column the route does not carry) brings the authority's value back.
    await crm.query("UPDATE offers SET note = 'checked' WHERE id = 2");
    expect(await eventually(titles, (t) => t[1] === 'Summer')).toEqual(['Mine', 'Summer', 'Autumn']);

    // The next plan: the guard was switched off and on (drift), and the row still differing is settled by apply.
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
    expect(words(plan.output)).toContain("public.offers: 1 row on ops differs from crm in title; this apply replaces it with crm's values");
    expect(words(tf.apply().output)).toContain("public.offers: replaced title in 1 row on ops with crm's values");
    expect(await titles()).toEqual(['Spring', 'Summer', 'Autumn']);
    expect(tf.plan().code).toBe(0);
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Mine' WHERE id = 3"))?.message).toContain('Rename offers in the CRM.');
  } finally {
    tf.destroy();
  }
});
