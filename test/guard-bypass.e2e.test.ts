/**
 * A copy's guard against a table owner (what applications connect as, no superuser) who writes a
 * protected column without touching the guard: through another trigger of their own that rewrites
 * the row after the guard looked at it, or by DDL that rewrites the column without firing triggers.
 * Also: a guard as earlier versions installed it (BEFORE ... UPDATE OF) reads back as not enforced
 * and apply replaces it; a protected column renamed under the guard is not enforced and plan says
 * what to do.
 */
import * as fs from 'node:fs';
import { Client } from 'pg';
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';

const GUARD = 'authority_guard_naming';
let platforms: TestPlatforms;
let ops: Client;
let tf: Terraform;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
  await ops.query(`CREATE ROLE app_owner NOLOGIN; ALTER TABLE campaigns OWNER TO app_owner;
    GRANT CREATE ON SCHEMA public TO app_owner; GRANT app_owner TO ${OPERATOR_ROLE}`);
  const c = platforms.ops.connection;
  const stack = synthDomain((app) => {
    const domain = new Domain(app, 'bypass', { governedBy: 'Test team' });
    domain.usePlatform(new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...c, database: 'ops' }) }));
    new FieldProtection(domain, 'naming', {
      platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', key: 'naming', fact: 'campaign.name',
      syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
    });
    return domain;
  });
  tf = new Terraform(stack.dir);
  tf.init();
  tf.apply();
});

afterAll(async () => {
  await ops?.end();
  await platforms?.stop();
});

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  for (const until = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
  }
}

const nameNow = async () => (await ops.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name as string;

test('another BEFORE trigger of the owner that rewrites the protected column does not get a person\'s change through', async () => {
  const before = await nameNow();
  expect(await tryAs(ops, 'app_owner', `
    CREATE FUNCTION public.smuggle() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.name := coalesce(nullif(current_setting('app.name', true), ''), NEW.name); RETURN NEW; END $$;
    CREATE TRIGGER zz_smuggle BEFORE INSERT OR UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION public.smuggle()`)).toBeUndefined();
  try {
    // The statement names another column; the owner's trigger, firing after the guard's name, sets the protected one.
    const update = await tryAs(ops, OPERATOR_ROLE, "SET LOCAL app.name = 'Smuggled'; UPDATE campaigns SET assignee = assignee WHERE id = 1");
    expect(update?.message).toBe('campaigns.name is a read-only copy here. Correct it in the CRM.');
    expect(update?.hint).toBe('Correct it in the CRM.');
    const insert = await tryAs(ops, OPERATOR_ROLE, "SET LOCAL app.name = 'Smuggled'; INSERT INTO campaigns (id) VALUES (99)");
    expect(insert?.message).toBe('campaigns.name is a read-only copy here. Correct it in the CRM.');
    expect(await nameNow()).toBe(before);
    // What the owner's trigger leaves alone still passes.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET assignee = 'kim' WHERE id = 1")).toBeUndefined();
  } finally {
    await ops.query('DROP TRIGGER zz_smuggle ON campaigns; DROP FUNCTION public.smuggle()');
  }
  expect(tf.plan().code).toBe(0);
});

test('the owner\'s own subscription, to a server they control, cannot write a protected column (PostgreSQL 16+)', async () => {
  // The table's owner (no superuser, a login: its apply worker connects as it) may create subscriptions.
  await ops.query(`GRANT pg_create_subscription TO app_owner; GRANT CREATE ON DATABASE ops TO app_owner; ALTER ROLE app_owner LOGIN`);
  const crm = await platforms.connect('crm');
  const owner = await platforms.connect('ops');
  const c = platforms.crm.connection;
  const password = fs.readFileSync(c.passwordFile, 'utf8').trim();
  try {
    await crm.query('CREATE PUBLICATION hijack_pub FOR TABLE campaigns (id, name)');
    await owner.query('SET ROLE app_owner');
    // Named like the provider's pair subscriptions, on purpose.
    await owner.query(`CREATE SUBSCRIPTION authority_hijack CONNECTION ${owner.escapeLiteral(
      `host=${c.host} port=${c.port} dbname=crm user=${c.username} password=${password}`)} PUBLICATION hijack_pub WITH (copy_data = false)`);
    await owner.query('RESET ROLE');
    await eventually(async () => (await ops.query("SELECT 1 FROM pg_stat_subscription WHERE subname = 'authority_hijack' AND pid IS NOT NULL")).rowCount, (n) => n === 1);
    await crm.query("UPDATE campaigns SET name = 'Hijacked!' WHERE id = 1");
    const errors = await eventually(async () => Number((await ops.query(
      "SELECT apply_error_count FROM pg_stat_subscription_stats WHERE subname = 'authority_hijack'")).rows[0]?.apply_error_count ?? 0), (n) => n > 0);
    expect(errors).toBeGreaterThan(0);
    expect(await nameNow()).not.toBe('Hijacked!');
  } finally {
    await ops.query('DROP SUBSCRIPTION IF EXISTS authority_hijack');
    await crm.query('DROP PUBLICATION IF EXISTS hijack_pub');
    await crm.end();
    await owner.end();
  }
});

test('ALTER COLUMN TYPE ... USING, which fires no trigger, cannot rewrite a protected column', async () => {
  const e = await tryAs(ops, 'app_owner', "ALTER TABLE campaigns ALTER COLUMN name TYPE text USING 'rewritten'");
  expect(e?.message).toMatch(/used in a trigger definition/);
});

test('a guard as earlier versions installed it (BEFORE ... UPDATE OF) reads back as not enforced, and apply replaces it', async () => {
  const def = (await ops.query('SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = $1', [GUARD])).rows[0].def as string;
  const old = def.replace(/AFTER INSERT OR UPDATE ON (\S+) FOR EACH ROW WHEN \(.*\) EXECUTE/, 'BEFORE INSERT OR UPDATE OF name ON $1 FOR EACH ROW EXECUTE');
  expect(old).toContain('BEFORE INSERT OR UPDATE OF name ON public.campaigns FOR EACH ROW EXECUTE FUNCTION');
  await ops.query(`DROP TRIGGER ${GUARD} ON campaigns; ${old}; ALTER TABLE campaigns ENABLE ALWAYS TRIGGER ${GUARD}`);
  const plan = tf.plan();
  expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
  expect(plan.code).toBe(2);
  tf.apply();
  expect((await ops.query('SELECT tgtype FROM pg_trigger WHERE tgname = $1', [GUARD])).rows[0].tgtype).toBe(1 | 4 | 16);
  expect(tf.plan().code).toBe(0);
});

test('a protected column renamed under the guard: not enforced, and plan says the column is gone', async () => {
  await ops.query('ALTER TABLE campaigns RENAME COLUMN name TO title');
  try {
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET title = 'renamed' WHERE id = 1")).toBeUndefined();
    const plan = tf.plan();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain('Column "name" does not exist in public.campaigns');
  } finally {
    await ops.query('ALTER TABLE campaigns RENAME COLUMN title TO name');
  }
  expect(tf.plan().code).toBe(0);
});
