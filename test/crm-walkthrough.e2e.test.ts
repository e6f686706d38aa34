/**
 * Issue 13's walk-through, as the README tells it: `npm run start:apps` runs Directus on the CMS's
 * database and Tryton (Debian's trytond) on a database of the CRM's server, then the example with
 * both. A party's name is Tryton's own: renamed there by a person, it reaches the ops tool's
 * customers.display_name and the CMS's accounts.display_name (a Directus collection) across
 * differing names (each mapped by its crm_party_id), and a party made in Tryton gets a row in
 * both. An editor finds the name read-only in Directus's Data Studio with the note naming Tryton
 * and how to correct it, and Directus refuses the editor's write; SQL on either copy is refused by
 * the guard, naming Tryton. A salesperson in Tryton finds a campaign's category name (a copy of
 * the CRM's campaign name) read-only: Tryton refuses the write with its own message, and
 * fields_get reports the field read-only with the help naming the CRM and how to correct it; SQL
 * under Tryton is refused by the guard. A campaign renamed in the CRM reaches Tryton. A second
 * start plans no changes; npm run stop stops Directus and Tryton.
 *
 * test/cms-walkthrough.e2e.test.ts walks the campaigns in Directus without Tryton.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { Client } from 'pg';
import { RunningDirectus } from '../embedded/directus';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { TrytonClient, TrytonError } from '../provider/platforms/tryton/client';
import { findInstall } from '../tooling/directus-install';
import { launchBrowser, saveScreenshot } from '../tooling/browser';
import { openAsEditor } from './support/data-studio';
import { waitFor } from './support/wait';

const PROJECT = path.join(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-crm-home-'));
fs.chmodSync(home, 0o755); // the PostgreSQL servers run as another user when tests run as root
const env = { ...process.env, AUTHORITY_HOME: home, CHECKPOINT_DISABLE: '1' };
const tool = (script: string, command: string) => {
  const r = spawnSync(process.execPath, [path.join(PROJECT, 'dist', 'tooling', script), command], { cwd: PROJECT, env, encoding: 'utf8', timeout: 600_000 });
  // eslint-disable-next-line no-control-regex
  return { code: r.status, output: (r.stdout + r.stderr).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
};
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const embedded = path.join(home, 'embedded');
const DOMAINS = ['accounts', 'billing', 'campaigns', 'content', 'customers', 'operations', 'support'];

let directusUp: { code: number | null; output: string };
let trytonUp: { code: number | null; output: string };
let started: { code: number | null; output: string };
let url: string;
let person: TrytonClient;
let directus: RunningDirectus;
let crm: Client;
let ops: Client;
let cms: Client;
let trytonDb: Client;

/** The example's editor in Directus, through its REST API (what the Data Studio reads and writes). */
function asEditor(): Promise<DirectusClient> {
  return DirectusClient.login(directus.url, directus.editor.email, read(directus.editor.passwordFile));
}

/** Tries an edit as the example's operator role (a person, not the sync), rolled back; returns the refusal. */
async function operatorEdit(db: Client, sql: string): Promise<string> {
  await db.query('BEGIN');
  try {
    await db.query('SET LOCAL ROLE operator');
    await db.query(sql);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  } finally {
    await db.query('ROLLBACK');
  }
}

/** A client of one platform's database, as its server's superuser. */
async function database(platform: string, name = platform): Promise<Client> {
  const c = JSON.parse(fs.readFileSync(path.join(embedded, 'connections.json'), 'utf8'))[platform];
  const client = new Client({ host: c.host, port: c.port, user: c.username, password: read(c.passwordFile), database: name });
  await client.connect();
  return client;
}

