/**
 * The Directus protection against a real Directus 11.3.5 on a real PostgreSQL server: the editor
 * is refused a protected field by Directus itself, the sync principal is not; read-back sees each
 * hand edit and apply repairs it; remove restores permissions and field meta exactly; and in a
 * real Chromium the Data Studio shows the field read-only with the correction path beside it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalPostgres } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { RunningDirectus, startDirectus } from '../embedded/directus';
import { EDITOR_POLICY } from '../embedded/directus-setup';
import { DirectusClient, DirectusError } from '../provider/platforms/directus/client';
import { applyProtection, checkProtection, readProtection, removeProtection } from '../provider/platforms/directus/protection';
import { DirectusProtection, protectionNote } from '../provider/platforms/directus/protection-model';
import { findInstall } from '../tooling/directus-install';
import { lockId, withCollectionLock } from '../provider/platforms/directus/lock';
import { STORE } from '../provider/platforms/directus/protection-store';
import { openAsEditor } from './support/data-studio';
import { launchBrowser, saveScreenshot } from '../tooling/browser';

const SYNC_POLICY = 'Authority sync';
let dir: string;
let cms: LocalPostgres | undefined;
let directus: RunningDirectus | undefined;
let admin: DirectusClient;
let editor: DirectusClient;
let sync: DirectusClient;
let editorsPolicy: string;

const read = (file: string) => fs.readFileSync(file, 'utf8').trim();

const CAMPAIGN_NAME: DirectusProtection = {
  collection: 'campaigns', key: 'campaign-name', fields: ['name'], authority: 'crm', syncPrincipal: SYNC_POLICY,
  fact: 'campaign.name', correctionHint: 'Correct it in the CRM: Campaigns > the campaign > Name; the sync brings it here.',
};

/** What people and the Data Studio see of a collection: its permissions and its fields. */
async function snapshot(collection: string): Promise<unknown> {
  const permissions = await admin.get<{ id: number }[]>('/permissions', { 'filter[collection][_eq]': collection, limit: -1, sort: 'id' });
  const fields = await admin.get<{ field: string }[]>(`/fields/${encodeURIComponent(collection)}`);
  return { permissions, fields: [...fields].sort((a, b) => a.field.localeCompare(b.field)) };
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string } | 'accepted'> {
  return p.then(() => 'accepted' as const, (e: DirectusError) => ({ status: e.status, message: e.message }));
}

/** The sync's user: a role holding the sync policy, with a static token. */
async function createSyncUser(): Promise<DirectusClient> {
  const policy = await admin.post<{ id: string }>('/policies', { name: SYNC_POLICY, admin_access: false, app_access: false });
  const role = await admin.post<{ id: string }>('/roles', { name: 'Sync', policies: [{ policy: policy.id }] });
  const token = `sync-${process.pid}-${Date.now()}`;
  await admin.post('/users', { email: 'sync@example.com', role: role.id, status: 'active', token });
  return new DirectusClient({ url: directus!.url, token });
}

beforeAll(async () => {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`Directus or the browser is not installed (the test global setup failed to install it):\n${unavailable}`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-dxprotect-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL server runs as the postgres user when tests run as root
  cms = await LocalPostgres.start({ dir: path.join(dir, 'cms') });
  await prepareExamplePlatform('cms', cms.clientConfig());
  directus = await startDirectus({ dir: path.join(dir, 'directus'), postgres: cms.clientConfig(), database: 'cms', collections: ['campaigns', 'content'], say: () => undefined });
  admin = directus.adminClient();
  // A field people keep, and a note the protected field had before (remove must give it back).
  await admin.post('/fields/campaigns', { field: 'status', type: 'string', schema: {}, meta: { note: 'Where the campaign stands' } });
  await admin.patch('/fields/campaigns/name', { meta: { note: 'The campaign as visitors see it' } });
  editor = await DirectusClient.login(directus.url, directus.editor.email, read(directus.editor.passwordFile));
  sync = await createSyncUser();
  editorsPolicy = (await admin.get<{ id: string }[]>('/policies', { 'filter[name][_eq]': EDITOR_POLICY }))[0].id;
}, 240000);

