/**
 * A copy whose guard someone switched off by hand: people could edit it meanwhile. The next plan
 * must say so, and how many rows differ; the repairing apply must restore the guard and settle the
 * edited values by the policy's divergence rule, so the copy does not keep a wrong value that no
 * later plan mentions. Real terraform, the real provider, two real PostgreSQL servers.
 */
import { App } from 'cdktf';
import { Client } from 'pg';
import { Domain, FieldProtection, PlatformKind, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';
import { waitFor } from './support/wait';

const { platforms, crm, ops } = useTestPlatforms();

/** A route from the CRM to ops and the guard on ops's copy, with the given divergence rule. */
function stackWith(id: string, divergence: string): Terraform {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, id, { governedBy: 'Test team' });
    for (const name of ['crm', 'ops'] as const) domain.usePlatform(connectedPlatform(name, platforms[name], PlatformKind.INTERNAL_TOOL));
    new SyncRoute(domain, 'campaign-names', { authority: 'crm', copy: 'ops', table: 'campaigns', columns: ['name'], divergence });
    new FieldProtection(domain, 'campaign-names-guard', {
      platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return tf;
}

const nameOn = async (db: Client, id: number) => (await db.query('SELECT name FROM campaigns WHERE id = $1', [id])).rows[0].name as string;
const words = (s: string) => s.replace(/\s+/g, ' ');

/** Switches the copy's guard off as an owner would, lets a person edit two rows, and leaves it off for the plan. */
async function editWhileUnguarded(): Promise<void> {
  const guard = (await ops.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'campaigns'::regclass AND tgname LIKE 'authority\\_guard\\_%'`)).rows[0].tgname;
  await ops.query(`ALTER TABLE campaigns DISABLE TRIGGER ${ops.escapeIdentifier(guard)}`);
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Edited on the copy' WHERE id IN (1, 2)")).toBeUndefined();
}

describe.each([
  ['authority_wins', true],
  ['manual_review', false],
])('a guard switched off by hand while people edit the copy (divergence %s)', (divergence, settles) => {
  let tf: Terraform;

  beforeAll(async () => {
    await crm.query("UPDATE campaigns SET name = 'Spring launch' WHERE id = 1; UPDATE campaigns SET name = 'Partner webinar' WHERE id = 2");
    await ops.query("UPDATE campaigns SET name = 'Spring launch' WHERE id = 1; UPDATE campaigns SET name = 'Partner webinar' WHERE id = 2");
    tf = stackWith(`unguarded_${divergence}`, divergence);
    tf.apply();
  });

  afterAll(() => tf?.destroy());

  test('plan shows the guard and the route as drift, and how many rows people changed meanwhile', async () => {
    await editWhileUnguarded();
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    const text = words(plan.output);
    expect(text).toMatch(/~ enforced\s*= false -> true/);
    expect(text).toMatch(/~ enabled\s*= false -> true/);
    expect(text).toContain(settles
      ? "public.campaigns: 2 rows on ops differ from crm in name; this apply replaces them with crm's values"
      : 'public.campaigns: 2 rows on ops differ from crm in name and stay as they are');
  });

  test(settles ? 'the repairing apply restores the guard and puts the authority\'s values back' : 'the repairing apply restores the guard and leaves the edited values for review', async () => {
    tf.apply();
    expect(await nameOn(ops, 1)).toBe(settles ? 'Spring launch' : 'Edited on the copy');
    expect(await nameOn(ops, 2)).toBe(settles ? 'Partner webinar' : 'Edited on the copy');
    // The guard holds again, and the sync still writes the copy.
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Again' WHERE id = 1"))?.message).toMatch(/read-only copy/);
    await crm.query("UPDATE campaigns SET name = 'Spring launch (final)' WHERE id = 1");
    if (settles) {
      await waitFor('the copy to receive the next change', async () => (await nameOn(ops, 1)) === 'Spring launch (final)', 15_000);
    } else {
      // The edited value is held for review: the CRM's next one is queued beside it, not written.
      await waitFor('the CRM\'s next change queued for review', async () => (await ops.query(
        "SELECT 1 FROM authority_records.review_queue WHERE status = 'open' AND authority_value::text = $1", ['"Spring launch (final)"'])).rowCount === 1, 15_000);
      expect(await nameOn(ops, 1)).toBe('Edited on the copy');
    }
    expect(tf.plan().code).toBe(0);
  });
});
