/**
 * A team's state: with AUTHORITY_STATE_BACKEND=pg each domain's state lives in Terraform's pg
 * backend on a real PostgreSQL, the connection only in terraform's environment. Two concurrent
 * applies of one domain are serialized by the backend's lock, and neither change is lost.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { addStateBackend, stateSchema } from '../review/apply-state';
import { Terraform } from './support/terraform';
import { waitFor } from './support/wait';

let dir: string;
let server: LocalPostgres;
let password: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-state-'));
  fs.chmodSync(dir, 0o755); // the server runs as the postgres user when tests run as root
  server = await LocalPostgres.start({ dir: path.join(dir, 'server'), logicalReplication: false });
  const admin = new Client(server.clientConfig());
  await admin.connect();
  await admin.query('CREATE DATABASE terraform_state');
  await admin.end();
  const c = server.connection;
  password = server.clientConfig().password;
  // The password travels as PGPASSWORD (libpq's variable), not in the connection string.
  env = { PG_CONN_STR: `postgres://${c.username}@${c.host}:${c.port}/terraform_state?sslmode=disable`, PGPASSWORD: password };
});

afterAll(async () => {
  await server?.stop(true);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes a domain's stack with the backend main.ts would give it under `choice`. */
function synth(domain: string, choice: NodeJS.ProcessEnv): string {
  const outdir = fs.mkdtempSync(path.join(dir, 'synth-'));
  const app = new App({ outdir });
  addStateBackend(new TerraformStack(app, domain), path.join(dir, 'local-state'), choice);
  app.synth();
  return path.join(outdir, 'stacks', domain);
}

test('the pg backend is chosen by AUTHORITY_STATE_BACKEND, one schema per domain, no credentials synthesized', () => {
  const stack = synth('campaigns', { AUTHORITY_STATE_BACKEND: 'pg', ...env });
  const text = fs.readFileSync(path.join(stack, 'cdk.tf.json'), 'utf8');
  expect(JSON.parse(text).terraform.backend).toEqual({ pg: { schema_name: 'authority_state_campaigns' } });
  expect(text).not.toContain(password);
  expect(text).not.toContain('conn_str');

  const local = JSON.parse(fs.readFileSync(path.join(synth('billing', {}), 'cdk.tf.json'), 'utf8'));
  expect(local.terraform.backend).toEqual({ local: { path: path.join(dir, 'local-state', 'billing.tfstate') } });

  expect(() => synth('x', { AUTHORITY_STATE_BACKEND: 's3' })).toThrow('choose "local" (a file per domain) or "pg"');
  expect(() => synth('y', { AUTHORITY_STATE_BACKEND: 'pg' })).toThrow('set PG_CONN_STR');
});

test('two concurrent applies of one domain are serialized by the lock, and both changes are kept', async () => {
  const stack = synth('campaigns', { AUTHORITY_STATE_BACKEND: 'pg', ...env });
  const go = path.join(dir, 'go');
  // Two people's working copies of one domain. terraform_data.a is created only once the test
  // says go, so the first apply holds the state lock for as long as the test needs.
  const copies = ['alice', 'bob'].map((who) => {
    const copy = path.join(dir, who);
    fs.cpSync(stack, copy, { recursive: true });
    const json = JSON.parse(fs.readFileSync(path.join(copy, 'cdk.tf.json'), 'utf8'));
    json.resource = { terraform_data: {
      a: { input: 'alice', provisioner: [{ 'local-exec': { command: `while [ ! -f '${go}' ]; do sleep 0.1; done` } }] },
      b: { input: 'bob' },
    } };
    fs.writeFileSync(path.join(copy, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    const tf = new Terraform(copy, env);
    tf.init();
    return tf;
  });
  const [alice, bob] = copies;
  const apply = (tf: Terraform, target: string, ...args: string[]) =>
    tf.start('apply', '-auto-approve', '-input=false', '-no-color', `-target=terraform_data.${target}`, ...args);

  const first = apply(alice, 'a');
  let firstOut = '';
  first.child.stdout!.on('data', (d) => (firstOut += d));
  const db = new Client(server.clientConfig('terraform_state'));
  await db.connect();
  try {
    await waitFor('alice\'s apply to be creating terraform_data.a (state lock held)', () => firstOut.includes('terraform_data.a: Creating...'), 60_000);
    const locks = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
    expect(locks.rows[0].n).toBeGreaterThan(0);

    // Without waiting, bob's apply fails with the lock's message and changes nothing.
    const refused = await apply(bob, 'b', '-lock-timeout=0s').done;
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Error acquiring the state lock');

    // Willing to wait, bob's apply waits for alice's to finish, then applies on top of it.
    const second = apply(bob, 'b', '-lock-timeout=120s');
    let secondOut = '';
    second.child.stdout!.on('data', (d) => (secondOut += d));
    await waitFor('bob\'s apply to ask for the lock', () => secondOut.includes('Acquiring state lock'), 60_000);
    fs.writeFileSync(go, '');
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.output).toContain('Apply complete! Resources: 1 added');
    expect(b.output).toContain('Apply complete! Resources: 1 added');

    const state = await db.query(`SELECT data FROM ${stateSchema('campaigns')}.states WHERE name = 'default'`);
    const resources = JSON.parse(state.rows[0].data).resources.map((r: any) => `${r.type}.${r.name}`);
    expect(resources.sort()).toEqual(['terraform_data.a', 'terraform_data.b']);
    expect(state.rows[0].data).not.toContain(password);
  } finally {
    fs.writeFileSync(go, ''); // a failed assertion must not leave alice's apply waiting
    await first.done;
    await db.end();
  }
  // Either working copy now sees both changes: nothing left to do.
  expect(bob.plan().code).toBe(0);
});
