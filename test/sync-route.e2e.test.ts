/**
 * Sync routes end to end: L1 constructs -> Terraform JSON -> real terraform -> the real provider
 * -> two real PostgreSQL 18 servers (the CRM, the operations tool), and a PostgreSQL 15 server
 * (Debian's postgresql-15, installed by the test as root). Values must actually arrive, and destroy must leave the replication
 * catalogs exactly as they were.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { App } from 'cdktf';
import { Domain, FieldProtection, Platform, PlatformConnection, PlatformKind, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE, prepareExamplePlatform } from '../embedded/example-platforms';
import { freePort } from '../embedded/local-postgres';
import { loopRefusals, syncPairName } from '../provider/platforms/postgresql/router';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';
import { Postgres15, ensurePostgres15, startPostgres15 } from './support/postgres15';
import { createServerCertificate } from '../provider/protocol/tls';
import { terraformEnv } from '../tooling/terraform-env';

const CRM_PASSWORD_ENV = 'AUTHORITY_TEST_CRM_PASSWORD';
const PAIR = 'authority_crm_to_ops_';

let platforms: TestPlatforms;
let pg15: Postgres15;
let crm: Client;
let ops: Client;
let crmPassword: string;

beforeAll(async () => {
  [platforms, pg15] = await Promise.all([
    startTestPlatforms(),
    (async () => {
      ensurePostgres15(); // installs Debian's postgresql-15 as root; otherwise fails saying what to install
      return startPostgres15(fs.mkdtempSync(path.join(os.tmpdir(), 'authority-pg15-')));
    })(),
  ]);
  crmPassword = platforms.crm.clientConfig().password;
  [crm, ops] = await Promise.all([platforms.connect('crm'), platforms.connect('ops')]);
  // Replication objects that are not the route's: destroy must leave them alone.
  for (const db of [crm, ops]) {
    await db.query('CREATE TABLE bystander (id int PRIMARY KEY, v text); CREATE PUBLICATION bystander FOR TABLE bystander');
    await db.query("SELECT pg_create_physical_replication_slot('bystander')");
  }
});

afterAll(async () => {
  await crm?.end();
  await ops?.end();
  await pg15?.stop();
  await platforms?.stop();
});

function platform(name: string, database: string, c: { host: string; port: number; username: string; passwordFile: string }, passwordEnv?: string) {
  return new Platform({
    name, kind: PlatformKind.INTERNAL_TOOL,
    connection: PlatformConnection.postgresql({
      host: c.host, port: c.port, database, username: c.username, ...(passwordEnv ? { passwordEnv } : { passwordFile: c.passwordFile }),
    }),
  });
}

/** A domain with the CRM and the operations tool connected, and whatever `build` places in it. */
function stackWith(id: string, build: (domain: Domain) => void, extra: Platform[] = []): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, id, { governedBy: 'Test team' });
    domain.usePlatform(platform('crm', 'crm', platforms.crm.connection, CRM_PASSWORD_ENV));
    domain.usePlatform(platform('ops', 'ops', platforms.ops.connection));
    extra.forEach((p) => domain.usePlatform(p));
    build(domain);
    return domain;
  });
  const tf = new Terraform(stack.dir, { [CRM_PASSWORD_ENV]: crmPassword });
  tf.init();
  return { stack, tf };
}

/** Everything a route may touch on either server. */
async function replicationCatalogs(db: Client): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    publications: await q('SELECT pubname, puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication ORDER BY 1'),
    published: await q('SELECT pubname, schemaname, tablename, attnames::text FROM pg_publication_tables ORDER BY 1, 2, 3'),
    subscriptions: await q('SELECT subname, subenabled, subslotname FROM pg_subscription ORDER BY 1'),
    subscribed: await q('SELECT srsubid, srrelid::regclass::text FROM pg_subscription_rel ORDER BY 1, 2'),
    slots: await q('SELECT slot_name, slot_type, database FROM pg_replication_slots ORDER BY 1'),
    origins: await q('SELECT roname FROM pg_replication_origin ORDER BY 1'),
    // Every comment on an object made after initdb, in either catalog (a subscription's comment sits
    // in pg_description although subscriptions are shared objects).
    descriptions: await q(`SELECT classoid::regclass::text AS catalog, objoid::text AS oid, objsubid, description FROM pg_description
                            WHERE objoid >= 16384 ORDER BY 1, 2, 3`),
    sharedDescriptions: await q(`SELECT classoid::regclass::text AS catalog, objoid::text AS oid, description FROM pg_shdescription
                                  WHERE objoid >= 16384 ORDER BY 1, 2`),
  };
}

/** The tables this database's authority subscriptions receive now. */
async function receivedTables(db: Client): Promise<string[]> {
  const found = await db.query(`SELECT r.srrelid::regclass::text AS t FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
                                  WHERE s.subname LIKE 'authority\\_%' ORDER BY 1`);
  return found.rows.map((r) => r.t);
}

/** Replication connections to the CRM until it refuses one: no WAL sender is left for a copy. */
async function takeWalSenders(): Promise<Client[]> {
  const senders: Client[] = [];
  for (let i = 0; i < 30; i++) {
    const sender = new Client({ ...platforms.crm.clientConfig('crm'), replication: 'database' } as ConstructorParameters<typeof Client>[0]);
    sender.on('error', () => undefined);
    try {
      await sender.connect();
    } catch {
      break;
    }
    senders.push(sender);
  }
  return senders;
}

const campaign = async (db: Client, id: number) => (await db.query('SELECT * FROM campaigns WHERE id = $1', [id])).rows[0];
const words = (s: string) => s.replace(/\s+/g, ' ');

test('loopRefusals: two_way and a reverse route are refused below PostgreSQL 16 on either side, allowed from 16', () => {
  const base = { authority: 'crm', copy: 'ops', table: 'public.campaigns', authorityVersion: 180004, copyVersion: 180004, twoWay: false };
  expect(loopRefusals({ ...base, twoWay: true, reverseRoute: 'x' })).toEqual([]);
  expect(loopRefusals({ ...base, copyVersion: 150018 })).toEqual([]);
  expect(loopRefusals({ ...base, copyVersion: 150018, twoWay: true })[0].attribute).toEqual(['two_way']);
  expect(loopRefusals({ ...base, authorityVersion: 150018, twoWay: true })[0].summary).toContain('"crm" runs PostgreSQL 15');
  expect(loopRefusals({ ...base, authorityVersion: 150018, reverseRoute: 'back' })[0].attribute).toEqual(['copy']);
});

test('pair names: readable when plain and short, hashed when long or odd, at most 63 bytes, distinct per authority and copy', () => {
  const at = (authority: string, copy: string) => syncPairName({ authority, copy });
  expect(at('crm', 'ops')).toMatch(/^authority_crm_to_ops_[0-9a-f]{6}$/);
  expect(at('crm-eu', 'ops')).toMatch(/^authority_crm_eu_to_ops_[0-9a-f]{6}$/);
  expect(at('ops', 'crm')).not.toBe(at('crm', 'ops'));
  expect(at('a_to_b', 'c')).not.toBe(at('a', 'b_to_c'));
  for (const odd of [at('CRM "x"', 'ops'), at('c'.repeat(50), 'ops')]) {
    expect(odd).toMatch(/^authority_pair_[0-9a-f]{16}$/);
  }
});