afterAll(async () => {
  await directus?.stop();
  await cms?.stop(true);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('after apply Directus refuses the editor the protected field, not the others, and lets the sync principal write it', async () => {
  await applyProtection(admin, CAMPAIGN_NAME);
  expect(await refusal(editor.patch('/items/campaigns/1', { name: 'Renamed by an editor' }))).toEqual({
    status: 403, message: expect.stringMatching(/You don't have permission to access field "name"/),
  });
  expect(await editor.patch('/items/campaigns/1', { status: 'live' })).toMatchObject({ id: 1, status: 'live' });
  await sync.patch('/items/campaigns/1', { name: 'Spring launch (from the CRM)' });
  expect(await admin.get('/items/campaigns/1')).toMatchObject({ name: 'Spring launch (from the CRM)', status: 'live' });
  // A person cannot create a row with a value for it either.
  expect(await refusal(editor.post('/items/campaigns', { id: 9, name: 'x' }))).toMatchObject({ status: 403 });
  const applied = await snapshot('campaigns');
  await applyProtection(admin, CAMPAIGN_NAME);
  expect(await snapshot('campaigns')).toEqual(applied); // idempotent: a second apply changes nothing
});

test('checkProtection warns that Directus admins are not stopped by Directus, and refuses what is missing', async () => {
  const ok = await checkProtection(admin, CAMPAIGN_NAME);
  expect(ok).toEqual([expect.objectContaining({
    severity: 'warning', summary: expect.stringMatching(/^Directus admins are not stopped by Directus/), detail: expect.stringContaining('the PostgreSQL guard under Directus still stops them'),
  })]);
  const bad = await checkProtection(admin, { ...CAMPAIGN_NAME, key: 'other', fields: ['name', 'budget'], syncPrincipal: 'Nobody' });
  expect(bad.filter((x) => x.severity === 'error').map((x) => x.summary)).toEqual([
    'Directus collection "campaigns" has no field "budget"',
    '"name" of "campaigns" already protected by "campaign-name" (owned by crm)',
    'Directus has no policy "Nobody" (the sync principal)',
  ]);
  expect((await checkProtection(admin, { ...CAMPAIGN_NAME, collection: 'nope' })).map((x) => x.summary)).toEqual(['Directus has no collection "nope"']);
  await expect(applyProtection(admin, { ...CAMPAIGN_NAME, collection: 'nope' })).rejects.toThrow('Cannot protect Directus collection "nope": Directus has no collection "nope"');
});

describe('read-back sees each hand edit as not enforced, and apply repairs it', () => {
  const editorUpdate = async () => (await admin.get<{ id: number }[]>('/permissions', {
    'filter[collection][_eq]': 'campaigns', 'filter[policy][_eq]': editorsPolicy, 'filter[action][_eq]': 'update',
  }))[0].id;
  test.each([
    ['update re-granted to the editors', async () => admin.patch(`/permissions/${await editorUpdate()}`, { fields: ['*'] }), /policy "Editors" may update "name" again/],
    ['a new permission granting create', async () => admin.post('/permissions', { policy: editorsPolicy, collection: 'campaigns', action: 'create', fields: ['id', 'name'] }), /policy "Editors" may create "name" again/],
    ['the note edited', () => admin.patch('/fields/campaigns/name', { meta: { note: 'edit freely' } }), /the note of field "name" was changed/],
    ['readonly turned off', () => admin.patch('/fields/campaigns/name', { meta: { readonly: false } }), /field "name" is no longer read-only/],
  ])('%s', async (_label, edit, said) => {
    const intact = await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
    expect(intact).toEqual({ declared: CAMPAIGN_NAME, enforced: true, undone: [] });
    await edit();
    const drifted = await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
    expect(drifted?.enforced).toBe(false);
    expect(drifted?.undone.join('\n')).toMatch(said);
    await applyProtection(admin, CAMPAIGN_NAME);
    expect(await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key)).toEqual(intact);
    expect(await refusal(editor.patch('/items/campaigns/2', { name: 'x' }))).toMatchObject({ status: 403 });
  });
});

test('remove restores the permissions and field meta exactly as before apply', async () => {
  await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key); // from the tests above
  const created = await admin.get<{ id: number }[]>('/permissions', { 'filter[policy][_eq]': editorsPolicy, 'filter[action][_eq]': 'create', 'filter[collection][_eq]': 'campaigns' });
  for (const c of created) await admin.delete(`/permissions/${c.id}`); // the hand edit's, not the protection's
  const before = await snapshot('campaigns');
  await applyProtection(admin, CAMPAIGN_NAME);
  expect(await snapshot('campaigns')).not.toEqual(before);
  expect(await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key)).toBe(true);
  expect(await snapshot('campaigns')).toEqual(before);
  expect(await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key)).toBeNull();
  expect(await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key)).toBe(false);
  expect(await editor.patch('/items/campaigns/2', { name: 'Partner webinar' })).toMatchObject({ name: 'Partner webinar' });
});

