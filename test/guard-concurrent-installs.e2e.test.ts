/**
 * Two stacks whose protections conflict on one copy's table, planned while the table holds no
 * guard (both plans pass) and applied at the same time: the installs run one after the other, the
 * first wins, the second is refused with the message plan gives, and it leaves nothing behind.
 * (Without the check at install, both succeed: two guards freeze the column, or one silently replaces the other.)
 */
import { Client } from 'pg';
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { SYNC_ROLE } from '../embedded/example-platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms } from './support/platforms';

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

type Props = Partial<ConstructorParameters<typeof FieldProtection>[2]>;

/** A stack with one protection on ops public.campaigns, planned into a plan file. */
function planned(id: string, props: Props): Terraform {
  const stack = synthDomain((app) => {
    const domain = new Domain(app, id, { governedBy: 'Test team' });
    const c = platforms.ops.connection;
    domain.usePlatform(new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...c, database: 'ops' }) }));
    new FieldProtection(domain, 'p', {
      platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', key: id, fact: 'campaign.name',
      syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it where it is owned.', ...props,
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  tf.ok('plan', '-out=tfplan', '-input=false', '-no-color');
  return tf;
}

/** The guards' triggers and functions on the copy. */
async function guards(): Promise<{ triggers: string[]; functions: number }> {
  const triggers = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'campaigns'::regclass AND tgname LIKE 'authority\\_guard\\_%' ORDER BY 1")).rows.map((r) => r.tgname);
  const functions = (await ops.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'authority\\_guard\\_%'")).rows[0].n;
  return { triggers, functions };
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  for (const until = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
  }
}

/**
 * Applies both plan files at once; the results in the order given. The table is held (SHARE: it
 * stops trigger DDL, not reads) until both installs wait on it, so both applies have planned
 * again (terraform re-plans at apply) before either installs: the race is certain, not likely.
 */
async function applyTogether(a: Terraform, b: Terraform) {
  const holder = await platforms.connect('ops');
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE campaigns IN SHARE MODE');
    const args = ['apply', '-input=false', '-no-color', 'tfplan'];
    const both = Promise.all([a.runAsync(...args), b.runAsync(...args)]);
    const waiting = await eventually(async () => (await ops.query(
      "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'campaigns'::regclass AND NOT granted")).rows[0].n as number, (n) => n === 2);
    expect(waiting).toBe(2);
    await holder.query('COMMIT');
    return await both;
  } finally {
    await holder.end();
  }
}

test.each([
  {
    what: 'the same column given to different authorities',
    first: { authority: 'crm' } as Props, second: { authority: 'cms', fact: 'campaign.title' } as Props, sameKey: false,
    refusal: /name on public\.campaigns on platform "ops" .* is already guarded for (crm|cms) by authority_guard_/,
  },
  {
    what: 'one guard name (key) for different facts',
    first: {} as Props, second: { columns: ['assignee'], fact: 'campaign.assignee' } as Props, sameKey: true,
    refusal: /Guard authority_guard_shared on ops public\.campaigns exists already, for fact campaign\.(name|assignee)/,
  },
])('$what, applied at the same time from two stacks: one wins, the other is refused and leaves nothing', async ({ first, second, sameKey, refusal }) => {
  const a = planned(sameKey ? 'shared' : 'stack_a', first);
  const b = planned(sameKey ? 'shared' : 'stack_b', second);
  const results = await applyTogether(a, b);

  expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
  const loser = results.find((r) => r.code !== 0)!;
  expect(loser.output.replace(/\s+/g, ' ')).toMatch(refusal);
  const winner = results[0].code === 0 ? a : b;
  expect(await guards()).toEqual({ triggers: [sameKey ? 'authority_guard_shared' : `authority_guard_${results[0].code === 0 ? 'stack_a' : 'stack_b'}`], functions: 1 });
  expect(winner.plan().code).toBe(0);
  winner.destroy();
  expect(await guards()).toEqual({ triggers: [], functions: 0 });
});
