/**
 * The provider process lives no longer than the terraform that started it: killed terraform
 * (kill -9, an OOM kill, a CI runner cancelled) leaves no provider holding database sessions or
 * locks. Real terraform, the real provider process, real PostgreSQL.
 */
import { Client } from 'pg';
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { alive, childrenOf } from './support/processes';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { waitFor } from './support/wait';

const APPLICATION_NAME = 'terraform-provider-authority';
/** Well under the protection's lock wait (60 s by default): the provider must not wait that out. */
const PROMPTLY_MS = 20_000;

let platforms: TestPlatforms;
let ops: Client;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
});

afterAll(async () => {
  await ops?.end();
  await platforms?.stop();
});

/** The provider's sessions on ops: what they wait on, if anything. */
async function providerSessions(): Promise<{ pid: number; wait_event_type: string | null }[]> {
  const r = await ops.query('SELECT pid, wait_event_type FROM pg_stat_activity WHERE application_name = $1', [APPLICATION_NAME]);
  return r.rows;
}

test('terraform killed during an apply takes the provider and its database sessions with it, and the next apply converges', async () => {
  const c = platforms.ops.connection;
  const stack = synthDomain((app) => {
    const domain = new Domain(app, 'lifetime', { governedBy: 'Test team' });
    domain.usePlatform(new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...c, database: 'ops' }) }));
    new FieldProtection(domain, 'guard', {
      platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', key: 'lifetime',
      syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();

  // A session of someone else's holds the table: reads pass, installing the guard has to wait.
  const holder = await platforms.connect('ops');
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE campaigns IN EXCLUSIVE MODE');
    const apply = tf.start('apply', '-auto-approve', '-input=false', '-no-color');
    const waiting = await waitFor('the provider to wait on the lock',
      async () => (await providerSessions()).find((s) => s.wait_event_type === 'Lock'), 60_000);
    const providers = childrenOf(apply.child.pid!, 'terraform-provider-authority');
    expect(providers.length).toBeGreaterThan(0);

    apply.child.kill('SIGKILL');
    await apply.done;
    await waitFor(`the provider processes ${providers.join(', ')} to exit`, () => providers.every((pid) => !alive(pid)), PROMPTLY_MS);
    // Still holding the lock: the provider's waiting session must end without being let through.
    await waitFor(`the provider's sessions (waiting: pid ${waiting.pid}) to end`, async () => (await providerSessions()).length === 0, PROMPTLY_MS);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'edited while unguarded' WHERE id = 1")).toBeUndefined();

  tf.apply();
  expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'refused' WHERE id = 1"))?.message).toContain('Correct it in the CRM.');
  expect(tf.plan().code).toBe(0);
  tf.destroy();
});
