/**
 * End to end: the campaigns policy (policies/campaigns.ts) -> constructs -> Terraform JSON ->
 * real terraform -> the real provider process -> real PostgreSQL servers started here.
 */
import { Client } from 'pg';
import { Domain, FieldProtection, PlatformConnection, Platform, PlatformKind } from '../constructs/src';
import { guardKey } from '../constructs/src/guard-key';
import { CampaignsDomain } from '../policies/campaigns';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';

const OPS_PASSWORD_ENV = 'AUTHORITY_TEST_OPS_PASSWORD';
/** The campaigns policy's key: its path, readable, and a digest of it (constructs/src/guard-key.ts). */
const KEY = guardKey(['campaigns', 'campaign-naming']);
const GUARD = `authority_guard_${KEY}`;

/** Everything a protection may touch on the copy's database: triggers, functions, privileges. */
async function catalogSnapshot(db: Client): Promise<unknown> {
  const triggers = await db.query(
    `SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2`);
  const functions = await db.query(
    `SELECT n.nspname, p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`);
  const grants = await db.query(
    `SELECT c.relname, c.relacl::text, (SELECT array_agg(a.attname || ':' || coalesce(a.attacl::text, '')) FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attnum > 0) AS column_acl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1`);
  return { triggers: triggers.rows, functions: functions.rows, grants: grants.rows };
}

