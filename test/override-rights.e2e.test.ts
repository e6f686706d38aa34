/**
 * What the provider writes into a copy's rows for the records (it reverts local overrides the
 * policy drops or that expired; it writes the authority's value of review items resolved to it)
 * runs with the table owner's rights: a table owner's ALWAYS trigger there must gain nothing from
 * it, not even by RESET ROLE back to the provider's session user.
 */
import { FieldProtection, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { rewriteStack } from './support/stack';
import { domainStack } from './support/domain-stack';
import { useTestPlatforms, tryAs } from './support/platforms';

const { platforms, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE perks (id int PRIMARY KEY, title text); INSERT INTO perks VALUES (1, 'Gym'), (2, 'Lunch');
                      GRANT SELECT, UPDATE ON perks TO ${OPERATOR_ROLE}, ${SYNC_ROLE};
                      CREATE TABLE deals (id int PRIMARY KEY, title text); GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    }
    await crm.query("INSERT INTO deals VALUES (1, 'Gym deal')");
    await ops.query("INSERT INTO deals VALUES (1, 'Gym deal (ops)')");
    // The copy's table belongs to a role that is no superuser, and carries that role's trigger.
    await ops.query(`CREATE ROLE perk_owner NOLOGIN; ALTER TABLE perks OWNER TO perk_owner; GRANT CREATE ON SCHEMA public TO perk_owner;
      BEGIN; SET LOCAL ROLE perk_owner;
      CREATE FUNCTION public.perk_escalate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Run as the owner (the revert): back to the session's user, the provider's, if PostgreSQL lets it (SET ROLE alone is
        -- no boundary). Not in the test's own writes as the operator, whose session is a superuser's too.
        IF current_user = 'perk_owner' THEN
          BEGIN EXECUTE 'RESET ROLE'; EXCEPTION WHEN insufficient_privilege THEN NULL; END;
        END IF;
        IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE perk_owner SUPERUSER'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER zz_escalate BEFORE UPDATE ON perks FOR EACH ROW EXECUTE FUNCTION public.perk_escalate();
      ALTER TABLE perks ENABLE ALWAYS TRIGGER zz_escalate; COMMIT`);
    // The same for a table under manual review, whose owner's trigger fires on every write (the apply worker's too).
    await ops.query(`CREATE ROLE deal_owner NOLOGIN; ALTER TABLE deals OWNER TO deal_owner; GRANT CREATE ON SCHEMA public TO deal_owner;
      BEGIN; SET LOCAL ROLE deal_owner;
      CREATE FUNCTION public.deal_escalate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_user = 'deal_owner' THEN
          BEGIN EXECUTE 'RESET ROLE'; EXCEPTION WHEN insufficient_privilege THEN NULL; END;
        END IF;
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN EXECUTE 'ALTER ROLE deal_owner SUPERUSER'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER zz_escalate BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION public.deal_escalate();
      ALTER TABLE deals ENABLE ALWAYS TRIGGER zz_escalate; COMMIT`);
  },
});

test('reverting overrides when the policy drops them does not run a copy table owner\'s trigger with the provider\'s rights', async () => {
  const { stack, tf } = domainStack(platforms, 'perks', (domain) => {
    new FieldProtection(domain, 'perk-titles', {
      platform: 'ops', table: 'perks', columns: ['title'], authority: 'crm', fact: 'perk.title', syncPrincipal: SYNC_ROLE,
      correctionHint: 'Perk titles are the CRM\'s.', overrideReason: 'Local names for perks', overrideExpires: '2099-01-01',
    });
  });
  try {
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE perks SET title = 'Gym (ops)' WHERE id = 1")).toBeUndefined();
    rewriteStack(stack, (json) => {
      const p = Object.values<any>(json.resource.authority_field_protection)[0];
      delete p.override_reason;
      delete p.override_expires;
    });
    tf.apply();
    // Reverted, as the table's owner: the owner's trigger ran, and gained nothing.
    expect((await ops.query('SELECT title FROM perks ORDER BY id')).rows.map((r) => r.title)).toEqual(['Gym', 'Lunch']);
    expect((await ops.query("SELECT ended_how FROM authority_records.overrides WHERE table_oid = 'perks'::regclass")).rows)
      .toEqual([{ ended_how: expect.stringMatching(/the override left the policy/) }]);
    expect((await ops.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'perk_owner'")).rows[0].rolsuper).toBe(false);
  } finally {
    tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  }
});

test('writing the authority\'s value of a review item resolved to it does not run a copy table owner\'s trigger with the provider\'s rights', async () => {
  const { tf } = domainStack(platforms, 'deals', (domain) => {
    const guard = new FieldProtection(domain, 'deal-titles', {
      platform: 'ops', table: 'deals', columns: ['title'], authority: 'crm', fact: 'deal.title', syncPrincipal: SYNC_ROLE,
      correctionHint: 'Deal titles are the CRM\'s.',
    });
    new SyncRoute(domain, 'deal-titles-route', {
      authority: 'crm', copy: 'ops', table: 'deals', columns: ['title'], divergence: 'manual_review', dependsOn: [guard],
    });
  });
  try {
    tf.apply(); // the differing title is queued, not overwritten
    const [item] = (await ops.query("SELECT id::int FROM authority_records.review_queue WHERE status = 'open'")).rows;
    expect(await tryAs(ops, OPERATOR_ROLE, `UPDATE authority_records.review_queue SET resolution = 'authority' WHERE id = ${item.id}`)).toBeUndefined();
    tf.apply(); // writes the authority's value, as the table's owner
    expect((await ops.query('SELECT title FROM deals')).rows).toEqual([{ title: 'Gym deal' }]);
    expect((await ops.query('SELECT status FROM authority_records.review_queue WHERE id = $1', [item.id])).rows).toEqual([{ status: 'closed' }]);
    expect((await ops.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'deal_owner'")).rows[0].rolsuper).toBe(false);
  } finally {
    tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  }
});