describe('a route from the CRM to the operations tool, next to the copy\'s protection', () => {
  let stack: SynthesizedStack;
  let tf: Terraform;
  let address: string;
  let before: { crm: unknown; ops: unknown };

  beforeAll(() => {
    ({ stack, tf } = stackWith('routes', (domain) => {
      new SyncRoute(domain, 'campaign-names', { authority: 'crm', copy: 'ops', table: 'campaigns', columns: ['name'] });
      new FieldProtection(domain, 'campaign-names-guard', {
        platform: 'ops', table: 'campaigns', columns: ['name'], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Correct it in the CRM.',
      });
    }));
    address = `authority_sync_route.${Object.keys(stack.json.resource.authority_sync_route)[0]}`;
  });

  test('apply creates the publication, slot and subscription it names', async () => {
    before = { crm: await replicationCatalogs(crm), ops: await replicationCatalogs(ops) };
    tf.apply();
    const state = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources.find((r: any) => r.address === address).values;
    expect(state).toMatchObject({ id: 'crm/ops/public/campaigns', columns: ['name'], key_columns: ['id'], enabled: true, two_way: false });
    expect(state.publication).toMatch(new RegExp(`^${PAIR}[0-9a-f]{6}$`));
    expect(state.subscription).toBe(state.publication);
    const published = await crm.query('SELECT attnames::text AS cols FROM pg_publication_tables WHERE pubname = $1', [state.publication]);
    expect(published.rows).toEqual([{ cols: '{id,name}' }]);
    const sub = await ops.query('SELECT subenabled, suborigin, subslotname FROM pg_subscription WHERE subname = $1', [state.subscription]);
    expect(sub.rows).toEqual([{ subenabled: true, suborigin: 'none', subslotname: state.subscription }]);
    expect((await crm.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [state.subscription])).rowCount).toBe(1);
  });

  test('a person\'s UPDATE and INSERT on the CRM reach the copy; the copy\'s own columns survive', async () => {
    expect(await tryAs(crm, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Spring launch 2026', status = 'paused' WHERE id = 1")).toBeUndefined();
    expect(await tryAs(crm, OPERATOR_ROLE, "INSERT INTO campaigns (id, name, status) VALUES (3, 'Autumn sale', 'draft')")).toBeUndefined();
    const updated = await eventually(() => campaign(ops, 1), (r) => r.name === 'Spring launch 2026');
    expect(updated).toEqual({ id: 1, name: 'Spring launch 2026', routing_state: 'triaged', assignee: 'sam' });
    const inserted = await eventually(() => campaign(ops, 3), (r) => r !== undefined);
    expect(inserted).toEqual({ id: 3, name: 'Autumn sale', routing_state: 'new', assignee: null });
  });

  test('on the copy a person is still refused while replication keeps writing the column', async () => {
    const refused = await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Local rename' WHERE id = 2");
    expect(refused?.message).toContain('campaigns.name is a read-only copy here. Correct it in the CRM.');
    expect(await tryAs(crm, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Partner webinar II' WHERE id = 2")).toBeUndefined();
    expect((await eventually(() => campaign(ops, 2), (r) => r.name === 'Partner webinar II')).name).toBe('Partner webinar II');
  });

  test('a second plan is clean, and the password is nowhere in plan, saved plan, state or trace logs', () => {
    const traced = new Terraform(stack.dir, { [CRM_PASSWORD_ENV]: crmPassword, TF_LOG: 'trace' });
    const plan = traced.run('plan', '-detailed-exitcode', '-input=false', '-no-color', '-out=saved.tfplan');
    expect(plan.stdout).toContain('No changes');
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain('terraform-provider-authority');
    const saved = tf.ok('show', '-json', 'saved.tfplan');
    expect(plan.output + saved.stdout + tf.stateText()).not.toContain(crmPassword);
  });

  test('a subscription disabled by hand shows as enabled false -> true, and apply enables it again', async () => {
    const name = (await ops.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].subname;
    await ops.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    await crm.query("UPDATE campaigns SET name = 'Renamed while disabled' WHERE id = 1");
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/~ enabled\s+= false -> true/);
    expect(words(plan.output)).toContain('the route from crm to ops was disabled, dropped or altered by hand');
    tf.apply();
    // The slot kept the change made meanwhile.
    expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'Renamed while disabled')).name).toBe('Renamed while disabled');
    expect(tf.plan().code).toBe(0);
  });

  test('a replication slot dropped by hand shows as enabled false -> true, and apply creates it again', async () => {
    const name = (await ops.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].subname;
    await ops.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    await eventually(async () => (await crm.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0].active, (a) => !a);
    await crm.query('SELECT pg_drop_replication_slot($1)', [name]);
    await ops.query(`ALTER SUBSCRIPTION ${name} ENABLE`); // the copy's side alone looks intact
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/~ enabled\s+= false -> true/);
    tf.apply();
    expect((await crm.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [name])).rowCount).toBe(1);
    await crm.query("UPDATE campaigns SET name = 'After the slot came back' WHERE id = 1");
    expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'After the slot came back')).name).toBe('After the slot came back');
    expect(tf.plan().code).toBe(0);
  });

  test('a column added to the publication by hand shows as a columns diff, and apply takes it out again', async () => {
    const name = (await crm.query("SELECT pubname FROM pg_publication WHERE pubname LIKE 'authority\\_%'")).rows[0].pubname;
    await crm.query(`ALTER PUBLICATION ${name} SET TABLE campaigns (id, name, owner)`);
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/- "owner",/);
    expect(plan.output).toContain('1 to change');
    tf.apply();
    const published = await crm.query('SELECT attnames::text AS cols FROM pg_publication_tables WHERE pubname = $1', [name]);
    expect(published.rows).toEqual([{ cols: '{id,name}' }]);
    expect(tf.plan().code).toBe(0);
  });

  test('a change the copy cannot apply: plan warns that the route keeps failing; once the cause is fixed, the change arrives by itself', async () => {
    await ops.query('ALTER TABLE campaigns ADD CONSTRAINT no_shouting CHECK (name <> upper(name))');
    try {
      await crm.query("UPDATE campaigns SET name = 'LOUD LAUNCH' WHERE id = 2");
      const plan = tf.plan();
      expect(plan.code).toBe(0); // nothing to change: the route is as declared, the copy refuses a value
      expect(words(plan.output)).toMatch(/Warning: public\.campaigns: ops receiving from crm keeps failing to apply a change \(\d+ failures so far\): values on ops are going stale/);
      expect(words(plan.output)).toContain("The copy's server log says which change fails and why");
    } finally {
      await ops.query('ALTER TABLE campaigns DROP CONSTRAINT no_shouting');
    }
    expect((await eventually(() => campaign(ops, 2), (r) => r.name === 'LOUD LAUNCH')).name).toBe('LOUD LAUNCH');
    const plan = tf.plan();
    expect(plan.code).toBe(0);
    expect(plan.output).not.toContain('Warning');
  });

  test('a copy that cannot connect to the authority: plan warns that its values go stale, and is quiet again once it connects', async () => {
    const name = (await ops.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].subname;
    // The route's sender goes, and every WAL sender the CRM has is taken before the copy retries.
    await crm.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1', [name]);
    const senders = await takeWalSenders();
    try {
      // A copy that reconnected before the senders were all taken holds one: end it again, until it cannot come back.
      const disconnected = await eventually(async () => {
        await crm.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [name]);
        return !(await crm.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0].active;
      }, (gone) => gone, 30_000);
      expect(disconnected).toBe(true);
      const plan = tf.plan();
      expect(plan.code).toBe(0);
      expect(words(plan.output)).toContain('Warning: public.campaigns: ops receiving from crm is not connected: values on ops are going stale');
    } finally {
      await Promise.all(senders.map((c) => c.end().catch(() => undefined)));
    }
    await eventually(async () => (await crm.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0].active, (a) => a);
    const plan = tf.plan();
    expect(plan.code).toBe(0);
    expect(plan.output).not.toContain('Warning');
  });

  test('a copy slower than its max_lag: plan says how far behind it was', async () => {
    // Each applied change of campaigns takes the copy 3 s (a trigger that fires for replicated writes).
    await ops.query(`CREATE FUNCTION public.slow_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$;
                     CREATE TRIGGER slow_copy BEFORE UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION public.slow_copy();
                     ALTER TABLE campaigns ENABLE ALWAYS TRIGGER slow_copy`);
    try {
      rewriteStack(stack, (json) => { for (const r of Object.values<any>(json.resource.authority_sync_route)) r.max_lag = '1s'; });
      tf.apply();
      await crm.query("UPDATE campaigns SET name = 'Slowly there' WHERE id = 2");
      expect((await eventually(() => campaign(ops, 2), (r) => r.name === 'Slowly there')).name).toBe('Slowly there');
      // Changes keep coming while the plan runs, so the copy stays behind (and the lag measured).
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await crm.query('UPDATE campaigns SET name = $1 WHERE id = 2', [`Slow ${i}`]);
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      // The authority measures it once the copy reports back on a change it applied late.
      const name = (await ops.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].subname;
      const lag = await eventually(async () => Number((await crm.query(
        'SELECT EXTRACT(epoch FROM replay_lag)::float8 AS lag FROM pg_stat_replication WHERE application_name = $1', [name])).rows[0]?.lag ?? 0), (l) => l > 1, 30_000);
      expect(lag).toBeGreaterThan(1);
      const plan = await tf.runAsync('plan', '-detailed-exitcode', '-input=false', '-no-color');
      writing = false;
      await writer;
      expect(plan.code).toBe(0);
      expect(words(plan.output)).toMatch(/Warning: public\.campaigns: ops receiving from crm is \d+s behind, more than its max_lag 1s/);
    } finally {
      await ops.query('DROP TRIGGER slow_copy ON campaigns; DROP FUNCTION public.slow_copy()');
      rewriteStack(stack, (json) => { for (const r of Object.values<any>(json.resource.authority_sync_route)) delete r.max_lag; });
      tf.apply();
    }
  });

  test('a new password for the authority: plan shows the copy still connecting with the old one, apply gives it the new one', async () => {
    const user = platforms.crm.clientConfig().user;
    const rotated = `${crmPassword}-rotated`;
    await crm.query(`ALTER ROLE ${user} PASSWORD '${rotated}'`);
    try {
      const withRotated = new Terraform(stack.dir, { [CRM_PASSWORD_ENV]: rotated });
      const plan = withRotated.plan();
      expect(plan.code).toBe(2);
      expect(plan.output).toMatch(/~ enabled\s+= false -> true/);
      expect(words(plan.output)).toContain('Warning: public.campaigns: ops receiving from crm still connects with earlier settings for crm');
      withRotated.apply();
      expect(withRotated.plan().code).toBe(0);
      // The copy reconnected with the new password: a change still arrives.
      await crm.query("UPDATE campaigns SET name = 'After the rotation' WHERE id = 2");
      expect((await eventually(() => campaign(ops, 2), (r) => r.name === 'After the rotation')).name).toBe('After the rotation');
      expect(plan.output + withRotated.stateText()).not.toContain(rotated);
    } finally {
      await crm.query(`ALTER ROLE ${user} PASSWORD '${crmPassword}'`);
      tf.apply(); // the copy gets the password back, whatever happened above
    }
    expect(tf.plan().code).toBe(0);
  });

  test('import by id gives a clean plan', () => {
    tf.ok('state', 'rm', address);
    expect(tf.plan().code).toBe(2);
    tf.ok('import', '-input=false', '-no-color', address, 'crm/ops/public/campaigns');
    const plan = tf.plan();
    expect(plan.output).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('an apply that fails after the publication was created is finished by the next one; the copy\'s log holds no password', async () => {
    // The route is created again while every WAL sender of the CRM is taken: the CRM's
    // publication and slot get created (they need none), the copy's subscription cannot connect.
    tf.ok('apply', '-destroy', '-auto-approve', '-input=false', '-no-color', `-target=${address}`);
    const senders = await takeWalSenders();
    try {
      const traced = new Terraform(stack.dir, { [CRM_PASSWORD_ENV]: crmPassword, TF_LOG: 'trace' });
      const failed = traced.run('apply', '-auto-approve', '-input=false', '-no-color');
      expect(failed.code).toBe(1);
      // The copy's server could not reach the authority: the authority is named, as seen from the copy.
      expect(words(failed.output)).toContain('Error: Platform "crm" (the authority) is unreachable from "ops" (the copy): the copy could not subscribe to the authority');
      expect(words(failed.output)).toContain('exceeds "max_wal_senders"');
      expect(words(failed.output)).toContain('the next apply continues from what exists');
      expect(failed.stderr).toContain('terraform-provider-authority'); // the trace log did capture the provider
      expect(failed.output + tf.stateText()).not.toContain(crmPassword);
    } finally {
      await Promise.all(senders.map((c) => c.end().catch(() => undefined)));
    }
    expect((await crm.query("SELECT count(*)::int AS n FROM pg_publication WHERE pubname LIKE 'authority\\_%'")).rows[0].n).toBe(1);
    expect((await ops.query("SELECT count(*)::int AS n FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
    const log = fs.readFileSync(path.join(platforms.dir, 'ops', 'server.log'), 'utf8');
    expect(log).toContain('could not connect to the publisher');
    expect(log).not.toContain(crmPassword);

    tf.apply();
    expect(tf.plan().code).toBe(0);
    await crm.query("UPDATE campaigns SET name = 'After the failure' WHERE id = 3");
    expect((await eventually(() => campaign(ops, 3), (r) => r.name === 'After the failure')).name).toBe('After the failure');
  });

  test('swapping authority and copy updates in place, and never runs both directions at once', async () => {
    rewriteStack(stack, (json) => {
      const route = Object.values<any>(json.resource.authority_sync_route)[0];
      Object.assign(route, { authority: 'ops', copy: 'crm' });
      delete json.resource.authority_field_protection;
    });
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain('1 to change, 1 to destroy');
    expect(words(plan.output)).toContain('Warning: public.campaigns: the route crm -> ops reverses to ops -> crm');
    expect(plan.output).toMatch(/~ id\s+= "crm\/ops\/public\/campaigns" -> "ops\/crm\/public\/campaigns"/);

    const routes = async (db: Client) => (await receivedTables(db)).includes('campaigns');
    const overlaps: string[] = [];
    const seen = { crmToOps: 0, opsToCrm: 0 };
    let running = true;
    const probe = (async () => {
      while (running) {
        const opsBefore = await routes(ops);
        const crmNow = await routes(crm);
        const opsAfter = await routes(ops);
        if (opsBefore && crmNow && opsAfter) overlaps.push(new Date().toISOString());
        if (opsBefore && opsAfter && !crmNow) seen.crmToOps++;
        if (!opsBefore && !opsAfter && crmNow) seen.opsToCrm++;
      }
    })();
    const applied = await tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color');
    running = false;
    await probe;
    expect(applied.output).toContain('Apply complete!');
    expect(overlaps).toEqual([]);
    expect(seen.crmToOps).toBeGreaterThan(0);
    expect([await routes(ops), await routes(crm)]).toEqual([false, true]);

    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE campaigns SET name = 'Named in ops' WHERE id = 2")).toBeUndefined();
    expect((await eventually(() => campaign(crm, 2), (r) => r.name === 'Named in ops')).name).toBe('Named in ops');
    expect(tf.plan().code).toBe(0);
  });

  test('destroy removes the publication, subscription and slot it created, and nothing else, on both servers, also when parts are gone', async () => {
    expect(await replicationCatalogs(crm)).not.toEqual(before.crm);
    // Now the route runs ops -> crm. Take its slot and publication away by hand first.
    const name = (await crm.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].subname;
    await crm.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    await eventually(async () => (await ops.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0].active, (a) => !a);
    await ops.query('SELECT pg_drop_replication_slot($1)', [name]);
    await ops.query(`DROP PUBLICATION ${name}`);
    tf.destroy();
    expect({ crm: await replicationCatalogs(crm), ops: await replicationCatalogs(ops) }).toEqual(before);
  });
});

describe('routes of one authority and copy', () => {
  test('share one publication, slot and subscription; a route removed leaves the others flowing; the last one takes the shared objects', async () => {
    for (const db of [crm, ops]) await db.query("CREATE TABLE regions (id int PRIMARY KEY, label text, note text); INSERT INTO regions VALUES (1, 'North', 'n')");
    const before = { crm: await replicationCatalogs(crm), ops: await replicationCatalogs(ops) };
    const { stack, tf } = stackWith('pair', (domain) => {
      new SyncRoute(domain, 'campaign-names', { authority: 'crm', copy: 'ops', table: 'campaigns', columns: ['name'] });
      new SyncRoute(domain, 'region-labels', { authority: 'crm', copy: 'ops', table: 'regions', columns: ['label'] });
    });
    // Terraform applies both routes at once: both find no subscription, and the pair's lock orders them.
    tf.apply();
    const published = await crm.query("SELECT pubname, tablename, attnames::text AS cols FROM pg_publication_tables WHERE pubname LIKE 'authority\\_%' ORDER BY 2");
    expect(published.rows.map((r) => [r.tablename, r.cols])).toEqual([['campaigns', '{id,name}'], ['regions', '{id,label}']]);
    const name = published.rows[0].pubname;
    expect(published.rows[1].pubname).toBe(name);
    expect((await ops.query("SELECT subname FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows).toEqual([{ subname: name }]);
    expect((await crm.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'authority\\_%'")).rows).toEqual([{ slot_name: name }]);
    expect(await receivedTables(ops)).toEqual(['campaigns', 'regions']);
    await crm.query("UPDATE regions SET label = 'North-East', note = 'the CRM''s own' WHERE id = 1");
    await crm.query("UPDATE campaigns SET name = 'Shared pair' WHERE id = 1");
    expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'Shared pair')).name).toBe('Shared pair');
    expect((await ops.query('SELECT * FROM regions')).rows).toEqual([{ id: 1, label: 'North-East', note: 'n' }]);

    rewriteStack(stack, (json) => {
      const routes = json.resource.authority_sync_route;
      delete routes[Object.keys(routes).find((k) => routes[k].table === 'regions')!];
    });
    const plan = tf.plan();
    expect(plan.output).toContain('0 to add, 0 to change, 1 to destroy');
    expect(words(plan.output)).toContain('Warning: Values will no longer flow to a copy');
    expect(words(plan.output)).toContain('public.regions: label will no longer flow from crm to ops.');
    tf.apply();
    expect(await receivedTables(ops)).toEqual(['campaigns']);
    expect((await crm.query('SELECT tablename FROM pg_publication_tables WHERE pubname = $1', [name])).rows).toEqual([{ tablename: 'campaigns' }]);
    // One stream in commit order: once the later campaigns change is there, a regions change would be too.
    await crm.query("UPDATE regions SET label = 'Not sent' WHERE id = 1");
    await crm.query("UPDATE campaigns SET name = 'Still flowing' WHERE id = 1");
    expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'Still flowing')).name).toBe('Still flowing');
    expect((await ops.query('SELECT label FROM regions')).rows).toEqual([{ label: 'North-East' }]);
    expect(tf.plan().code).toBe(0);

    tf.destroy();
    expect({ crm: await replicationCatalogs(crm), ops: await replicationCatalogs(ops) }).toEqual(before);
  });
});

describe('waits and addresses', () => {
  test('a copy user who would log the statement carrying the password, or cannot act as the table\'s owner, is refused at plan', async () => {
    const secret = 'limited-secret';
    await ops.query(`CREATE ROLE limited LOGIN PASSWORD '${secret}'; GRANT pg_create_subscription TO limited; GRANT CREATE ON DATABASE ops TO limited`);
    const passwordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'authority-limited-')), 'password');
    fs.writeFileSync(passwordFile, secret);
    const o = platforms.ops.connection;
    const limited = platform('ops-limited', 'ops', { host: o.host, port: o.port, username: 'limited', passwordFile });
    const { tf } = stackWith('quiet', (domain) => {
      new SyncRoute(domain, 'names', { authority: 'crm', copy: 'ops-limited', table: 'campaigns', columns: ['name'] });
    }, [limited]);
    try {
      const refused = tf.plan();
      expect(refused.code).toBe(1);
      expect(words(refused.output)).toContain('Error: "ops-limited" would write crm\'s password to its server log');
      expect(words(refused.output)).toContain('recorded by log_min_error_statement = error');
      expect(words(refused.output)).toContain('GRANT SET ON PARAMETER log_min_error_statement TO <user>');
      await ops.query('GRANT SET ON PARAMETER log_min_error_statement TO limited');
      const owner = (await ops.query("SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.campaigns'::regclass")).rows[0].owner;
      const notOwner = tf.plan();
      expect(words(notOwner.output)).not.toContain('server log');
      // From 16 the copy applies changes as the table's owner: the subscription's owner must be able to become it.
      expect(words(notOwner.output)).toContain(`Error: The provider's user on "ops-limited" cannot act as ${owner}, the owner of public.campaigns there`);
      await ops.query(`GRANT ${owner} TO limited`);
      expect(tf.plan().code).toBe(2);
    } finally {
      await ops.query('REVOKE SET ON PARAMETER log_min_error_statement FROM limited; REVOKE CREATE ON DATABASE ops FROM limited; DROP ROLE limited');
    }
  });

  test('TLS: verify-full to the authority for the provider and for the copy\'s subscription; a certificate from another CA is refused', async () => {
    // The CRM's server gets a certificate for "localhost" (it is its own CA).
    const cert = createServerCertificate();
    const dataDir = path.join(platforms.crm.dir, 'data');
    const owner = fs.statSync(dataDir);
    for (const [file, text] of [['authority-test.crt', cert.certPem], ['authority-test.key', cert.keyPem]]) {
      fs.writeFileSync(path.join(dataDir, file), text, { mode: 0o600 });
      fs.chownSync(path.join(dataDir, file), owner.uid, owner.gid);
    }
    for (const sql of ["ALTER SYSTEM SET ssl_cert_file = 'authority-test.crt'", "ALTER SYSTEM SET ssl_key_file = 'authority-test.key'", 'ALTER SYSTEM SET ssl = on']) {
      await crm.query(sql);
    }
    await crm.query('SELECT pg_reload_conf()');
    // Readable by the provider here and by the copy's server (another OS user when tests run as root).
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-ca-'));
    fs.chmodSync(caDir, 0o755);
    const ca = path.join(caDir, 'ca.pem');
    const otherCa = path.join(caDir, 'other-ca.pem');
    fs.writeFileSync(ca, cert.certPem, { mode: 0o644 });
    fs.writeFileSync(otherCa, createServerCertificate().certPem, { mode: 0o644 });
    const c = platforms.crm.connection;
    const tls = (name: string, rootcert: string) => new Platform({
      name, kind: PlatformKind.CRM,
      connection: PlatformConnection.postgresql({
        host: 'localhost', port: c.port, database: 'crm', username: c.username, passwordFile: c.passwordFile,
        sslmode: 'verify-full', sslrootcert: rootcert, replicationSslrootcert: rootcert,
      }),
    });
    const { tf } = stackWith('tls', (domain) => {
      new SyncRoute(domain, 'names', { authority: 'crm-tls', copy: 'ops', table: 'campaigns', columns: ['name'] });
    }, [tls('crm-tls', ca), tls('crm-other-ca', otherCa)]);
    try {
      tf.apply();
      const name = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources[0].values.subscription;
      // The copy's receiver streams over TLS.
      const streams = await eventually(async () => (await crm.query(
        'SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1', [name])).rows, (r) => r.length > 0);
      expect(streams).toEqual([{ ssl: true }]);
      const conninfo = (await ops.query('SELECT subconninfo FROM pg_subscription WHERE subname = $1', [name])).rows[0].subconninfo;
      expect(conninfo).toContain(`sslmode='verify-full' sslrootcert='${ca}'`); // the copy checks the CRM's certificate too
      await crm.query("UPDATE campaigns SET name = 'Over TLS' WHERE id = 1");
      expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'Over TLS')).name).toBe('Over TLS');

      const { tf: wrong } = stackWith('tls-wrong', (domain) => {
        new SyncRoute(domain, 'names', { authority: 'crm-other-ca', copy: 'ops', table: 'campaigns', columns: ['name'] });
      }, [tls('crm-tls', ca), tls('crm-other-ca', otherCa)]);
      const refused = wrong.plan();
      expect(refused.code).toBe(1);
      expect(words(refused.output)).toMatch(/Error: Platform "crm-other-ca" is unreachable .*(self[- ]signed|unable to verify|certificate)/i);
    } finally {
      try {
        tf.destroy(); // over TLS: before the server stops offering it
      } finally {
        for (const setting of ['ssl', 'ssl_cert_file', 'ssl_key_file']) await crm.query(`ALTER SYSTEM RESET ${setting}`);
        await crm.query('SELECT pg_reload_conf()');
      }
    }
  });

  test('a transaction left open on the authority: creating the slot gives up after wait_timeout and names it; the next apply finishes', async () => {
    const c = platforms.crm.connection;
    const slow = new Platform({
      name: 'crm-slow', kind: PlatformKind.CRM,
      connection: PlatformConnection.postgresql({
        host: c.host, port: c.port, database: 'crm', username: c.username, passwordFile: c.passwordFile, waitTimeout: 2, replicationHost: 'localhost',
      }),
    });
    const { tf } = stackWith('waits', (domain) => {
      new SyncRoute(domain, 'names', { authority: 'crm-slow', copy: 'ops', table: 'campaigns', columns: ['name'] });
    }, [slow]);
    const forgotten = await platforms.connect('crm');
    try {
      await forgotten.query("SET application_name = 'forgotten psql'; BEGIN; SELECT txid_current()");
      const failed = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
      expect(failed.code).toBe(1);
      const out = words(failed.output);
      expect(out).toMatch(/creating replication slot "authority_crm_slow_to_ops_[0-9a-f]{6}" waited wait_timeout \(2 s\) for transactions open on the server to finish: pid \d+, \w+ \(forgotten psql\), idle in transaction since/);
      expect(out).toContain('the next apply continues from what exists');
    } finally {
      await forgotten.query('ROLLBACK');
      await forgotten.end();
    }
    tf.apply();
    expect(tf.plan().code).toBe(0);
    // The copy reaches the authority at replication_host, not at the provider's host.
    const conninfo = (await ops.query("SELECT subconninfo FROM pg_subscription WHERE subname LIKE 'authority\\_crm\\_slow%'")).rows[0].subconninfo;
    expect(conninfo).toContain("host='localhost'");
    await crm.query("UPDATE campaigns SET name = 'Via localhost' WHERE id = 1");
    expect((await eventually(() => campaign(ops, 1), (r) => r.name === 'Via localhost')).name).toBe('Via localhost');
    tf.destroy();
  });
});

