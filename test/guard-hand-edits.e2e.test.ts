/**
 * A copy's guard against the ways a person with rights on the database can leave a protected
 * column writable: each shows as drift in the next plan, apply repairs it, and a person is refused
 * again. Also what plan refuses before a guard is installed: a guard name or columns taken by
 * another declaration, a provider user who cannot install a trigger, a name PostgreSQL would truncate.
 */
import { Client } from 'pg';
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { installGuardStatements } from '../provider/platforms/postgresql/guard-sql';
import { SynthesizedStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';

let platforms: TestPlatforms;
let ops: Client;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
  await ops.query(`CREATE TABLE ledger (id int, region text, amount int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
    CREATE TABLE ledger_north PARTITION OF ledger FOR VALUES IN ('north');
    CREATE TABLE ledger_south PARTITION OF ledger FOR VALUES IN ('south');
    INSERT INTO ledger VALUES (1, 'north', 10), (2, 'south', 20);
    GRANT SELECT, UPDATE ON ledger TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
});

afterAll(async () => {
  await ops?.end();
  await platforms?.stop();
});

const opsPlatform = (username?: string, passwordEnv?: string) => {
  const c = platforms.ops.connection;
  return new Platform({
    name: 'ops', kind: PlatformKind.INTERNAL_TOOL,
    connection: PlatformConnection.postgresql(username ? { host: c.host, port: c.port, database: 'ops', username, passwordEnv } : { ...c, database: 'ops' }),
  });
};

/** A stack with the ops platform and the protections `build` declares. */
function stackWith(id: string, build: (domain: Domain) => void, platform = opsPlatform(), env: NodeJS.ProcessEnv = {}): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app) => {
    const domain = new Domain(app, id, { governedBy: 'Test team' });
    domain.usePlatform(platform);
    build(domain);
    return domain;
  });
  const tf = new Terraform(stack.dir, env);
  tf.init();
  return { stack, tf };
}

const protect = (domain: Domain, id: string, props: Partial<ConstructorParameters<typeof FieldProtection>[2]> = {}) =>
  new FieldProtection(domain, id, {
    platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', key: 'naming', fact: 'campaign.name',
    syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.', ...props,
  });

/** Whether a person's change of the column gets through (undefined: it did). */
const personRenames = () => tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = name || '!' WHERE id = 1");
const personChangesLedger = () => tryAs(ops, OPERATOR_ROLE, "UPDATE ledger SET amount = amount + 1 WHERE region = 'north'");
/** A superuser writing as replication does, without the provider's settle marker. */
async function replicaSessionRenames(): Promise<Error | undefined> {
  await ops.query('BEGIN');
  try {
    await ops.query('SET LOCAL session_replication_role = replica');
    await ops.query("UPDATE campaigns SET name = name || '!' WHERE id = 1");
    await ops.query('COMMIT');
    return undefined;
  } catch (e) {
    await ops.query('ROLLBACK');
    return e as Error;
  }
}

/** The guard function a trigger calls, as regprocedure text. */
async function guardFunction(table: string, trigger: string): Promise<string> {
  return (await ops.query('SELECT tgfoid::regprocedure::text AS fn FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2', [table, trigger])).rows[0].fn;
}

describe('a guard edited by hand', () => {
  let tf: Terraform;

  beforeAll(() => {
    ({ tf } = stackWith('edits', (domain) => {
      protect(domain, 'naming');
      protect(domain, 'ledger', { table: 'ledger', columns: ['amount'], key: 'ledger', fact: 'ledger.amount' });
    }));
    tf.apply();
  });

  afterAll(() => tf?.destroy());

  const edits: { kind: string; edit: () => Promise<unknown>; probe: () => Promise<Error | undefined>; opens: boolean }[] = [
    {
      kind: 'its trigger re-created WHEN (false)',
      edit: async () => {
        const def = (await ops.query("SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = 'authority_guard_naming'")).rows[0].def as string;
        await ops.query(`DROP TRIGGER authority_guard_naming ON campaigns; ${def.replace(/ WHEN \(.*\) EXECUTE/, ' WHEN (false) EXECUTE')};
          ALTER TABLE campaigns ENABLE ALWAYS TRIGGER authority_guard_naming`);
      },
      probe: personRenames, opens: true,
    },
    {
      kind: 'its trigger re-created with a column list (UPDATE OF another column)',
      edit: async () => {
        const def = (await ops.query("SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = 'authority_guard_naming'")).rows[0].def as string;
        await ops.query(`DROP TRIGGER authority_guard_naming ON campaigns; ${def.replace('OR UPDATE ON', 'OR UPDATE OF assignee ON')};
          ALTER TABLE campaigns ENABLE ALWAYS TRIGGER authority_guard_naming`);
      },
      probe: personRenames, opens: true,
    },
    {
      kind: 'its function made SECURITY DEFINER and given to the sync principal',
      edit: async () => {
        const fn = await guardFunction('campaigns', 'authority_guard_naming');
        await ops.query(`ALTER FUNCTION ${fn} SECURITY DEFINER; ALTER FUNCTION ${fn} OWNER TO ${SYNC_ROLE}`);
      },
      probe: personRenames, opens: true,
    },
    {
      kind: 'its function given to another owner',
      edit: async () => ops.query(`ALTER FUNCTION ${await guardFunction('campaigns', 'authority_guard_naming')} OWNER TO ${OPERATOR_ROLE}`),
      probe: personRenames, opens: false,
    },
    {
      kind: 'its function\'s search_path set to a schema that shadows what it calls',
      edit: async () => ops.query(`CREATE SCHEMA IF NOT EXISTS shadow;
        CREATE OR REPLACE FUNCTION shadow.to_jsonb(anyelement) RETURNS jsonb LANGUAGE sql AS $$SELECT '{}'::jsonb$$;
        ALTER FUNCTION ${await guardFunction('campaigns', 'authority_guard_naming')} SET search_path = shadow, pg_catalog`),
      probe: personRenames, opens: false,
    },
    {
      kind: 'its clone on one partition disabled',
      edit: () => ops.query('ALTER TABLE ledger_north DISABLE TRIGGER authority_guard_ledger'),
      probe: personChangesLedger, opens: true,
    },
    {
      kind: 'its trigger switched to fire only outside replica sessions (ENABLE TRIGGER)',
      edit: () => ops.query('ALTER TABLE campaigns ENABLE TRIGGER authority_guard_naming'),
      probe: replicaSessionRenames, opens: true,
    },
  ];

  test.each(edits)('$kind: plan shows drift, apply repairs it, a person is refused again', async ({ edit, probe, opens }) => {
    await edit();
    if (opens) expect(await probe()).toBeUndefined();
    const plan = tf.plan();
    expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
    expect(plan.output).toContain('was disabled or altered by hand');
    expect(plan.code).toBe(2);
    tf.apply();
    expect((await probe())?.message).toContain('is a read-only copy here.');
    expect(tf.plan().code).toBe(0);
  });

  test('a superuser writing with session_replication_role = replica is refused; the settle marker counts only for its table, in a replica session of the provider', async () => {
    expect((await replicaSessionRenames())?.message).toContain('campaigns.name is a read-only copy here. Correct it in the CRM.');
    const markTable = (table: string) => `SELECT set_config('authority.settle', '${table}'::regclass::oid::text, true)`;
    const marked = await tryAs(ops, OPERATOR_ROLE, `${markTable('campaigns')}; UPDATE campaigns SET name = 'x' WHERE id = 1`);
    expect(marked?.message).toContain('is a read-only copy here.');
    // A replica session marked for another table is no settle of this one.
    await ops.query('CREATE TABLE IF NOT EXISTS settle_elsewhere (id int)');
    await ops.query('BEGIN');
    await ops.query(`SET LOCAL session_replication_role = replica; ${markTable('settle_elsewhere')}`);
    await expect(ops.query("UPDATE campaigns SET name = 'x' WHERE id = 1")).rejects.toThrow('is a read-only copy here.');
    await ops.query('ROLLBACK');
    // A login that may switch to replica (as bulk loaders are granted) but is not the provider's user is refused.
    await ops.query(`DROP ROLE IF EXISTS bulk_loader; CREATE ROLE bulk_loader LOGIN PASSWORD 'loader-secret';
      GRANT SET ON PARAMETER session_replication_role TO bulk_loader; GRANT SELECT, UPDATE ON campaigns TO bulk_loader`);
    const loader = new Client({ host: platforms.ops.connection.host, port: platforms.ops.connection.port, database: 'ops', user: 'bulk_loader', password: 'loader-secret' });
    await loader.connect();
    try {
      await loader.query('BEGIN');
      await loader.query(`SET LOCAL session_replication_role = replica; ${markTable('campaigns')}`);
      await expect(loader.query("UPDATE campaigns SET name = 'Loaded' WHERE id = 1")).rejects.toThrow('is a read-only copy here.');
      await loader.query('ROLLBACK');
    } finally {
      await loader.end();
      await ops.query('REVOKE ALL ON campaigns FROM bulk_loader; REVOKE SET ON PARAMETER session_replication_role FROM bulk_loader; DROP ROLE bulk_loader');
    }
    // The provider's own settle: a replica session of its user, marked for this table.
    await ops.query('BEGIN');
    await ops.query(`SET LOCAL session_replication_role = replica; ${markTable('campaigns')}`);
    await ops.query("UPDATE campaigns SET name = 'Settled' WHERE id = 1");
    await ops.query('ROLLBACK');
  });

  test('a protection whose columns another key\'s guard gives to another authority is refused at plan; the same authority is not', () => {
    const rival = stackWith('rival', (domain) => protect(domain, 'rival', { key: 'rival', authority: 'cms', fact: 'campaign.title' }));
    const refused = rival.tf.plan();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('name on public.campaigns on platform "ops"');
    expect(refused.output).toContain('is already guarded for crm by authority_guard_naming');
    expect(refused.output.replace(/\s+/g, ' ')).toContain('Guard authority_guard_naming (fact campaign.name, owned by crm) protects name there');
    const ally = stackWith('ally', (domain) => protect(domain, 'ally', { key: 'ally' }));
    expect(ally.tf.plan().code).toBe(2);
  });
});

describe('a guard name that exists before the protection is created', () => {
  const install = (over: { fact: string; authority: string }) =>
    ops.query(installGuardStatements({ namespace: 'public', container: 'campaigns' }, {
      syncPrincipal: SYNC_ROLE, correctionHint: 'left by an earlier apply', key: 'taken', columns: ['name'], ...over,
    }).join(';\n'));

  test('recording another fact or authority: refused at plan, saying to import or choose another key', async () => {
    await install({ fact: 'campaign.slogan', authority: 'cms' });
    const { tf } = stackWith('taken', (domain) => protect(domain, 'taken', { key: 'taken' }));
    const plan = tf.plan();
    expect(plan.code).toBe(1);
    const words = plan.output.replace(/\s+/g, ' ');
    expect(words).toContain('Guard authority_guard_taken on ops public.campaigns exists already, for fact campaign.slogan owned by cms');
    expect(words).toContain('terraform import <address> ops/public/campaigns/taken');
    expect(words).toContain('give this protection another key');
  });

  test('recording the same declaration (an apply killed after installing it): adopted, and the plan after apply is clean', async () => {
    await install({ fact: 'campaign.name', authority: 'crm' });
    const { tf } = stackWith('adopt', (domain) => protect(domain, 'taken', { key: 'taken' }));
    expect(tf.plan().code).toBe(2);
    tf.apply();
    expect(tf.plan().code).toBe(0);
    expect((await personRenames())?.message).toContain('Correct it in the CRM.');
    tf.destroy();
  });
});

test('a provider user who cannot install a trigger on the table is refused at plan, told what to grant; a member of the owning role is not', async () => {
  await ops.query(`CREATE ROLE stranger LOGIN PASSWORD 'stranger-pw'; CREATE ROLE app_owner;
    CREATE TABLE regions (id int PRIMARY KEY, label text); ALTER TABLE regions OWNER TO app_owner; GRANT CREATE ON SCHEMA public TO stranger`);
  const { tf } = stackWith('stranger', (domain) => protect(domain, 'regions', { table: 'regions', columns: ['label'], key: 'regions' }),
    opsPlatform('stranger', 'STRANGER_PW'), { STRANGER_PW: 'stranger-pw' });
  const refused = tf.plan();
  expect(refused.code).toBe(1);
  const words = refused.output.replace(/\s+/g, ' ');
  expect(words).toContain('The provider\'s user "stranger" cannot install a guard on public.regions');
  expect(words).toContain('GRANT "app_owner" TO "stranger"');
  await ops.query('GRANT app_owner TO stranger');
  expect(tf.plan().code).toBe(2);
});

test('a sync principal longer than PostgreSQL keeps is refused at plan, naming the attribute', () => {
  const { tf } = stackWith('long', (domain) => protect(domain, 'long', { key: 'long', syncPrincipal: 's'.repeat(64) }));
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain(`sync_principal "${'s'.repeat(64)}" is longer than 63 bytes`);
  expect(plan.output).toMatch(/with authority_field_protection\.long,\s+on cdk\.tf\.json line \d+, in resource\.authority_field_protection\.long:\s+\d+:\s+"sync_principal"/);
});
