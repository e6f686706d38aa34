/**
 * A local override on a CMS that is Directus over its own PostgreSQL database: Directus has no
 * override mechanism, so the database under it holds the override (Copy.overrideInStorage). An
 * editor edits in Directus as usual; the database records the override, keeps it from the sync,
 * and once it expires refuses the next one, which Directus passes on to the editor with the
 * correction path; dropping the override from the policy reverts the value, seen in Directus.
 * Real terraform, the real provider, a real Directus 11.3.5, two real PostgreSQL servers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../constructs/src';
import { LocalPostgres } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { RunningDirectus, startDirectus } from '../embedded/directus';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { eventually, waitFor } from './support/wait';

const TOKEN_ENV = 'AUTHORITY_TEST_CMS_OVERRIDE_TOKEN';
const REASON = 'Editors shorten names for the home page';
const HINT = 'open the campaign and edit its name';

let dir: string;
let crm: LocalPostgres | undefined;
let cms: LocalPostgres | undefined;
let directus: RunningDirectus | undefined;
let editor: DirectusClient;
let crmdb: Client;
let cmsdb: Client;
let stack: SynthesizedStack;
let tf: Terraform;

const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const nameInDirectus = async () => (await editor.get<{ name: string }>('/items/campaigns/2', { fields: 'name' })).name;
const log = async () => (await cmsdb.query(
  'SELECT new_value::text, authority_value::text, reason, ended_how FROM authority_records.overrides ORDER BY id')).rows;
const cmsProtection = (json: any) => Object.values<any>(json.resource.authority_field_protection).find((p) => p.platform === 'cms-db');

beforeAll(async () => {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`Directus is not installed (the test global setup failed to install it):\n${unavailable}`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-dxover-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL servers run as the postgres user when tests run as root
  [crm, cms] = await Promise.all(['crm', 'cms'].map(async (name) => {
    const server = await LocalPostgres.start({ dir: path.join(dir, name) });
    await prepareExamplePlatform(name, server.clientConfig());
    return server;
  }));
  directus = await startDirectus({ dir: path.join(dir, 'directus'), postgres: cms.clientConfig(), database: 'cms', collections: ['campaigns'], say: () => undefined });
  editor = await DirectusClient.login(directus.url, directus.editor.email, read(directus.editor.passwordFile));
  crmdb = new Client(crm.clientConfig('crm'));
  cmsdb = new Client(cms.clientConfig('cms'));
  await Promise.all([crmdb.connect(), cmsdb.connect()]);

  stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'cms-names', { governedBy: 'Marketing operations' });
    const crmPlatform = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM', connection: PlatformConnection.postgresql({ ...crm!.connection, database: 'crm' }) });
    const cmsPlatform = new Platform({
      name: 'cms', kind: PlatformKind.CMS, title: 'the CMS',
      connection: PlatformConnection.directus({ url: directus!.url, tokenEnv: TOKEN_ENV, storage: { ...cms!.connection, database: 'cms' } }),
    });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', crmPlatform.at('campaigns.name'), cmsPlatform.at('campaigns.name'));
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, fields: ['name'], authority: crmPlatform, origin: crmPlatform,
      copies: [Copy.localOverride(cmsPlatform, { reason: REASON, expires: '2099-12-31' })],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.AUTHORITY_WINS,
      correction: CorrectionPath.at(crmPlatform, { how: HINT }),
    });
    return domain;
  });
  tf = new Terraform(stack.dir, { [TOKEN_ENV]: read(directus.adminTokenFile) });
  tf.init();
  tf.apply();
}, 400000);

afterAll(async () => {
  if (tf) tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  await Promise.all([crmdb?.end(), cmsdb?.end()]);
  await directus?.stop();
  await Promise.all([crm?.stop(true), cms?.stop(true)]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the editor overrides in Directus; the database under it records the override and keeps it from the sync', async () => {
  const state = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources
    .filter((r: any) => r.type === 'authority_field_protection').map((r: any) => [r.values.platform, r.values.strength, r.values.override_reason]);
  expect(state).toEqual(expect.arrayContaining([['cms-db', 'enforced', REASON]]));
  expect(state.map((s: string[]) => s[0])).not.toContain('cms'); // Directus's own permissions are left as they are
  await editor.patch('/items/campaigns/2', { name: 'Short name' });
  expect(await log()).toEqual([{ new_value: '"Short name"', authority_value: expect.any(String), reason: REASON, ended_how: null }]);
  await crmdb.query("UPDATE campaigns SET name = 'Renamed in the CRM' WHERE id = 2");
  await eventually(log, (rows) => rows[0]?.authority_value === '"Renamed in the CRM"');
  expect(await nameInDirectus()).toBe('Short name');
  const plan = tf.plan();
  expect(plan.code).toBe(0);
  expect(plan.output.replace(/\s+/g, ' ')).toContain('1 value overridden locally on cms-db public.campaigns');
});

test('once the override has expired, the next one is refused: Directus passes the database\'s refusal on (with the correction path to admins)', async () => {
  const expiry = new Date(Date.now() + 20_000).toISOString();
  rewriteStack(stack, (json) => { cmsProtection(json).override_expires = expiry; });
  tf.apply();
  await waitFor('the override to expire on the database\'s clock', async () =>
    (await cmsdb.query('SELECT statement_timestamp() > $1::timestamptz AS past', [expiry])).rows[0].past, 60_000, 500);
  const before = (await cmsdb.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name;
  // Directus shows a database's error to admins only; an editor reads "An unexpected error occurred".
  expect(await editor.patch('/items/campaigns/1', { name: 'Too late' }).then(() => 'accepted', (e: DirectusError) => e.status)).toBe(500);
  const admin = directus!.adminClient();
  const refused = await admin.patch('/items/campaigns/1', { name: 'Too late' }).then(() => 'accepted', (e: DirectusError) => e.message);
  expect(refused).toContain('the local override here expired at');
  expect(refused).toContain(HINT);
  expect((await cmsdb.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name).toBe(before);
});

test('dropping the override from the policy reverts the value, as Directus shows', async () => {
  rewriteStack(stack, (json) => {
    const p = cmsProtection(json);
    delete p.override_reason;
    delete p.override_expires;
  });
  tf.apply();
  expect(await nameInDirectus()).toBe('Renamed in the CRM');
  expect((await log()).every((r) => r.ended_how !== null)).toBe(true);
});