describe('tables with more to them', () => {
  test('a partitioned authority table with a composite key and a json column syncs to a plain copy, settles, and reads back clean', async () => {
    await crm.query(`CREATE TABLE events (id int, region text, title text, details json, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
                     CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
                     CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
                     INSERT INTO events VALUES (1, 'eu', 'Launch', '{"seats": 10}'), (1, 'us', 'Launch', '{"seats": 20}'), (2, 'eu', 'Meetup', '{}')`);
    await ops.query(`CREATE TABLE events (id int, region text, title text, details json, PRIMARY KEY (id, region) INCLUDE (title));
                     INSERT INTO events VALUES (1, 'eu', 'Launch', '{"seats": 10}'), (1, 'us', 'Launch (old)', '{"seats":20}'), (2, 'eu', 'Meetup', '{"x": 1}')`);
    const { tf } = stackWith('partitioned', (domain) => {
      new SyncRoute(domain, 'events', { authority: 'crm', copy: 'ops', table: 'events', columns: ['title', 'details'] });
    });
    try {
      // The key is (id, region), not the INCLUDE column; json compares by value ({"seats":20} = {"seats": 20}).
      const plan = words(tf.plan().output);
      expect(plan).toContain("Warning: public.events: 2 rows on ops differ from crm in title, details; this apply replaces them with crm's values");
      tf.apply();
      const state = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources[0].values;
      expect(state.key_columns).toEqual(['id', 'region']);
      const rows = async () => (await ops.query('SELECT id, region, title, details::text FROM events ORDER BY id, region')).rows;
      expect(await rows()).toEqual([
        { id: 1, region: 'eu', title: 'Launch', details: '{"seats": 10}' },
        { id: 1, region: 'us', title: 'Launch', details: '{"seats": 20}' },
        { id: 2, region: 'eu', title: 'Meetup', details: '{}' },
      ]);
      await crm.query("UPDATE events SET title = 'Launch EU' WHERE id = 1 AND region = 'eu'");
      await crm.query("INSERT INTO events VALUES (3, 'us', 'Webinar', NULL)");
      const arrived = await eventually(rows, (r) => r.length === 4 && r[0].title === 'Launch EU');
      expect(arrived.map((r) => r.title)).toEqual(['Launch EU', 'Launch', 'Meetup', 'Webinar']);
      expect(tf.plan().code).toBe(0);
    } finally {
      tf.destroy();
    }
  });
});

