/**
 * Bad configuration gets a diagnostic that names the attribute and says what to do; odd
 * identifiers are quoted, never spliced into SQL. Real terraform, provider and PostgreSQL.
 */
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, FieldLocation, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';
import { OPERATOR_ROLE } from '../embedded/example-platforms';
import { freePort } from '../embedded/local-postgres';
import { rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, tryAs } from './support/platforms';

let platforms: TestPlatforms;

beforeAll(async () => {
  platforms = await startTestPlatforms();
});

afterAll(async () => {
  await platforms?.stop();
});

interface Options {
  readonly table?: string;
  readonly columns?: string[];
  readonly syncPrincipal?: string;
  readonly how?: string;
  readonly port?: number;
  readonly passwordEnv?: string;
  readonly waitTimeout?: number;
}

/** A one-policy domain: a CRM authority and an ops-tool copy at ops.<table>.<columns>. */
function stackWith(o: Options = {}) {
  const c = platforms.ops.connection;
  const stack = synthDomain((app) => {
    const domain = new Domain(app, 'diag', { governedBy: 'Test team' });
    const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM' });
    const ops = new Platform({
      name: 'ops', kind: PlatformKind.INTERNAL_TOOL, syncPrincipal: o.syncPrincipal,
      connection: PlatformConnection.postgresql({
        host: c.host, port: o.port ?? c.port, database: 'ops', username: c.username, waitTimeout: o.waitTimeout,
        ...(o.passwordEnv ? { passwordEnv: o.passwordEnv } : { passwordFile: c.passwordFile }),
      }),
    });
    const concept = new Concept(domain, 'Campaign');
    (o.columns ?? ['name']).forEach((col) => concept.addField(col, new FieldLocation(ops, 'public', o.table ?? 'campaigns', col)));
    new AuthorityPolicy(domain, 'policy', {
      concept, authority: crm, origin: crm, copies: [Copy.readOnly(ops)],
      correction: CorrectionPath.at(crm, { how: o.how ?? 'edit it there' }),
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return { stack, tf };
}

test('a resource naming an unknown platform: the diagnostic names the attribute and the declared platforms', () => {
  const { stack, tf } = stackWith();
  rewriteStack(stack, (json) => {
    const resources = json.resource.authority_field_protection;
    for (const r of Object.values<any>(resources)) r.platform = 'nope';
  });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('No platform named "nope" in the provider configuration');
  expect(plan.output).toContain('Declared platforms: ops');
  expect(plan.output).toMatch(/"platform": "nope"/);
});

test('a missing table: the diagnostic lists the tables that exist', () => {
  const { tf } = stackWith({ table: 'campaignz' });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('Table public.campaignz does not exist on platform "ops"');
  expect(plan.output).toContain('Tables in schema public: campaigns');
  expect(plan.output).toMatch(/"table": "campaignz"/);
});

test('a missing column: the diagnostic points at that element of columns', () => {
  const { tf } = stackWith({ columns: ['name', 'nmae'] });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('Column "nmae" does not exist in public.campaigns');
  expect(plan.output).toContain('Its columns: id, name, routing_state, assignee');
  // terraform underlines the very element: `in resource.authority_field_protection.<name>.columns: "nmae"`
  expect(plan.output).toMatch(/\.columns:\s+\d+:\s+"nmae"/);
});

test('a sync principal that is not a role is refused at plan', () => {
  const { tf } = stackWith({ syncPrincipal: 'no_such_role' });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('Sync principal "no_such_role" is not a role on platform "ops"');
});

test('an unreachable server: the diagnostic says which platform and what to check', async () => {
  const { tf } = stackWith({ port: await freePort() });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('Platform "ops" is unreachable');
  expect(plan.output).toContain('Check that the server runs');
  expect(plan.output).not.toMatch(/at .*\.js:\d+/); // no stack trace
});

test('a port out of range is refused at plan, naming the attribute', () => {
  const { tf } = stackWith({ port: 70000 });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output.replace(/\s+/g, ' ')).toContain('Error: port of platform "ops" must be a whole number from 1 to 65535; got 70000');
  expect(plan.output).toMatch(/"port": 70000/);
});

test('a platform declared twice is refused, also when its first block has an error of its own', () => {
  const { stack, tf } = stackWith({ port: 70000 });
  rewriteStack(stack, (json) => {
    const blocks = json.provider.authority[0].platform;
    const ops = blocks.find((b: any) => b.name === 'ops');
    blocks.push({ ...ops, postgresql: [{ ...ops.postgresql[0], port: 5432 }] });
  });
  const out = tf.plan().output.replace(/\s+/g, ' ');
  expect(out).toContain('Error: port of platform "ops" must be a whole number from 1 to 65535; got 70000');
  expect(out).toContain('Error: Platform "ops" is declared twice');
});

test('a transaction holding the table: protecting it gives up after wait_timeout, says what to do, and leaves nothing half-applied', async () => {
  const { tf } = stackWith({ waitTimeout: 1 });
  const ops = await platforms.connect('ops');
  try {
    await ops.query("BEGIN; UPDATE campaigns SET name = name WHERE id = 1"); // holds a lock CREATE TRIGGER needs
    const applied = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
    expect(applied.code).toBe(1);
    const out = applied.output.replace(/\s+/g, ' ');
    expect(out).toContain('canceling statement due to lock timeout');
    expect(out).toContain('Another session held a lock the step needed for longer than wait_timeout (1 s)');
    await ops.query('ROLLBACK');
    expect((await ops.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'authority_guard_%'")).rows[0].n).toBe(0);
    tf.apply();
    expect(tf.plan().code).toBe(0);
    tf.destroy();
  } finally {
    await ops.end();
  }
});

test('a column known only after apply (another resource\'s output) plans without checking it, and applies', () => {
  const { stack, tf } = stackWith();
  rewriteStack(stack, (json) => {
    json.resource.terraform_data = { later: { input: 'name' } };
    const guard = Object.values<any>(json.resource.authority_field_protection).find((r) => r.platform === 'ops');
    guard.columns = ['${terraform_data.later.output}'];
  });
  const plan = tf.plan();
  expect(plan.output).not.toContain('Error');
  expect(plan.code).toBe(2);
  tf.apply();
  expect(tf.plan().code).toBe(0);
  tf.destroy();
});

test('a password environment variable that is not set is named in the diagnostic', () => {
  const { tf } = stackWith({ passwordEnv: 'AUTHORITY_TEST_UNSET_PASSWORD' });
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(plan.output).toContain('environment variable AUTHORITY_TEST_UNSET_PASSWORD is not set');
  expect(plan.output).toContain('password_env');
});

test('identifiers with quotes, semicolons and odd Unicode are quoted, never spliced into SQL', async () => {
  const table = 'we;ird "tbl" 🚀';
  const column = `naïve "col"; DROP TABLE campaigns; --`;
  const role = `sync "röle"`;
  const how = `it's here'); DROP TABLE campaigns; -- $authority_guard$ \\ done`;
  const db = await platforms.connect('ops');
  try {
    await db.query(`CREATE TABLE ${db.escapeIdentifier(table)} (id int PRIMARY KEY, ${db.escapeIdentifier(column)} text, other text)`);
    await db.query(`INSERT INTO ${db.escapeIdentifier(table)} VALUES (1, 'a', 'b')`);
    await db.query(`CREATE ROLE ${db.escapeIdentifier(role)}`);
    await db.query(`GRANT SELECT, UPDATE ON ${db.escapeIdentifier(table)} TO ${OPERATOR_ROLE}, ${db.escapeIdentifier(role)}`);
    const { stack, tf } = stackWith({ table, columns: [column], syncPrincipal: role, how });
    // Platform names are plain in constructs; a hand-written configuration may still use any name.
    rewriteStack(stack, (json) => {
      for (const r of Object.values<any>(json.resource.authority_field_protection)) Object.assign(r, { authority: 'crm-ünï', key: 'clé ünï; --' });
    });
    tf.apply();

    const refused = await tryAs(db, OPERATOR_ROLE, `UPDATE ${db.escapeIdentifier(table)} SET ${db.escapeIdentifier(column)} = 'x'`);
    expect(refused?.message).toContain(`${table}.${column} is a read-only copy here.`);
    expect(refused?.hint).toContain(how);
    expect((refused as { detail?: string }).detail).toContain(`Only the sync (${role}) writes this column here; it copies the value from crm-ünï.`);
    expect(await tryAs(db, role, `UPDATE ${db.escapeIdentifier(table)} SET ${db.escapeIdentifier(column)} = 'y'`)).toBeUndefined();
    expect(await tryAs(db, OPERATOR_ROLE, `UPDATE ${db.escapeIdentifier(table)} SET other = 'z'`)).toBeUndefined();
    expect((await db.query("SELECT to_regclass('public.campaigns') IS NOT NULL AS present")).rows[0].present).toBe(true);
    expect(tf.plan().code).toBe(0);
    tf.destroy();
    expect(await tryAs(db, OPERATOR_ROLE, `UPDATE ${db.escapeIdentifier(table)} SET ${db.escapeIdentifier(column)} = 'x'`)).toBeUndefined();
  } finally {
    await db.end();
  }
});