/** Acts as the admin but fails every write after the first `writes`: an apply that stops part-way. */
class FailingAfter extends DirectusClient {
  private left: number;
  public constructor(writes: number) {
    super({ url: directus!.url, token: read(directus!.adminTokenFile) });
    this.left = writes;
  }
  private spend(): void {
    if (this.left-- <= 0) throw new DirectusError('PATCH /x', 0, [], 'Directus went away (simulated)');
  }
  public override post<T>(path: string, body: unknown): Promise<T> {
    // The collection lock (lock.ts) is not the protection's state: count only what it changes.
    if (!(body as { protection_key?: string }).protection_key?.startsWith('(lock)')) this.spend();
    return super.post<T>(path, body);
  }
  public override patch<T>(path: string, body: unknown): Promise<T> {
    this.spend();
    return super.patch<T>(path, body);
  }
}

test('an apply that stopped part-way is finished by the next, and a remove after it restores exactly', async () => {
  const before = await snapshot('campaigns');
  await applyProtection(admin, CAMPAIGN_NAME);
  const applied = await snapshot('campaigns');
  await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
  // Stop an apply after 0, 1, 2, ... writes until one gets through: each stop is a partial state.
  let writes = 0;
  for (; await applyProtection(new FailingAfter(writes), CAMPAIGN_NAME).then(() => false, () => true); writes++) {
    await applyProtection(admin, CAMPAIGN_NAME);
    expect({ writes, state: await snapshot('campaigns') }).toEqual({ writes, state: withNewIds(applied, await snapshot('campaigns')) });
    expect((await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key))?.enforced).toBe(true);
    await applyProtection(new FailingAfter(0), CAMPAIGN_NAME); // converged: an apply writes nothing
    await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
    expect({ writes, state: await snapshot('campaigns') }).toEqual({ writes, state: before });
  }
  expect(writes).toBeGreaterThanOrEqual(4); // record, editors' update, sync permission, field meta
  await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
  for (let stopAt = 0; stopAt < writes; stopAt++) {
    await expect(applyProtection(new FailingAfter(stopAt), CAMPAIGN_NAME)).rejects.toThrow('simulated');
    await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
    expect({ stopAt, state: await snapshot('campaigns') }).toEqual({ stopAt, state: before });
  }
});

