/**
 * A real Directus 11.3.5 (installed once per machine by the global setup) on a real PostgreSQL
 * server holding the example CMS's tables: they are collections, an editor updates them through
 * the API and, in a real Chromium, sees a campaign in the Data Studio.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { RunningDirectus, startDirectus } from '../embedded/directus';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { findInstall } from '../tooling/directus-install';
import { openAsEditor } from './support/data-studio';
import { launchBrowser, saveScreenshot } from '../tooling/browser';
import { DIRECTUS_COLLECTIONS } from '../tooling/directus-platform';

/** The example's CMS tables, as start:apps shows them. */
const COLLECTIONS = DIRECTUS_COLLECTIONS;
let dir: string;
let cms: LocalPostgres | undefined;
let directus: RunningDirectus | undefined;

async function start(say: (l: string) => void = () => undefined): Promise<RunningDirectus> {
  return startDirectus({ dir: path.join(dir, 'directus'), postgres: cms!.clientConfig(), database: 'cms', collections: COLLECTIONS, say });
}

const read = (file: string) => fs.readFileSync(file, 'utf8').trim();

beforeAll(async () => {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`Directus or the browser is not installed (the test global setup failed to install it):\n${unavailable}`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-directus-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL server runs as the postgres user when tests run as root
  cms = await LocalPostgres.start({ dir: path.join(dir, 'cms') });
  await prepareExamplePlatform('cms', cms.clientConfig());
  directus = await start();
}, 170000);

afterAll(async () => {
  await directus?.stop();
  await cms?.stop(true);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the CMS tables are Directus collections with their fields', async () => {
  const admin = directus!.adminClient();
  const collections = await admin.get<{ collection: string; meta: unknown }[]>('/collections');
  for (const c of COLLECTIONS) expect(collections.find((x) => x.collection === c)?.meta).toBeTruthy();
  const fields = async (c: string) => (await admin.get<{ field: string }[]>(`/fields/${c}`)).map((f) => f.field).sort();
  expect(await fields('campaigns')).toEqual(['id', 'name']);
  // The names of Tryton's parties, under the CMS's own names (the customers domain, with start:apps).
  expect(await fields('accounts')).toEqual(['crm_party_id', 'display_name', 'id']);
});

test('the secrets are in 0600 files and never in the log', () => {
  const files = [directus!.adminTokenFile, directus!.admin.passwordFile, directus!.editor.passwordFile];
  for (const f of files) expect({ file: f, mode: (fs.statSync(f).mode & 0o777).toString(8) }).toEqual({ file: f, mode: '600' });
  const log = fs.existsSync(directus!.logFile) ? fs.readFileSync(directus!.logFile, 'utf8') : '';
  for (const f of files) expect(log.includes(read(f))).toBe(false);
});

test('the editor logs in and renames a campaign through the API; PostgreSQL holds the new name', async () => {
  const editor = await DirectusClient.login(directus!.url, directus!.editor.email, read(directus!.editor.passwordFile));
  const updated = await editor.patch<{ id: number; name: string }>('/items/campaigns/2', { name: 'Partner webinar (autumn)' });
  expect(updated).toMatchObject({ id: 2, name: 'Partner webinar (autumn)' });
  const db = new Client(cms!.clientConfig('cms'));
  await db.connect();
  try {
    expect((await db.query('SELECT name FROM campaigns WHERE id = 2')).rows).toEqual([{ name: 'Partner webinar (autumn)' }]);
  } finally {
    await db.end();
  }
});

test("the editor may not change the data model: the refusal names the request and Directus's answer, never the token", async () => {
  const editor = await DirectusClient.login(directus!.url, directus!.editor.email, read(directus!.editor.passwordFile));
  const refused = await editor.patch('/collections/campaigns', { meta: { note: 'changed by an editor' } }).catch((e: Error) => e);
  expect(refused).toBeInstanceOf(DirectusError);
  const e = refused as DirectusError;
  expect({ request: e.request, status: e.status, codes: e.codes }).toEqual({ request: 'PATCH /collections/campaigns', status: 403, codes: ['FORBIDDEN'] });
  expect(e.message).toMatch(/^Directus refused PATCH \/collections\/campaigns: 403 FORBIDDEN: You don't have permission/);
  const admin = directus!.adminClient();
  const adminRefused = (await admin.get('/items/no_such_table').catch((x: Error) => x)) as DirectusError;
  expect(adminRefused.status).toBe(403);
  expect(`${adminRefused.message} ${adminRefused.stack}`).not.toContain(read(directus!.adminTokenFile));
});

test('in a real browser the editor opens a campaign in the Data Studio and sees its name field', async () => {
  const browser = await launchBrowser(findInstall()!);
  try {
    const page = await openAsEditor(browser, directus!, 'campaigns/2');
    // The form's field labelled "Name" holds the campaign's name in an editable input.
    await page.waitForFunction(`Array.from(document.querySelectorAll('.field')).some((f) =>
      f.querySelector('.field-name')?.textContent.trim() === 'Name' &&
      Array.from(f.querySelectorAll('textarea, input')).some((i) => i.value === 'Partner webinar (autumn)' && !i.disabled))`, { timeout: 60000 });
    const shot = await saveScreenshot(page, 'directus-editor-campaign');
    expect(fs.statSync(shot).size).toBeGreaterThan(10000);
  } finally {
    await browser.close();
  }
});

test('a second start reuses the install and the bootstrap', async () => {
  const before = directus!.pid;
  await directus!.stop();
  const said: string[] = [];
  directus = await start((l) => said.push(l));
  expect(directus.pid).not.toBe(before);
  expect(said).toEqual([]); // neither "installing" nor "bootstrapping"
  expect(await fetch(`${directus.url}/server/ping`).then((r) => r.text())).toBe('pong');
});
