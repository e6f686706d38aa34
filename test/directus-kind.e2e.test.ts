/**
 * Directus as a platform kind, end to end: one policy -> constructs -> Terraform JSON -> real
 * terraform -> the real provider -> a real Directus 11.3.5 on a real PostgreSQL server. The same
 * Domain protects campaigns.name in Directus (its permissions and field note) and in the table
 * under it (the PostgreSQL guard on the CMS database), so a Directus admin, whom Directus's
 * permissions do not hold, is still refused by the database.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { Construct } from 'constructs';
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../constructs/src';
import { LocalPostgres, freePort } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { RunningDirectus, startDirectus } from '../embedded/directus';
import { EDITOR_POLICY } from '../embedded/directus-setup';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';

const TOKEN_ENV = 'AUTHORITY_TEST_CMS_TOKEN';
/** A canary: a real admin token of Directus, searched for wherever terraform writes. */
const TOKEN = `canary-directus-token-${process.pid}-${Date.now()}`;
const SYNC_POLICY = 'Authority sync';
const HINT = 'open the campaign and edit its name';

/** campaign.name is owned by the CRM; the CMS shows it in Directus, on its own PostgreSQL database. */
class CmsCampaigns extends Domain {
  constructor(scope: Construct, id: string, p: { crm: Platform; cms: Platform; cmsdb: Platform }) {
    super(scope, id, { governedBy: 'Marketing operations', description: 'Campaign names, shown by the CMS.' });
    const campaign = new Concept(this, 'Campaign', { description: 'A marketing campaign.' });
    campaign.addField('name', p.crm.at('campaigns.name'), p.cms.at('campaigns.name'), p.cmsdb.at('campaigns.name'));
    new AuthorityPolicy(this, 'campaign-naming', {
      concept: campaign,
      fields: ['name'],
      authority: p.crm,
      origin: p.crm,
      governedBy: 'Marketing operations',
      copies: [Copy.readOnly(p.cms), Copy.readOnly(p.cmsdb)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.AUTHORITY_WINS,
      correction: CorrectionPath.at(p.crm, { how: HINT }),
    });
  }
}

let dir: string;
let crm: LocalPostgres | undefined;
let cms: LocalPostgres | undefined;
let directus: RunningDirectus | undefined;
let admin: DirectusClient;
let editor: DirectusClient;
let cmsdb: Client;
let stack: SynthesizedStack;
let tf: Terraform;
let before: unknown;
let applied: string;

const read = (file: string) => fs.readFileSync(file, 'utf8').trim();

/** What people and the Data Studio see of campaigns: its permissions and its fields. */
async function snapshot(): Promise<unknown> {
  const permissions = await admin.get<{ id: number }[]>('/permissions', { 'filter[collection][_eq]': 'campaigns', limit: -1, sort: 'id' });
  const fields = await admin.get<{ field: string }[]>('/fields/campaigns');
  return { permissions, fields: [...fields].sort((a, b) => a.field.localeCompare(b.field)) };
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string } | 'accepted'> {
  return p.then(() => 'accepted' as const, (e: DirectusError) => ({ status: e.status, message: e.message }));
}

const renameAs = (client: DirectusClient, name: string) => client.patch('/items/campaigns/2', { name });

async function nameInDatabase(): Promise<string> {
  return (await cmsdb.query('SELECT name FROM campaigns WHERE id = 2')).rows[0].name;
}

function resources(): { address: string; type: string; values: Record<string, unknown> }[] {
  return JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources;
}

/** The protection of the Directus collection (the cms platform). */
const directusProtection = () => resources().find((r) => r.type === 'authority_field_protection' && r.values.platform === 'cms')!;

beforeAll(async () => {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`Directus is not installed (the test global setup failed to install it):\n${unavailable}`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-dxkind-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL servers run as the postgres user when tests run as root
  [crm, cms] = await Promise.all(['crm', 'cms'].map(async (name) => {
    const server = await LocalPostgres.start({ dir: path.join(dir, name) });
    await prepareExamplePlatform(name, server.clientConfig());
    return server;
  }));
  directus = await startDirectus({ dir: path.join(dir, 'directus'), postgres: cms.clientConfig(), database: 'cms', collections: ['campaigns', 'content'], say: () => undefined });
  admin = directus.adminClient();
  editor = await DirectusClient.login(directus.url, directus.editor.email, read(directus.editor.passwordFile));
  // The provider's own Directus user: an admin whose static token is the canary.
  const adminPolicy = (await admin.get<{ id: string }[]>('/policies', { 'filter[admin_access][_eq]': true, fields: 'id' }))[0].id;
  const providerRole = await admin.post<{ id: string }>('/roles', { name: 'Authority provider', policies: [{ policy: adminPolicy }] });
  await admin.post('/users', { email: 'provider@example.com', role: providerRole.id, status: 'active', token: TOKEN });
  // The sync's policy: the only one that keeps update of the protected field.
  const syncPolicy = await admin.post<{ id: string }>('/policies', { name: SYNC_POLICY, admin_access: false, app_access: false });
  await admin.post('/roles', { name: 'Sync', policies: [{ policy: syncPolicy.id }] });
  // A note the CMS team gave the field: destroy must give it back. (A field with no meta row at
  // all keeps one with Directus's defaults after destroy: the REST API cannot delete it.)
  await admin.patch('/fields/campaigns/name', { meta: { note: 'The campaign as visitors see it' } });
  cmsdb = new Client(cms.clientConfig('cms'));
  await cmsdb.connect();
  before = await snapshot();

  stack = synthDomain((app: App) => new CmsCampaigns(app, 'cms-campaigns', {
    crm: new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM', connection: PlatformConnection.postgresql({ ...crm!.connection, database: 'crm' }) }),
    cms: new Platform({
      name: 'cms', kind: PlatformKind.CMS, title: 'the CMS', syncPrincipal: SYNC_POLICY,
      connection: PlatformConnection.directus({ url: directus!.url, tokenEnv: TOKEN_ENV, editorPolicies: [EDITOR_POLICY] }),
    }),
    cmsdb: new Platform({ name: 'cmsdb', kind: PlatformKind.CMS, title: 'the CMS database', connection: PlatformConnection.postgresql({ ...cms!.connection, database: 'cms' }) }),
  }));
  tf = new Terraform(stack.dir, { [TOKEN_ENV]: TOKEN });
  tf.init();
  applied = tf.apply().output;
}, 400000);

afterAll(async () => {
  await cmsdb?.end();
  await directus?.stop();
  await Promise.all([crm?.stop(true), cms?.stop(true)]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('after apply Directus refuses the editor\'s change of the name, and the field note gives the correction path', async () => {
  expect(await refusal(renameAs(editor, 'Renamed in the CMS'))).toMatchObject({ status: 403, message: expect.stringContaining('name') });
  expect(await nameInDatabase()).toBe('Partner webinar');
  const field = await admin.get<{ meta: { note: string; readonly: boolean } }>('/fields/campaigns/name');
  expect(field.meta).toMatchObject({ readonly: true, note: expect.stringMatching(/^Read-only here: only the sync writes it\. campaign\.name is owned by .*\(crm\)/) });
  expect(field.meta.note).toContain(HINT);
});

test('a Directus admin, whom Directus permissions do not hold, is refused by the PostgreSQL guard under it', async () => {
  const answer = await refusal(renameAs(admin, 'Renamed by an admin'));
  expect(answer).toMatchObject({ message: expect.stringContaining('owned by the CRM (crm)') });
  expect(await nameInDatabase()).toBe('Partner webinar');
});

test('the plan said that Directus admins bypass Directus permissions, and a second plan is empty', () => {
  const said = applied.replace(/\s+/g, ' ');
  expect(said).toContain('Directus admins are not stopped by Directus');
  expect(said).toContain('the PostgreSQL guard under Directus still stops them');
  const plan = tf.plan();
  expect(plan.output).toContain('No changes');
  expect(plan.code).toBe(0);
});

test('a permission given back by hand in Directus shows as enforced = false -> true, and apply repairs it', async () => {
  const editors = (await admin.get<{ id: string }[]>('/policies', { 'filter[name][_eq]': EDITOR_POLICY, fields: 'id' }))[0].id;
  const update = (await admin.get<{ id: number }[]>('/permissions', {
    'filter[collection][_eq]': 'campaigns', 'filter[policy][_eq]': editors, 'filter[action][_eq]': 'update', fields: 'id',
  }))[0];
  await admin.patch(`/permissions/${update.id}`, { fields: ['*'] });
  expect(await refusal(renameAs(editor, 'Partner webinar'))).toBe('accepted');
  const plan = tf.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
  expect(plan.output).toContain('Warning: campaign.name: the protection on cms public.campaigns was disabled or altered by hand');
  tf.apply();
  expect(await refusal(renameAs(editor, 'again'))).toMatchObject({ status: 403 });
  expect(tf.plan().code).toBe(0);
});

test('import by id of the Directus protection gives a clean plan', () => {
  const { address, values } = directusProtection();
  expect(values.guard).toContain('Directus permissions');
  tf.ok('state', 'rm', address);
  expect(tf.plan().code).toBe(2);
  tf.ok('import', '-input=false', '-no-color', address, values.id as string);
  const plan = tf.plan();
  expect(plan.output).toContain('No changes');
  expect(plan.code).toBe(0);
});

test('a sync route declared to the Directus platform is refused in plan, naming both kinds', () => {
  const original = JSON.stringify(stack.json);
  try {
    rewriteStack(stack, (json) => {
      json.resource.authority_sync_route = { ...json.resource.authority_sync_route, 'to-directus': { authority: 'crm', copy: 'cms', table: 'campaigns', columns: ['name'] } };
    });
    const plan = tf.plan();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain('No sync route can carry values from "crm" (postgresql) to "cms" (directus)');
  } finally {
    rewriteStack(stack, (json) => Object.assign(json, JSON.parse(original)));
  }
});

test('an unreachable Directus url gives a diagnostic naming the platform', async () => {
  const original = JSON.stringify(stack.json);
  const closed = await freePort();
  try {
    rewriteStack(stack, (json) => {
      for (const p of json.provider.authority[0].platform) if (p.directus) p.directus[0].url = `http://127.0.0.1:${closed}`;
    });
    const plan = tf.plan();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain('Platform "cms" is unreachable');
    expect(plan.output).toContain(`http://127.0.0.1:${closed}`);
    expect(plan.output).not.toContain('    at '); // no stack trace
  } finally {
    rewriteStack(stack, (json) => Object.assign(json, JSON.parse(original)));
  }
});

test('the token never lands in plan output, a saved plan, the state or trace logs', () => {
  const traced = new Terraform(stack.dir, { [TOKEN_ENV]: TOKEN, TF_LOG: 'trace' });
  const plan = traced.run('plan', '-input=false', '-no-color', '-out=saved.tfplan');
  expect(plan.code).toBe(0);
  const saved = tf.ok('show', '-json', 'saved.tfplan');
  expect(plan.stderr).toContain('terraform-provider-authority'); // the trace log did capture the provider
  expect(saved.stdout).toContain(TOKEN_ENV);
  expect(plan.output + saved.stdout + tf.stateText()).not.toContain(TOKEN);
});

test('destroy gives Directus its permissions and field meta back exactly, and lifts the guard', async () => {
  expect(await snapshot()).not.toEqual(before);
  tf.destroy();
  expect(await snapshot()).toEqual(before);
  expect(await renameAs(editor, 'Free again')).toMatchObject({ name: 'Free again' });
  expect(await renameAs(admin, 'Free for admins too')).toMatchObject({ name: 'Free for admins too' });
});