test('two protections of one collection applied and removed at once both hold, and the collection ends exactly as before', async () => {
  const before = await snapshot('campaigns');
  const STATUS: DirectusProtection = { ...CAMPAIGN_NAME, key: 'campaign-status', fields: ['status'], fact: 'campaign.status' };
  const client = () => new DirectusClient({ url: directus!.url, token: read(directus!.adminTokenFile) });
  // Each reads the editors' permission and writes it back without its own field: unserialized,
  // one write would put the other's field back.
  await Promise.all([applyProtection(client(), CAMPAIGN_NAME), applyProtection(client(), STATUS)]);
  expect(await refusal(editor.patch('/items/campaigns/2', { name: 'x' }))).toMatchObject({ status: 403 });
  expect(await refusal(editor.patch('/items/campaigns/2', { status: 'x' }))).toMatchObject({ status: 403 });
  expect((await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key))?.enforced).toBe(true);
  expect((await readProtection(admin, 'campaigns', STATUS.key))?.enforced).toBe(true);
  await Promise.all([removeProtection(client(), 'campaigns', CAMPAIGN_NAME.key), removeProtection(client(), 'campaigns', STATUS.key)]);
  expect(await snapshot('campaigns')).toEqual(before);
});

test('a lock left by an apply that died is taken over, and only the taking that made a lock removes it', async () => {
  const id = lockId('campaigns');
  const rows = async () => (await admin.get<{ id: string; protection_key: string }[]>(`/items/${STORE}`, { 'filter[id][_eq]': id })).map((r) => r.protection_key);
  await admin.post(`/items/${STORE}`, { id, protected_collection: 'campaigns', protection_key: '(lock) died', record: { lock: { holder: 'gone:1', at: Date.now() - 10 * 60_000 } } });
  await applyProtection(admin, CAMPAIGN_NAME);
  expect(await rows()).toEqual([]); // taken over, then released
  // A holder whose lock was taken over as stale releases nothing of the newer taking.
  const newer = '(lock) newer';
  const seen: string[] = [];
  await withCollectionLock(admin, 'campaigns', async () => {
    seen.push(...await rows());
    await admin.delete(`/items/${STORE}/${encodeURIComponent(id)}`); // its lock judged stale by another ...
    await admin.post(`/items/${STORE}`, { id, protected_collection: 'campaigns', protection_key: newer, record: { lock: { holder: 'other:2', at: Date.now() } } }); // ... who took it
  });
  expect(seen).toEqual([expect.stringMatching(/^\(lock\) [0-9a-f]{24}$/)]);
  expect(await rows()).toEqual([newer]);
  await admin.delete(`/items/${STORE}/${encodeURIComponent(id)}`);
  await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
});

test('a policy joining the editor policies reads as drift, apply covers it, and a policy leaving them gets its fields back', async () => {
  const before = await snapshot('campaigns');
  const marketing = await admin.post<{ id: string }>('/policies', { name: 'Marketing', admin_access: false, app_access: true });
  const grant = await admin.post<{ id: number }>('/permissions', { policy: marketing.id, collection: 'campaigns', action: 'update', fields: ['*'], permissions: {}, validation: {} });
  const fieldsOfGrant = async () => (await admin.get<{ fields: string[] }>(`/permissions/${grant.id}`)).fields;
  try {
    const editorsOnly = { ...CAMPAIGN_NAME, editorPolicies: ['Editors'] };
    await applyProtection(admin, editorsOnly);
    expect(await fieldsOfGrant()).toEqual(['*']); // Marketing was not named
    expect((await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key, { editorPolicies: ['Editors'] }))?.enforced).toBe(true);
    const widened = await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key, {}); // configured now: every non-admin policy
    expect(widened).toMatchObject({ enforced: false, undone: expect.arrayContaining(['policy "Marketing" may update "name" again']) });
    await applyProtection(admin, CAMPAIGN_NAME);
    expect(await fieldsOfGrant()).not.toContain('name');
    expect((await readProtection(admin, 'campaigns', CAMPAIGN_NAME.key, {}))?.enforced).toBe(true);
    await applyProtection(admin, editorsOnly); // Marketing leaves the editor policies
    expect(await fieldsOfGrant()).toEqual(['*']);
    await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
  } finally {
    await admin.delete(`/permissions/${grant.id}`);
    await admin.delete(`/policies/${marketing.id}`);
  }
  expect(await snapshot('campaigns')).toEqual(before);
});