describe('field protection on real PostgreSQL, through terraform and the provider', () => {
  let platforms: TestPlatforms;
  let stack: SynthesizedStack;
  let tf: Terraform;
  let ops: Client;
  let opsPassword: string;
  let before: unknown;
  let address: string;

  beforeAll(async () => {
    platforms = await startTestPlatforms();
    const crmConn = platforms.crm.connection;
    const opsConn = platforms.ops.connection;
    opsPassword = platforms.ops.clientConfig().password;
    stack = synthDomain((app) => new CampaignsDomain(app, 'campaigns', {
      crm: new Platform({
        name: 'crm', kind: PlatformKind.CRM, title: 'the CRM',
        connection: PlatformConnection.postgresql({ ...crmConn, database: 'crm' }),
      }),
      ops: new Platform({
        name: 'ops', kind: PlatformKind.INTERNAL_TOOL, title: 'the operations tool',
        connection: PlatformConnection.postgresql({
          host: opsConn.host, port: opsConn.port, database: 'ops', username: opsConn.username, passwordEnv: OPS_PASSWORD_ENV,
        }),
      }),
    }));
    tf = new Terraform(stack.dir, { [OPS_PASSWORD_ENV]: opsPassword });
    ops = await platforms.connect('ops');
    before = await catalogSnapshot(ops);
    tf.init();
    tf.apply();
    address = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources
      .find((r: { values: { platform: string } }) => r.values.platform === 'ops').address;
  });

  afterAll(async () => {
    await ops?.end();
    await platforms?.stop();
  });

  test('a person\'s UPDATE of the protected column is refused, naming the authority and where to correct', async () => {
    const err = await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Renamed locally' WHERE id = 1");
    expect(err).toBeDefined();
    expect(err!.code).toBe('42501');
    expect(err!.message).toContain(
      'campaigns.name is a read-only copy here. campaign.name is owned by the CRM (crm). Correct it in the CRM: open the campaign and edit its name.');
    expect(err!.hint).toContain('https://wiki.example.com/runbooks/campaign-names');
    const row = await ops.query('SELECT name FROM campaigns WHERE id = 1');
    expect(row.rows[0].name).toBe('Spring launch');
  });

  test('the table owner and a person inserting a named row are refused too', async () => {
    const asOwner = await ops.query("UPDATE campaigns SET name = 'x' WHERE id = 2").catch((e: Error) => e);
    expect(asOwner).toBeInstanceOf(Error);
    const insert = await tryAs(ops, OPERATOR_ROLE, "INSERT INTO campaigns (id, name) VALUES (99, 'Side project')");
    expect(insert?.message).toContain('owned by the CRM (crm)');
  });

  test('the sync principal still writes the column, and unprotected columns stay editable', async () => {
    expect(await tryAs(ops, SYNC_ROLE, "UPDATE campaigns SET name = 'Spring launch 2026' WHERE id = 1")).toBeUndefined();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET routing_state = 'escalated', name = name WHERE id = 1")).toBeUndefined();
    const row = await ops.query('SELECT name, routing_state FROM campaigns WHERE id = 1');
    expect(row.rows[0]).toEqual({ name: 'Spring launch 2026', routing_state: 'escalated' });
  });

  test('a second plan shows no changes', () => {
    const plan = tf.plan();
    expect(plan.output).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('a guard disabled by hand shows as drift in the next plan, and apply restores it', async () => {
    await ops.query(`ALTER TABLE campaigns DISABLE TRIGGER ${GUARD}`);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'sneaky' WHERE id = 2")).toBeUndefined();
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
    expect(plan.output).toContain('Warning: campaign.name: the protection on ops public.campaigns was disabled or altered by hand');
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'again' WHERE id = 2")).toBeDefined();
    expect(tf.plan().code).toBe(0);
  });

  test('a guard dropped by hand shows as drift (to be created again), and apply restores it', async () => {
    await ops.query(`DROP TRIGGER ${GUARD} ON campaigns`);
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain(`${address} will be created`);
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'again' WHERE id = 2")).toBeDefined();
  });

  test('a column list edited by hand shows which columns changed', async () => {
    const fn = (await ops.query('SELECT tgfoid::regproc::text AS fn FROM pg_trigger WHERE tgname = $1', [GUARD])).rows[0].fn;
    await ops.query(`DROP TRIGGER ${GUARD} ON campaigns;
      CREATE TRIGGER ${GUARD} BEFORE INSERT OR UPDATE OF assignee ON campaigns
      FOR EACH ROW EXECUTE FUNCTION ${fn}('${SYNC_ROLE}', 'crm', 'x', 'campaign.name', 'campaigns_campaign_naming', 'assignee');
      ALTER TABLE campaigns ENABLE ALWAYS TRIGGER ${GUARD}`);
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/~ "assignee" -> "name"/);
    expect(plan.output).toMatch(/~ correction_hint = "x" -> "campaign.name is owned by the CRM \(crm\)/);
    tf.apply();
    expect(tf.plan().code).toBe(0);
  });

  test('a plan that moves the authority or drops the protection says so in words', () => {
    const original = JSON.stringify(stack.json);
    try {
      rewriteStack(stack, (json) => {
        for (const r of Object.values<any>(json.resource.authority_field_protection)) r.authority = 'cms';
      });
      const moved = tf.plan();
      expect(moved.code).toBe(2);
      expect(moved.output).toContain('Warning: campaign.name: authority crm -> cms on ops public.campaigns');
      expect(moved.output).toContain('corrections move to cms');
    } finally {
      rewriteStack(stack, (json) => Object.assign(json, JSON.parse(original)));
    }
    const dropped = tf.plan('-destroy');
    expect(dropped.output).toContain('Warning: A copy will no longer be protected');
    expect(dropped.output).toContain('campaign.name: the copy on ops public.campaigns will no longer be protected.');
    expect(dropped.output).toContain('people and integrations can edit name on ops again');
    expect(tf.plan().code).toBe(0);
  });

  test('import of an existing protection gives a clean plan', () => {
    const id = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources.find((r: any) => r.address === address).values.id;
    expect(id).toBe(`ops/public/campaigns/${KEY}`);
    tf.ok('state', 'rm', address);
    expect(tf.plan().code).toBe(2);
    tf.ok('import', '-input=false', '-no-color', address, id);
    const plan = tf.plan();
    expect(plan.output).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('the password never lands in plan output, a saved plan, the state or trace logs', () => {
    const traced = new Terraform(stack.dir, { [OPS_PASSWORD_ENV]: opsPassword, TF_LOG: 'trace' });
    const plan = traced.run('plan', '-input=false', '-no-color', '-out=saved.tfplan');
    const saved = tf.ok('show', '-json', 'saved.tfplan');
    expect(plan.stderr).toContain('terraform-provider-authority'); // the trace log did capture the provider
    expect(plan.output + saved.stdout + tf.stateText()).not.toContain(opsPassword);
    expect(saved.stdout).toContain(OPS_PASSWORD_ENV);
  });

  test('destroy leaves the copy\'s triggers, functions and privileges exactly as they were', async () => {
    expect(await catalogSnapshot(ops)).not.toEqual(before);
    tf.destroy();
    expect(await catalogSnapshot(ops)).toEqual(before);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'free again' WHERE id = 2")).toBeUndefined();
  });
});

test('one policy key on two tables: both are created at once, and removing one leaves the other enforced', async () => {
  const platforms = await startTestPlatforms();
  const ops = await platforms.connect('ops');
  try {
    await ops.query(`CREATE TABLE regions (id int PRIMARY KEY, label text); INSERT INTO regions VALUES (1, 'north');
                     GRANT SELECT, UPDATE ON regions TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    const c = platforms.ops.connection;
    const stack = synthDomain((app) => {
      const domain = new Domain(app, 'shared', { governedBy: 'Test team' });
      domain.usePlatform(new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ ...c, database: 'ops' }) }));
      for (const table of ['campaigns', 'regions']) {
        new FieldProtection(domain, `guard-${table}`, {
          platform: 'ops', table, columns: table === 'campaigns' ? ['name'] : ['label'], authority: 'crm', key: 'shared_policy',
          syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
        });
      }
      return domain;
    });
    const tf = new Terraform(stack.dir);
    tf.init();
    tf.apply(); // both in parallel
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE regions SET label = 'x' WHERE id = 1"))?.message).toContain('Correct it in the CRM.');
    rewriteStack(stack, (json) => { delete json.resource.authority_field_protection[Object.keys(json.resource.authority_field_protection).find((k) => k.includes('campaigns'))!]; });
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'free' WHERE id = 1")).toBeUndefined();
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE regions SET label = 'x' WHERE id = 1"))?.message).toContain('Correct it in the CRM.');
    expect(tf.plan().code).toBe(0);
    tf.destroy();
  } finally {
    await ops.end();
    await platforms.stop();
  }
});