describe('a declared two-way split on PostgreSQL 18', () => {
  test('each side\'s fields reach the other, and nothing echoes back', async () => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE tasks (id int PRIMARY KEY, title text, state text);
                      INSERT INTO tasks VALUES (1, 'Draft brief', 'open');
                      CREATE TABLE task_writes (at timestamptz DEFAULT clock_timestamp(), title text, state text);
                      CREATE FUNCTION note_task_write() RETURNS trigger LANGUAGE plpgsql AS
                        $$ BEGIN INSERT INTO public.task_writes (title, state) VALUES (NEW.title, NEW.state); RETURN NEW; END $$;
                      CREATE TRIGGER note_task_write AFTER UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION note_task_write();
                      ALTER TABLE tasks ENABLE ALWAYS TRIGGER note_task_write`); // fires for replicated writes too (with an empty search_path)
    }
    const { tf } = stackWith('split', (domain) => {
      new SyncRoute(domain, 'titles', { authority: 'crm', copy: 'ops', table: 'tasks', columns: ['title'], twoWay: true });
      new SyncRoute(domain, 'states', { authority: 'ops', copy: 'crm', table: 'tasks', columns: ['state'], twoWay: true });
    });
    try {
      tf.apply();
      await crm.query("UPDATE tasks SET title = 'Final brief' WHERE id = 1");
      await ops.query("UPDATE tasks SET state = 'done' WHERE id = 1");
      const task = (db: Client) => db.query('SELECT title, state FROM tasks WHERE id = 1').then((r) => r.rows[0]);
      const settled = { title: 'Final brief', state: 'done' };
      expect(await eventually(() => task(ops), (t) => t.state === 'done' && t.title === 'Final brief')).toEqual(settled);
      expect(await eventually(() => task(crm), (t) => t.state === 'done' && t.title === 'Final brief')).toEqual(settled);
      // An echo would write the row again on the side it came from. Each stream carries changes in
      // commit order: once a marker written on each side after the settled values has arrived on
      // the other, any echo of those values has arrived too.
      await crm.query("INSERT INTO tasks (id, title) VALUES (2, 'marker from crm')");
      await ops.query("INSERT INTO tasks (id, state) VALUES (3, 'marker from ops')");
      const has = async (db: Client, id: number) => (await db.query('SELECT 1 FROM tasks WHERE id = $1', [id])).rowCount === 1;
      expect(await eventually(() => has(ops, 2), (h) => h)).toBe(true);
      expect(await eventually(() => has(crm, 3), (h) => h)).toBe(true);
      const writes = async (db: Client) => (await db.query('SELECT count(*)::int AS n FROM task_writes')).rows[0].n;
      expect([await writes(crm), await writes(ops)]).toEqual([2, 2]); // each side: its own update and the other's
      expect(tf.plan().code).toBe(0);
    } finally {
      tf.destroy();
    }
  });
});

describe('values that differ before a route starts', () => {
  test('authority_wins replaces them once, through the copy\'s guard, and plan says how many; manual_review queues them for review; missing rows are reported', async () => {
    await crm.query(`CREATE TABLE plans (id int PRIMARY KEY, title text, tier text);
                     INSERT INTO plans VALUES (1, 'Basic', 'a'), (2, 'Pro', 'b'), (3, 'Team', 'c');
                     CREATE TABLE addons (id int PRIMARY KEY, label text); INSERT INTO addons VALUES (1, 'SSO')`);
    await ops.query(`CREATE TABLE plans (id int PRIMARY KEY, title text, tier text);
                     INSERT INTO plans VALUES (1, 'Basic', 'x'), (2, 'Pro (old name)', 'y');
                     CREATE TABLE addons (id int PRIMARY KEY, label text); INSERT INTO addons VALUES (1, 'Single sign-on');
                     GRANT SELECT, UPDATE ON plans TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
    const { tf } = stackWith('diverged', (domain) => {
      const guard = new FieldProtection(domain, 'plan-titles-guard', {
        platform: 'ops', table: 'plans', columns: ['title'], authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Rename plans in the CRM.',
      });
      // Plans join the pair's running subscription after addons created it: the receiver pauses to settle.
      const addons = new SyncRoute(domain, 'addon-labels', { authority: 'crm', copy: 'ops', table: 'addons', columns: ['label'], divergence: 'manual_review' });
      new SyncRoute(domain, 'plan-titles', { authority: 'crm', copy: 'ops', table: 'plans', columns: ['title'], dependsOn: [guard, addons] });
    });
    try {
      await divergedRoutes(tf);
    } finally {
      tf.destroy();
    }
  });
  test('settling while the authority keeps writing loses nothing: the copy ends equal to the authority', async () => {
    const rows = 3000;
    await crm.query(`CREATE TABLE ledger (id int PRIMARY KEY, amount int); INSERT INTO ledger SELECT g, 0 FROM generate_series(1, ${rows}) g;
                     CREATE TABLE ledger_notes (id int PRIMARY KEY, note text)`);
    await ops.query(`CREATE TABLE ledger (id int PRIMARY KEY, amount int); INSERT INTO ledger SELECT g, -1 FROM generate_series(1, ${rows}) g;
                     CREATE TABLE ledger_notes (id int PRIMARY KEY, note text)`);
    const { tf } = stackWith('busy', (domain) => {
      const notes = new SyncRoute(domain, 'notes', { authority: 'crm', copy: 'ops', table: 'ledger_notes', columns: ['note'] });
      new SyncRoute(domain, 'amounts', { authority: 'crm', copy: 'ops', table: 'ledger', columns: ['amount'], dependsOn: [notes] });
    });
    const writer = await platforms.connect('crm');
    let writing = true;
    let writes = 0;
    const busy = (async () => {
      while (writing) {
        await writer.query('UPDATE ledger SET amount = amount + 1 WHERE id = $1', [1 + (writes * 7919) % rows]);
        writes++;
      }
    })();
    try {
      const applied = await tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color'); // the writer runs meanwhile
      expect(applied.code).toBe(0);
      expect(words(applied.output)).toContain('Warning: public.ledger: replaced amount in');
    } finally {
      writing = false;
      await busy;
      await writer.end();
    }
    expect(writes).toBeGreaterThan(100);
    const table = async (db: Client) => (await db.query('SELECT id, amount FROM ledger ORDER BY id')).rows;
    const expected = await table(crm);
    expect(await eventually(() => table(ops), (t) => JSON.stringify(t) === JSON.stringify(expected), 60_000)).toEqual(expected);
    tf.destroy();
  });
  test('a settle the copy refuses part-way leaves nothing paused or half-joined; once fixed, the next apply settles', async () => {
    await crm.query(`CREATE TABLE regions2 (id int PRIMARY KEY, label text); INSERT INTO regions2 VALUES (1, 'north'), (2, 'south');
                     CREATE TABLE sectors (id int PRIMARY KEY, label text); INSERT INTO sectors VALUES (1, 'retail')`);
    await ops.query(`CREATE TABLE regions2 (id int PRIMARY KEY, label text CONSTRAINT capitalized CHECK (label <> lower(label)));
                     INSERT INTO regions2 VALUES (1, 'North'), (2, 'South');
                     CREATE TABLE sectors (id int PRIMARY KEY, label text); INSERT INTO sectors VALUES (1, 'retail')`);
    const { tf } = stackWith('refused', (domain) => {
      const sectors = new SyncRoute(domain, 'sectors', { authority: 'crm', copy: 'ops', table: 'sectors', columns: ['label'] });
      new SyncRoute(domain, 'regions', { authority: 'crm', copy: 'ops', table: 'regions2', columns: ['label'], dependsOn: [sectors] });
    });
    try {
      const failed = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
      expect(failed.code).toBe(1);
      expect(words(failed.output)).toContain('refused to settle the copy\'s diverged values');
      expect(words(failed.output)).toContain('violates check constraint "capitalized"');
      // Not paused, and regions2 is out of the pair again: the other table still flows.
      expect(await receivedTables(ops)).toEqual(['sectors']);
      expect((await ops.query("SELECT subenabled FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows).toEqual([{ subenabled: true }]);
      await crm.query("UPDATE sectors SET label = 'wholesale' WHERE id = 1");
      expect((await eventually(async () => (await ops.query('SELECT label FROM sectors')).rows[0].label, (l) => l === 'wholesale'))).toBe('wholesale');

      await ops.query('ALTER TABLE regions2 DROP CONSTRAINT capitalized');
      const applied = tf.apply();
      expect(words(applied.output)).toContain("Warning: public.regions2: replaced label in 2 rows on ops with crm's values");
      expect((await ops.query('SELECT label FROM regions2 ORDER BY id')).rows).toEqual([{ label: 'north' }, { label: 'south' }]);
      expect(tf.plan().code).toBe(0);
    } finally {
      tf.destroy();
    }
  });
  test('a provider killed in the middle of a settle: the next apply finishes the settle and the pair runs again', async () => {
    await crm.query(`CREATE TABLE zones (id int PRIMARY KEY, label text); INSERT INTO zones VALUES (1, 'north'), (2, 'south');
                     CREATE TABLE zone_notes (id int PRIMARY KEY, note text); INSERT INTO zone_notes VALUES (1, 'x')`);
    await ops.query(`CREATE TABLE zones (id int PRIMARY KEY, label text); INSERT INTO zones VALUES (1, 'North'), (2, 'South');
                     CREATE TABLE zone_notes (id int PRIMARY KEY, note text); INSERT INTO zone_notes VALUES (1, 'x');
                     CREATE FUNCTION public.slow_zone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$;
                     CREATE TRIGGER slow_zone BEFORE UPDATE ON zones FOR EACH ROW EXECUTE FUNCTION public.slow_zone();
                     ALTER TABLE zones ENABLE ALWAYS TRIGGER slow_zone`); // fires for the settle's writes too
    const { stack, tf } = stackWith('killed', (domain) => {
      const notes = new SyncRoute(domain, 'notes', { authority: 'crm', copy: 'ops', table: 'zone_notes', columns: ['note'] });
      new SyncRoute(domain, 'zones', { authority: 'crm', copy: 'ops', table: 'zones', columns: ['label'], dependsOn: [notes] });
    });
    const subscription = async () => (await ops.query(
      "SELECT subenabled AS enabled, obj_description(oid, 'pg_subscription') AS comment FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0];
    try {
      const apply = spawn('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], {
        cwd: stack.dir, env: terraformEnv({ TF_IN_AUTOMATION: '1', [CRM_PASSWORD_ENV]: crmPassword }), stdio: 'ignore',
      });
      const exited = new Promise((resolve) => apply.on('exit', resolve));
      // The settle is under way: its UPDATE, run as the table's owner, sleeps in the copy's trigger.
      const settling = await eventually(async () => (await ops.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'terraform-provider-authority' AND wait_event = 'PgSleep'
            AND query LIKE '%authority\\_owner\\_call(%' AND state = 'active'`)).rows[0].n, (n) => n > 0, 30_000);
      expect(settling).toBe(1);
      // Kill the provider (terraform's child) and terraform, as a crashed CI runner would.
      for (const pid of execFileSync('ps', ['-o', 'pid=', '--ppid', String(apply.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean)) {
        process.kill(pid, 'SIGKILL');
      }
      apply.kill('SIGKILL');
      await exited;
      await ops.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'terraform-provider-authority'");
      const cutShort = await subscription();
      expect(cutShort.enabled).toBe(false);
      expect(cutShort.comment).toContain('Settling');
      expect((await ops.query('SELECT label FROM zones ORDER BY id')).rows).toEqual([{ label: 'North' }, { label: 'South' }]);

      await ops.query('DROP TRIGGER slow_zone ON zones; DROP FUNCTION public.slow_zone()');
      const resumed = tf.run('apply', '-auto-approve', '-input=false', '-no-color', '-lock=false'); // the killed run left its lock
      expect(resumed.code).toBe(0);
      expect((await ops.query('SELECT label FROM zones ORDER BY id')).rows).toEqual([{ label: 'north' }, { label: 'south' }]);
      const after = await subscription();
      expect([after.enabled, after.comment.includes('Settling')]).toEqual([true, false]);
      await crm.query("UPDATE zone_notes SET note = 'flows again' WHERE id = 1");
      expect((await eventually(async () => (await ops.query('SELECT note FROM zone_notes')).rows[0].note, (n) => n === 'flows again'))).toBe('flows again');
      expect(tf.run('plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false').code).toBe(0);
    } finally {
      tf.ok('destroy', '-auto-approve', '-input=false', '-no-color', '-lock=false');
    }
  });
  test('authority_unless_blank: a blank value from the authority leaves the copy\'s own, a real one wins, and the rule shows as drift when its trigger goes', async () => {
    await crm.query("CREATE TABLE contacts (id int PRIMARY KEY, phone text); INSERT INTO contacts VALUES (1, ''), (2, '555-0102')");
    await ops.query("CREATE TABLE contacts (id int PRIMARY KEY, phone text); INSERT INTO contacts VALUES (1, '555-0101'), (2, '555-0000')");
    const before = await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'");
    const { stack, tf } = stackWith('blank', (domain) => {
      new SyncRoute(domain, 'phones', { authority: 'crm', copy: 'ops', table: 'contacts', columns: ['phone'], divergence: 'authority_unless_blank' });
    });
    const phones = async () => (await ops.query('SELECT id, phone FROM contacts ORDER BY id')).rows.map((r) => r.phone);
    try {
      expect(words(tf.plan().output)).toContain('1 row on ops differs from crm in phone'); // row 1 is blank at the CRM: not counted
      tf.apply();
      expect(await phones()).toEqual(['555-0101', '555-0102']);
      await crm.query("UPDATE contacts SET phone = NULL WHERE id = 2");
      await crm.query("UPDATE contacts SET phone = '555-0199' WHERE id = 1");
      // Changes arrive in commit order: once row 1's has, row 2's blank was applied (and kept out).
      expect(await eventually(phones, (p) => p[0] === '555-0199')).toEqual(['555-0199', '555-0102']);

      const name = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority\\_keep\\_%'")).rows[0].tgname;
      await ops.query(`ALTER TABLE contacts DISABLE TRIGGER ${name}`);
      const drift = tf.plan();
      expect(drift.output).toMatch(/~ enabled\s+= false -> true/);
      tf.apply();
      expect((await ops.query('SELECT tgenabled FROM pg_trigger WHERE tgname = $1', [name])).rows).toEqual([{ tgenabled: 'R' }]);

      // Another rule takes the trigger away; so does destroy.
      rewriteStack(stack, (json) => { for (const r of Object.values<any>(json.resource.authority_sync_route)) r.divergence = 'authority_wins'; });
      tf.apply();
      expect((await ops.query('SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = $1', [name])).rows[0].n).toBe(0);
      expect(tf.plan().code).toBe(0);
    } finally {
      tf.destroy();
    }
    expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority\\_%'")).rows).toEqual(before.rows);
    expect((await ops.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'authority\\_keep\\_%'")).rows[0].n).toBe(0);
  });
});

async function divergedRoutes(tf: Terraform): Promise<void> {
  const plan = words(tf.plan().output);
  expect(plan).toContain("Warning: public.plans: 1 row on ops differs from crm in title; this apply replaces it with crm's values");
  expect(plan).toContain('Warning: public.plans: 1 row of crm is missing on ops');
  expect(plan).toContain('Warning: public.addons: 1 row on ops differs from crm in label and stays as it is');
  expect(plan).toContain('divergence = manual_review');

  const applied = tf.apply();
  expect(words(applied.output)).toContain("Warning: public.plans: replaced title in 1 row on ops with crm's values");
  expect((await ops.query('SELECT * FROM plans ORDER BY id')).rows).toEqual([
    { id: 1, title: 'Basic', tier: 'x' }, { id: 2, title: 'Pro', tier: 'y' },
  ]);
  expect((await ops.query('SELECT label FROM addons')).rows).toEqual([{ label: 'Single sign-on' }]);
  // The guard still refuses people; the route runs on.
  expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE plans SET title = 'Mine' WHERE id = 1"))?.message).toContain('Rename plans in the CRM.');
  await crm.query("UPDATE plans SET title = 'Basic 2026' WHERE id = 1");
  expect((await eventually(async () => (await ops.query('SELECT title FROM plans WHERE id = 1')).rows[0].title, (t) => t === 'Basic 2026'))).toBe('Basic 2026');
  const again = tf.plan();
  expect(again.code).toBe(0);
  // The only word left: manual_review queued the addon's differing label for a person.
  expect(words(again.output).match(/Warning: [^│]*?(?= │|$)/g)?.length).toBe(1);
  expect(words(again.output)).toContain('Warning: ops public.addons: 1 conflict with crm waits for review in authority_records.review_queue');
}

test('bad configuration: a column the copy lacks, a table without a key, an unreachable copy: diagnostics name the attribute', async () => {
  for (const db of [crm, ops]) await db.query('CREATE TABLE notes (id int, body text)');
  const o = platforms.ops.connection;
  const gone = platform('gone', 'ops', { ...o, port: await freePort() });
  const { tf } = stackWith('bad', (domain) => {
    new SyncRoute(domain, 'missing-on-copy', { authority: 'crm', copy: 'ops', table: 'campaigns', columns: ['name', 'status'] });
    new SyncRoute(domain, 'no-key', { authority: 'crm', copy: 'ops', table: 'notes', columns: ['body'] });
    new SyncRoute(domain, 'unreachable', { authority: 'crm', copy: 'gone', table: 'campaigns', columns: ['name'] });
  }, [gone]);
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  const out = words(plan.output);
  expect(out).toContain('Error: Column "status" does not exist in public.campaigns on platform "ops"');
  expect(out).toContain('Replication maps columns by name: add "status" to the copy\'s table');
  expect(out).toMatch(/with authority_sync_route\.missing-on-copy, on cdk\.tf\.json line \d+, in resource\.authority_sync_route\.missing-on-copy\.columns/);
  expect(out).toContain('Error: public.notes on platform "crm" (database crm at 127.0.0.1:');
  expect(out).toContain('has no key to sync by');
  expect(out).toMatch(/in resource\.authority_sync_route\.no-key: \d+: "table": "notes"/);
  expect(out).toMatch(/Error: Platform "gone" is unreachable with authority_sync_route\.unreachable, on cdk\.tf\.json line \d+, in resource\.authority_sync_route\.unreachable: \d+: "copy": "gone"/);
  expect(out).toContain('Check that the server runs');
});

describe('a copy on PostgreSQL 15', () => {
  let legacyDb: Client;
  const legacy = () => {
    const c = pg15!.clientConfig();
    return platform('legacy', 'ops', { host: c.host, port: c.port, username: c.user, passwordFile: pg15!.passwordFile });
  };

  beforeAll(async () => {
    await prepareExamplePlatform('ops', pg15!.clientConfig());
    legacyDb = new Client(pg15!.clientConfig('ops'));
    await legacyDb.connect();
  });

  afterAll(async () => {
    await legacyDb?.end();
  });

  test('two_way is refused at plan, and so is a route whose reverse exists; a one-way route works without origin', async () => {
    const { stack, tf } = stackWith('legacy', (domain) => {
      new SyncRoute(domain, 'names', { authority: 'crm', copy: 'legacy', table: 'campaigns', columns: ['name'], twoWay: true });
    }, [legacy()]);
    const twoWay = tf.plan();
    expect(twoWay.code).toBe(1);
    expect(words(twoWay.output)).toContain('Error: two_way needs PostgreSQL 16 or later on both platforms: "legacy" runs PostgreSQL 15');
    expect(twoWay.output).toMatch(/"two_way": true/);

    // The reverse route, made by hand: the PostgreSQL 15 copy publishes campaigns, the CRM subscribes.
    const c = pg15!.clientConfig('ops');
    await legacyDb.query('CREATE PUBLICATION back FOR TABLE campaigns (id, routing_state)');
    await crm.query(`CREATE SUBSCRIPTION back CONNECTION 'host=${c.host} port=${c.port} dbname=ops user=${c.user} password=${c.password}'
                     PUBLICATION back WITH (copy_data = false, enabled = false)`);
    rewriteStack(stack, (json) => { for (const r of Object.values<any>(json.resource.authority_sync_route)) delete r.two_way; });
    try {
      const reverse = tf.plan();
      expect(reverse.code).toBe(1);
      expect(words(reverse.output)).toContain('Error: A route from "legacy" back to "crm" on public.campaigns already exists (subscription "back" on "crm")');
    } finally {
      await crm.query('DROP SUBSCRIPTION back');
      await legacyDb.query('DROP PUBLICATION back');
    }

    tf.apply();
    const sub = await legacyDb.query("SELECT subenabled FROM pg_subscription WHERE subname LIKE 'authority\\_%'");
    expect(sub.rows).toEqual([{ subenabled: true }]);
    await crm.query("UPDATE campaigns SET name = 'Sent to 15' WHERE id = 1");
    expect((await eventually(() => campaign(legacyDb, 1), (r) => r.name === 'Sent to 15')).name).toBe('Sent to 15');
    expect(tf.plan().code).toBe(0);
    tf.destroy();
    expect((await legacyDb.query('SELECT count(*)::int AS n FROM pg_subscription')).rows[0].n).toBe(0);
    expect((await crm.query("SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'authority\\_%'")).rows[0].n).toBe(0);
  });
  test('a route and its reverse declared together: one is created, the other refused at apply, so nothing loops', async () => {
    await legacyDb.query('CREATE TABLE IF NOT EXISTS labels (id int PRIMARY KEY, label text)');
    await crm.query('CREATE TABLE IF NOT EXISTS labels (id int PRIMARY KEY, label text)');
    const { stack, tf } = stackWith('both-ways', (domain) => {
      new SyncRoute(domain, 'there', { authority: 'crm', copy: 'legacy', table: 'labels', columns: ['label'] });
      new SyncRoute(domain, 'back', { authority: 'legacy', copy: 'crm', table: 'labels', columns: ['label'] });
    }, [legacy()]);
    try {
      expect(tf.plan().code).toBe(2); // neither exists yet: plan cannot tell
      const applied = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
      expect(applied.code).toBe(1);
      expect(words(applied.output)).toMatch(/Error: A route from "(crm|legacy)" back to "(crm|legacy)" on public\.labels already exists/);
      const receiving = async (db: Client) => (await db.query(`SELECT count(*)::int AS n FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
                                                               WHERE s.subname LIKE 'authority\\_%' AND r.srrelid = 'public.labels'::regclass`)).rows[0].n;
      expect((await receiving(crm)) + (await receiving(legacyDb))).toBe(1);
    } finally {
      // The refusal holds at every plan while both are declared: take both out, and apply removes what exists.
      rewriteStack(stack, (json) => { delete json.resource; });
      tf.apply();
    }
    expect((await legacyDb.query('SELECT count(*)::int AS n FROM pg_subscription')).rows[0].n).toBe(0);
    expect((await crm.query("SELECT count(*)::int AS n FROM pg_subscription WHERE subname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
  });
});