/** The sync principal's permission is created anew each time: compare it without its id. */
function withNewIds(expected: unknown, actual: unknown): unknown {
  const e = expected as { permissions: { id: number; policy: string }[] };
  const a = actual as { permissions: { id: number; policy: string }[] };
  return { ...e, permissions: e.permissions.map((p, i) => ({ ...p, id: a.permissions[i]?.id })) };
}

test('hostile collection and field names: protected, read back and removed exactly', async () => {
  // Directus 11.3.5 creates collections named with spaces, double quotes or non-ASCII letters but
  // then refuses /items on them (403, measured), so those characters are tried in a field name.
  const collection = `o'brien-copy`;
  const hostile = `two words "x" o'k 🚀`;
  await admin.post('/collections', {
    collection, meta: { note: null }, schema: {},
    fields: [
      { field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true }, meta: { hidden: true } },
      { field: hostile, type: 'string', schema: {}, meta: {} },
      { field: 'free', type: 'string', schema: {}, meta: {} },
    ],
  });
  for (const action of ['read', 'update', 'create']) await admin.post('/permissions', { policy: editorsPolicy, collection, action, fields: ['*'], permissions: {}, validation: {} });
  const item = await admin.post<{ id: number }>(`/items/${encodeURIComponent(collection)}`, { [hostile]: 'a', free: 'b' });
  const p: DirectusProtection = { ...CAMPAIGN_NAME, collection, key: `key "k" 'q' ✓`, fields: [hostile], correctionHint: 'Fix it in "the CRM" <b>now</b> & $1' };
  const before = await snapshot(collection);
  await applyProtection(admin, p);
  const itemPath = `/items/${encodeURIComponent(collection)}/${item.id}`;
  expect(await refusal(editor.patch(itemPath, { [hostile]: 'changed' }))).toMatchObject({ status: 403 });
  expect(await editor.patch(itemPath, { free: 'changed' })).toMatchObject({ free: 'changed' });
  await sync.patch(itemPath, { [hostile]: 'from the sync' });
  const fields = await admin.get<{ field: string; meta: { note: string; readonly: boolean } }[]>(`/fields/${encodeURIComponent(collection)}`);
  expect(fields.find((f) => f.field === hostile)?.meta).toMatchObject({ note: protectionNote(p), readonly: true });
  expect(await readProtection(admin, collection, p.key)).toMatchObject({ enforced: true });
  expect(await removeProtection(admin, collection, p.key)).toBe(true);
  expect(await snapshot(collection)).toEqual(before);
});

test('in a real browser the Data Studio shows the editor the protected name read-only with the correction path beside it', async () => {
  await applyProtection(admin, CAMPAIGN_NAME);
  const browser = await launchBrowser(findInstall()!);
  try {
    const page = await openAsEditor(browser, directus!, 'campaigns/2');
    const note = JSON.stringify(protectionNote(CAMPAIGN_NAME));
    // The field labelled "Name" holds the name in a disabled input, and its note is the correction path.
    await page.waitForFunction(`Array.from(document.querySelectorAll('.field')).some((f) =>
      f.querySelector('.field-name')?.textContent.trim() === 'Name' &&
      Array.from(f.querySelectorAll('textarea, input')).some((i) => i.value === 'Partner webinar' && i.disabled) &&
      f.textContent.replace(/\\s+/g, ' ').includes(${note}))`, { timeout: 60000 });
    const shot = await saveScreenshot(page, 'directus-protected-campaign-name');
    expect(fs.statSync(shot).size).toBeGreaterThan(10000);
  } finally {
    await browser.close();
    await removeProtection(admin, 'campaigns', CAMPAIGN_NAME.key);
  }
});