beforeAll(async () => {
  // npm run build:apps builds this; the suite's global setup builds the rest.
  buildSync({
    entryPoints: [path.join(PROJECT, 'tooling', 'tryton-cli.ts')], outfile: path.join(PROJECT, 'dist', 'tooling', 'tryton.js'),
    bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  if (process.env.AUTHORITY_APPS_UNAVAILABLE) throw new Error(`Directus is not installed: ${process.env.AUTHORITY_APPS_UNAVAILABLE}`);
  // npm run start:apps: Directus on the CMS's database, Tryton on the CRM's server, then npm start.
  directusUp = tool('directus.js', 'up');
  if (directusUp.code !== 0) throw new Error(`directus.js up failed:\n${directusUp.output}`);
  trytonUp = tool('tryton.js', 'up');
  if (trytonUp.code !== 0) throw new Error(`tryton.js up failed:\n${trytonUp.output}`);
  started = tool('embedded.js', 'up');
  const apps = JSON.parse(fs.readFileSync(path.join(embedded, 'apps.json'), 'utf8'));
  const app = apps.tryton.tryton;
  url = app.url;
  person = new TrytonClient({ url, database: app.database, login: 'sales', password: read(path.join(embedded, 'tryton', 'sales-password')) });
  const cmsUrl = apps.cms.directus.url;
  const dir = path.join(embedded, 'directus');
  directus = {
    url: cmsUrl, editor: { email: 'editor@example.com', passwordFile: path.join(dir, 'editor-password') },
    adminClient: () => new DirectusClient({ url: cmsUrl, token: read(path.join(dir, 'admin-token')) }),
  } as unknown as RunningDirectus;
  crm = await database('crm');
  ops = await database('ops');
  cms = await database('cms');
  trytonDb = await database('crm', app.storage.database);
}, 1_200_000);

afterAll(async () => {
  await Promise.all([crm, ops, cms, trytonDb].map((c) => c?.end().catch(() => undefined)));
  tool('embedded.js', 'down');
  fs.rmSync(home, { recursive: true, force: true });
});

test('start:apps runs Directus and Tryton, says where to log in, and applies the example with Tryton as the CRM of parties', () => {
  expect(directusUp.output).toMatch(/Directus .* runs at http:\/\/127\.0\.0\.1:\d+/);
  expect(trytonUp.output).toMatch(/Tryton .* runs at http:\/\/127\.0\.0\.1:\d+/);
  expect(trytonUp.output).toContain('person       sales, password in');
  // Tryton's name recorded, its table guarded under Tryton; copies in the ops tool, in Directus
  // and in the table under Directus; a route into each copy's database.
  expect(started.output).toMatch(/customers +10 added, 0 changed, 0 destroyed\./);
  expect(started.output).toContain('authority_field_protection.customer-naming_cms-accounts');
  expect(started.output).toContain('authority_field_protection.customer-naming_cms-db-accounts');
  expect(started.output).toMatch(/cms +accounts\.display_name +owned by tryton/);
  expect(started.output).toMatch(/cms +receives [^\n]*party_party[^\n]* from tryton-db/);
  expect(started.output).toMatch(/Open an account \(http:\/\/127\.0\.0\.1:\d+\/admin\/content\/accounts\)/);
  expect(started.output).toContain('authority_field_protection.campaign-naming_tryton-partycategory');
  expect(started.output).toContain('authority_field_protection.campaign-naming_tryton-db-party_category');
  expect(started.output).toMatch(/ops +customers\.display_name +owned by tryton/);
  expect(started.output).toMatch(/ops +receives party_party from tryton-db/);
  expect(started.output).toContain('The CRM\'s parties are in Tryton (platform tryton)');
  expect(started.code).toBe(0);
  // No password in what the person reads.
  const output = directusUp.output + trytonUp.output + started.output;
  for (const secret of [path.join(embedded, 'tryton', 'sales-password'), path.join(embedded, 'directus', 'editor-password')]) {
    expect(output).not.toContain(read(secret));
  }
});

test('in Tryton the salesperson cannot rename a campaign\'s category: Tryton refuses, and shows it read-only with the CRM and how to correct it', async () => {
  const [before] = await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name']);
  const refused = await person.model('party.category', 'write', [[2], { name: 'Renamed in Tryton' }]).then(() => undefined, (e: unknown) => e);
  expect(refused).toBeInstanceOf(TrytonError);
  expect((refused as TrytonError).message).toContain('You are not allowed to access "Category.Name".');
  const seen = await person.model<Record<string, { readonly: boolean; help: string }>>('party.category', 'fields_get', [['name']]);
  expect(seen.name.readonly).toBe(true);
  expect(seen.name.help).toContain('The main identifier of the category.'); // Tryton's own help stays
  expect(seen.name.help).toContain('campaign.name is owned by the CRM (crm). Correct it in the CRM: open the campaign and edit its name.');
  // Under Tryton, its database refuses a direct edit too, naming the owner.
  const sql = await trytonDb.query("UPDATE party_category SET name = 'Renamed in SQL' WHERE id = 2").then(() => 'accepted', (e: Error) => e.message);
  expect(sql).toMatch(/read-only copy.*owned by the CRM \(crm\)/);
  expect(await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name'])).toEqual([before]);
});

test('a party renamed in Tryton by a person reaches the ops tool\'s customers.display_name and Directus\'s accounts.display_name', async () => {
  const [acme] = await person.searchRead<{ id: number }>('party.party', [['name', '=', 'Acme']], ['id']);
  await person.model('party.party', 'write', [[acme.id], { name: 'Acme Corporation' }]);
  const editor = await asEditor();
  const inOps = async () => (await ops.query('SELECT display_name FROM customers WHERE crm_party_id = $1', [acme.id])).rows[0]?.display_name;
  const inDirectus = async () =>
    (await editor.get<{ display_name: string }[]>('/items/accounts', { 'filter[crm_party_id][_eq]': String(acme.id), fields: 'display_name' }))[0]?.display_name;
  await waitFor('Tryton\'s rename in ops.customers.display_name and in Directus\'s accounts.display_name',
    async () => (await inOps()) === 'Acme Corporation' && (await inDirectus()) === 'Acme Corporation', 60_000);
});

test('a party made in Tryton gets a row in the ops tool and in Directus, keyed by its id', async () => {
  const [made] = await person.model<number[]>('party.party', 'create', [[{ name: 'Initech' }]]);
  const editor = await asEditor();
  await waitFor('the new party in both copies', async () =>
    (await ops.query('SELECT 1 FROM customers WHERE crm_party_id = $1 AND display_name = $2', [made, 'Initech'])).rowCount === 1 &&
    (await editor.get<unknown[]>('/items/accounts', { 'filter[crm_party_id][_eq]': String(made), 'filter[display_name][_eq]': 'Initech' })).length === 1,
  60_000);
});

test('in Directus the editor finds an account\'s name read-only, its note naming Tryton and how to correct it, and Directus refuses a change', async () => {
  const editor = await asEditor();
  const field = await editor.get<{ meta: { readonly: boolean; note: string } }>('/fields/accounts/display_name');
  expect(field.meta.readonly).toBe(true);
  expect(field.meta.note).toMatch(/owned by the CRM \(Tryton\) \(tryton\)/);
  expect(field.meta.note).toContain('open the party and edit its name');
  const [account] = await editor.get<{ id: number; display_name: string }[]>('/items/accounts', { 'filter[display_name][_eq]': 'Acme Corporation' });
  const refused = await editor.patch(`/items/accounts/${account.id}`, { display_name: 'Edited in the CMS' }).then(() => 'accepted', (e: DirectusError) => e.status);
  expect(refused).toBe(403);
  expect(await editor.get<{ display_name: string }>(`/items/accounts/${account.id}`, { fields: 'display_name' })).toEqual({ display_name: 'Acme Corporation' });
  // Nor may the editor re-point the account at another party (protectKeys).
  const repointed = await editor.patch(`/items/accounts/${account.id}`, { crm_party_id: 999999 }).then(() => 'accepted', (e: DirectusError) => e.status);
  expect(repointed).toBe(403);
  expect((await editor.get<{ meta: { note: string } }>('/fields/accounts/crm_party_id')).meta.note).toContain('says which record of the CRM (Tryton)');
  // What the editor sees in the Data Studio, in a real browser.
  const browser = await launchBrowser(findInstall()!);
  try {
    const page = await openAsEditor(browser, directus, `accounts/${account.id}`);
    await page.waitForFunction(`Array.from(document.querySelectorAll('.field')).some((f) =>
      f.querySelector('.field-name')?.textContent.trim() === 'Display Name' &&
      Array.from(f.querySelectorAll('textarea, input')).some((i) => i.disabled && i.value === 'Acme Corporation') &&
      /owned by the CRM \\(Tryton\\)/.test(f.textContent) && /open the party and edit its name/.test(f.textContent))`, { timeout: 60000 });
    await saveScreenshot(page, 'walkthrough-cms-account-name');
  } finally {
    await browser.close();
  }
});

test('SQL by a person on either copy of a party\'s name is refused by the guard, naming Tryton', async () => {
  const inOps = await operatorEdit(ops, "UPDATE customers SET display_name = 'Edited in ops'");
  expect(inOps).toMatch(/read-only copy.*owned by the CRM \(Tryton\) \(tryton\)/);
  const inCms = await operatorEdit(cms, "UPDATE accounts SET display_name = 'Edited under Directus'");
  expect(inCms).toMatch(/read-only copy.*owned by the CRM \(Tryton\) \(tryton\)/);
  // The key that says which party a row copies is the sync's too.
  const repointed = await operatorEdit(ops, 'UPDATE customers SET crm_party_id = crm_party_id + 1000');
  expect(repointed).toMatch(/customers\.crm_party_id is a read-only copy here.*says which record of the CRM \(Tryton\)/);
});

test('a campaign renamed in the CRM reaches its category in Tryton', async () => {
  await crm.query("UPDATE campaigns SET name = 'Partner webinar (EMEA)' WHERE id = 2");
  await waitFor('the CRM\'s rename in Tryton', async () =>
    (await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name']))[0]?.name === 'Partner webinar (EMEA)', 60_000);
});

test('a second start plans no changes', () => {
  const again = tool('embedded.js', 'up');
  for (const domain of DOMAINS) expect(again.output).toMatch(new RegExp(`${domain} +no changes`));
  expect(again.code).toBe(0);
});

test('npm run stop stops Directus and Tryton with the servers', async () => {
  await Promise.all([crm.end(), ops.end(), cms.end(), trytonDb.end()]);
  const stopped = tool('embedded.js', 'down');
  expect(stopped.output).toMatch(/Stopped Directus, Tryton and \d+ local PostgreSQL server/);
  const answers = await fetch(`${url}/`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(3000) }).then(() => true, () => false);
  expect(answers).toBe(false);
  const cmsAnswers = await fetch(`${directus.url}/server/ping`, { signal: AbortSignal.timeout(3000) }).then(() => true, () => false);
  expect(cmsAnswers).toBe(false);
});
