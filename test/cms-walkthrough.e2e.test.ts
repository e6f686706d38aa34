/**
 * Issue 9's newcomer walk-through, as the README tells it: `npm run start:apps` runs the example
 * with the CMS as a real Directus on its database. In a real browser the editor finds a campaign's
 * name (copied from the CRM) read-only with the note naming the CRM and how to correct it; Directus
 * refuses the editor's change, and the guard under Directus refuses even Directus's admin; a rename
 * in the CRM reaches Directus; a second start plans no changes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { RunningDirectus } from '../embedded/directus';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { findInstall } from '../tooling/directus-install';
import { launchBrowser, saveScreenshot } from '../tooling/browser';
import { openAsEditor } from './support/data-studio';
import { waitFor } from './support/wait';

const PROJECT = path.join(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-apps-home-'));
fs.chmodSync(home, 0o755);
const env = { ...process.env, AUTHORITY_HOME: home, CHECKPOINT_DISABLE: '1' };
const tool = (script: string, command: string) => {
  const r = spawnSync(process.execPath, [path.join(PROJECT, 'dist', 'tooling', script), command], { cwd: PROJECT, env, encoding: 'utf8', timeout: 420_000 });
  // eslint-disable-next-line no-control-regex
  return { code: r.status, output: (r.stdout + r.stderr).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
};
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const embedded = path.join(home, 'embedded');

let started: { code: number | null; output: string };
let directus: RunningDirectus;
let crm: Client;

beforeAll(async () => {
  if (process.env.AUTHORITY_APPS_UNAVAILABLE) throw new Error(`Directus is not installed: ${process.env.AUTHORITY_APPS_UNAVAILABLE}`);
  // npm run start:apps: Directus on the CMS's database, then npm start.
  const apps = tool('directus.js', 'up');
  expect(apps.code).toBe(0);
  started = tool('embedded.js', 'up');
  const url = JSON.parse(fs.readFileSync(path.join(embedded, 'apps.json'), 'utf8')).cms.directus.url;
  const dir = path.join(embedded, 'directus');
  directus = {
    url, editor: { email: 'editor@example.com', passwordFile: path.join(dir, 'editor-password') },
    adminClient: () => new DirectusClient({ url, token: read(path.join(dir, 'admin-token')) }),
  } as unknown as RunningDirectus;
  const c = JSON.parse(fs.readFileSync(path.join(embedded, 'connections.json'), 'utf8')).crm;
  crm = new Client({ host: c.host, port: c.port, user: c.username, password: read(c.passwordFile), database: 'crm' });
  await crm.connect();
}, 900_000);

afterAll(async () => {
  await crm?.end();
  tool('embedded.js', 'down');
  fs.rmSync(home, { recursive: true, force: true });
});

test('npm run start:apps applies the example with the CMS as Directus and says where to log in', () => {
  expect(started.output).toMatch(/campaigns +\d+ added, 0 changed, 0 destroyed\./);
  expect(started.output).toContain('authority_field_protection.campaign-naming_cms-campaigns');
  expect(started.output).toContain('authority_field_protection.campaign-naming_cms-db-campaigns');
  expect(started.output).toMatch(/The CMS is Directus: http:\/\/127\.0\.0\.1:\d+\/admin\/content\/campaigns/);
  expect(started.code).toBe(0);
});

test('in a real browser the editor finds the campaign name read-only, its note naming the CRM and how to correct it', async () => {
  const browser = await launchBrowser(findInstall()!);
  try {
    const page = await openAsEditor(browser, directus, 'campaigns/2');
    await page.waitForFunction(`Array.from(document.querySelectorAll('.field')).some((f) =>
      f.querySelector('.field-name')?.textContent.trim() === 'Name' &&
      Array.from(f.querySelectorAll('textarea, input')).some((i) => i.disabled && i.value.length > 0) &&
      /owned by the CRM/.test(f.textContent) && /Correct it in the CRM: open the campaign and edit its name/.test(f.textContent))`, { timeout: 60000 });
    const shot = await saveScreenshot(page, 'walkthrough-cms-campaign-name');
    expect(fs.statSync(shot).size).toBeGreaterThan(10000);
  } finally {
    await browser.close();
  }
});

test('Directus refuses the editor\'s change, and the guard under Directus refuses even its admin', async () => {
  const admin = directus.adminClient();
  const login = await fetch(`${directus.url}/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'editor@example.com', password: read(directus.editor.passwordFile) }),
  }).then((r) => r.json() as Promise<{ data: { access_token: string } }>);
  const editor = new DirectusClient({ url: directus.url, token: login.data.access_token });
  const before = await admin.get<{ name: string }>('/items/campaigns/1');
  const editorTry = await editor.patch('/items/campaigns/1', { name: 'Edited in the CMS' }).then(() => 'accepted', (e: DirectusError) => e.status);
  expect(editorTry).toBe(403);
  const adminTry = await admin.patch('/items/campaigns/1', { name: 'Edited by an admin' }).then(() => 'accepted', (e: DirectusError) => e.message);
  expect(adminTry).toMatch(/read-only copy/);
  expect(await admin.get<{ name: string }>('/items/campaigns/1')).toEqual(before);
});

test('a campaign renamed in the CRM appears in Directus, and a second start plans no changes', async () => {
  await crm.query("UPDATE campaigns SET name = 'Spring launch (EMEA)' WHERE id = 1");
  const admin = directus.adminClient();
  await waitFor('the CRM\'s rename in Directus', async () => (await admin.get<{ name: string }>('/items/campaigns/1')).name === 'Spring launch (EMEA)', 60_000);
  const again = tool('embedded.js', 'up');
  for (const domain of ['accounts', 'billing', 'campaigns', 'content', 'operations', 'support']) {
    expect(again.output).toMatch(new RegExp(`${domain} +no changes`));
  }
  expect(again.code).toBe(0);
});

test('start:apps on an example already started without Directus says to start over', () => {
  fs.renameSync(path.join(embedded, 'apps.json'), path.join(embedded, 'apps.json.saved'));
  try {
    const r = tool('directus.js', 'up');
    expect(r.output).toContain('already runs without Directus');
    expect(r.code).toBe(1);
  } finally {
    fs.renameSync(path.join(embedded, 'apps.json.saved'), path.join(embedded, 'apps.json'));
  }
});
