/**
 * The Directus kind's conformance fixture: one real Directus 11.3.5 (embedded/directus.ts) on a
 * real PostgreSQL server, a collection `articles` the suite protects, the example's editor (policy
 * "Editors", may read, update and create) as the person, a sync user whose policy is the sync
 * principal, and the ways a Directus admin can undo a protection by hand in the Data Studio.
 *
 * Directus refuses a person's edit with a 403 that names the field; the correction path is the
 * field's note, shown beside the read-only field. So a refusal here is Directus's message plus
 * the note of the field, as the person sees both.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../../embedded/local-postgres';
import { RunningDirectus, startDirectus } from '../../embedded/directus';
import { EDITOR_POLICY } from '../../embedded/directus-setup';
import { DirectusClient, DirectusError } from '../../provider/platforms/directus/client';
import { STORE } from '../../provider/platforms/directus/protection-store';
import { FieldLocation, FieldProtection } from '../../provider/platforms/adapter';
import { HOSTILE_NAMES } from '../support/hostile-names';
import { HandEdit, KindFixture, KindServer } from './fixture';

const DATABASE = 'cms';
const COLLECTION = 'articles';
const FIELDS = ['title', 'status', 'summary', 'notes'] as const;
const SYNC_POLICY = 'Authority sync';

let admin: DirectusClient; // one Directus per test file
let db: Client; // the database under it, as its superuser
let editorsPolicy: string;
let edits = 0;
let hostiles = 0;

const enc = encodeURIComponent;
const fieldPath = (collection: string, field: string) => `/fields/${enc(collection)}/${enc(field)}`;

/** The editors' permission of `action` on the protection's collection. */
async function editorsPermission(p: FieldProtection, action: 'update' | 'create'): Promise<number> {
  const found = await admin.get<{ id: number }[]>('/permissions', {
    'filter[collection][_eq]': p.location.container, 'filter[policy][_eq]': editorsPolicy, 'filter[action][_eq]': action, fields: 'id',
  });
  if (found.length !== 1) throw new Error(`expected one ${action} permission of ${EDITOR_POLICY} on ${p.location.container}, found ${found.length}`);
  return found[0].id;
}

async function fieldNames(collection: string): Promise<string[]> {
  return (await admin.get<{ field: string }[]>(`/fields/${enc(collection)}`)).map((f) => f.field);
}

// The editors already hold update and create (fields "*") on the collection: a hand edit changes
// those, so the next remove gives them back as they were before the first apply.
const HAND_EDITS: HandEdit[] = [
  {
    label: 'the people\'s update permission re-granted every field ("*")', opens: true,
    undo: async (p) => { await admin.patch(`/permissions/${await editorsPermission(p, 'update')}`, { fields: ['*'] }); },
  },
  {
    label: 'the people\'s update permission re-granted the protected field in an explicit list', opens: true,
    undo: async (p) => { await admin.patch(`/permissions/${await editorsPermission(p, 'update')}`, { fields: await fieldNames(p.location.container) }); },
  },
  {
    label: 'the people\'s create permission given the protected field', opens: false,
    undo: async (p) => { await admin.patch(`/permissions/${await editorsPermission(p, 'create')}`, { fields: ['id', p.fields[0]] }); },
  },
  { label: 'the field\'s note edited', opens: false, undo: async (p) => { await admin.patch(fieldPath(p.location.container, p.fields[0]), { meta: { note: 'edit freely' } }); } },
  { label: 'the field\'s readonly turned off', opens: false, undo: async (p) => { await admin.patch(fieldPath(p.location.container, p.fields[0]), { meta: { readonly: false } }); } },
];

/** `client` changes `field` of item 1 to a new value: Directus's refusal and the field's note, or undefined. */
async function editAs(client: DirectusClient, at: FieldLocation, field: string): Promise<string | undefined> {
  const refused = await client.patch(`/items/${enc(at.container)}/1`, { [field]: `edited ${++edits}` }).then(() => undefined, (e: unknown) => e);
  if (refused === undefined) return undefined;
  if (!(refused instanceof DirectusError)) throw refused;
  const meta = (await admin.get<{ meta: { note: string | null } | null }>(fieldPath(at.container, field))).meta;
  return [refused.message, meta?.note].filter(Boolean).join('\n');
}

/**
 * Everything a protection may touch: every permission, the fields (and their meta) of the
 * platform's collections, and the protection records. The record store itself stays once an
 * apply created it (an empty hidden collection, no permission on it): its rows are compared.
 */
async function snapshot(): Promise<unknown> {
  const [permissions, fields, collections] = await Promise.all([
    admin.get<unknown[]>('/permissions', { limit: -1, sort: 'id' }),
    admin.get<{ collection: string; field: string }[]>('/fields', { limit: -1 }),
    admin.get<{ collection: string }[]>('/collections', { fields: 'collection', limit: -1 }),
  ]);
  const records = collections.some((c) => c.collection === STORE) ? await admin.get<unknown[]>(`/items/${STORE}`, { limit: -1, sort: 'id' }) : [];
  const ours = fields.filter((f) => !f.collection.startsWith('directus_') && f.collection !== STORE)
    .sort((a, b) => a.collection.localeCompare(b.collection) || a.field.localeCompare(b.field));
  return { permissions, fields: ours, records };
}

/** A collection with an id and fields, item 1, and the editors' read, update and create on it. */
async function createCollection(collection: string, fields: readonly string[], item: Record<string, string>): Promise<void> {
  await admin.post('/collections', {
    collection, schema: {}, meta: { note: null },
    fields: [
      { field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: false }, meta: { hidden: true } },
      ...fields.map((field) => ({ field, type: 'string', schema: {}, meta: { note: `The ${field} as editors know it` } })),
    ],
  });
  await grantEditors(collection);
  await admin.post(`/items/${enc(collection)}`, { id: 1, ...item });
}

async function grantEditors(collection: string): Promise<void> {
  for (const action of ['read', 'update', 'create']) {
    await admin.post('/permissions', { policy: editorsPolicy, collection, action, fields: ['*'], permissions: {}, validation: {} });
  }
}

/**
 * The table is made in the database under Directus, as a platform's own tables are, then given
 * to Directus as a collection: Directus's POST /collections names the primary key constraint
 * "<table>_pkey", which PostgreSQL truncates to the table's own name at 63 bytes.
 */
async function hostileContainer(name: string): Promise<FieldLocation> {
  const t = db.escapeIdentifier(name);
  await db.query(`CREATE TABLE ${t} (id integer CONSTRAINT hostile_pkey_${++hostiles} PRIMARY KEY, ${t} varchar(255));
    INSERT INTO ${t} VALUES (1, 'v')`);
  await admin.post('/utils/cache/clear', {});
  await admin.patch(`/collections/${enc(name)}`, { meta: { note: null } });
  await admin.patch(fieldPath(name, name), { meta: { note: `The ${name} as editors know it` } });
  await grantEditors(name);
  return { namespace: 'public', container: name };
}

/** The sync's user: a role holding the sync policy, with a static token. */
async function syncUser(url: string): Promise<DirectusClient> {
  const policy = await admin.post<{ id: string }>('/policies', { name: SYNC_POLICY, admin_access: false, app_access: false });
  const role = await admin.post<{ id: string }>('/roles', { name: 'Sync', policies: [{ policy: policy.id }] });
  const token = `sync-${process.pid}-${Date.now()}`;
  await admin.post('/users', { email: 'sync@example.com', role: role.id, status: 'active', token });
  return new DirectusClient({ url, token });
}

/**
 * The database under Directus refuses any write of a permission of the sync principal's policy:
 * an apply has then already recorded itself and narrowed the people's permissions.
 */
async function refuseSyncPermission(): Promise<() => Promise<void>> {
  const policy = (await admin.get<{ id: string }[]>('/policies', { 'filter[name][_eq]': SYNC_POLICY, fields: 'id' }))[0].id;
  await db.query(`CREATE FUNCTION public.conformance_refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$BEGIN RAISE EXCEPTION 'the platform refuses this step (conformance suite)'; END$$;
    CREATE TRIGGER conformance_refuse BEFORE INSERT OR UPDATE ON directus_permissions FOR EACH ROW
      WHEN (NEW.policy = ${db.escapeLiteral(policy)}::uuid) EXECUTE FUNCTION public.conformance_refuse()`);
  return async () => { await db.query('DROP TRIGGER conformance_refuse ON directus_permissions; DROP FUNCTION public.conformance_refuse()'); };
}

async function start(): Promise<KindServer> {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`Directus is not installed (the test global setup failed to install it):\n${unavailable}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-conformance-directus-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL server runs as another user when tests run as root
  let pg: LocalPostgres | undefined;
  let directus: RunningDirectus | undefined;
  const stop = async () => {
    await db?.end().catch(() => undefined);
    await directus?.stop();
    await pg?.stop(true);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    pg = await LocalPostgres.start({ dir: path.join(dir, 'pg'), logicalReplication: false });
    const su = new Client(pg.clientConfig());
    await su.connect();
    await su.query(`CREATE DATABASE ${DATABASE}`).finally(() => su.end());
    directus = await startDirectus({ dir: path.join(dir, 'directus'), postgres: pg.clientConfig(), database: DATABASE, collections: [], say: () => undefined });
    admin = directus.adminClient();
    editorsPolicy = (await admin.get<{ id: string }[]>('/policies', { 'filter[name][_eq]': EDITOR_POLICY, fields: 'id' }))[0].id;
    const editor = await DirectusClient.login(directus.url, directus.editor.email, fs.readFileSync(directus.editor.passwordFile, 'utf8').trim());
    const sync = await syncUser(directus.url);
    await createCollection(COLLECTION, FIELDS, { title: 'Spring launch', status: 'open', summary: 'A launch', notes: 'free text' });
    db = new Client(pg.clientConfig(DATABASE));
    await db.connect();
    return {
      platform: 'cms',
      settings: { url: directus.url, token_file: directus.adminTokenFile },
      location: { namespace: 'public', container: COLLECTION },
      fields: [...FIELDS] as unknown as KindServer['fields'],
      syncPrincipal: SYNC_POLICY,
      personEdits: (at, field) => editAs(editor, at, field),
      syncWrites: (at, field) => editAs(sync, at, field),
      snapshot,
      hostileContainer,
      refusePartWay: refuseSyncPermission,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A token file for a Directus that is not there (the token is never used: nothing answers). */
function unusedTokenFile(): string {
  const file = path.join(os.tmpdir(), `authority-conformance-directus-nowhere-${process.pid}`);
  fs.writeFileSync(file, 'no-directus-answers-this\n', { mode: 0o600 });
  return file;
}

// Collection names Directus 11.3.5 can serve (no spaces, double quotes, control or non-ASCII
// characters: names.ts refuses those in plan); each is container, field, key, authority and hint.
const SERVABLE = /^[\x21\x23-\x7e]+$/;

export const directusFixture: KindFixture = {
  kind: 'directus',
  start,
  handEdits: HAND_EDITS,
  hostileNames: HOSTILE_NAMES.filter((h) => SERVABLE.test(h.name)),
  // Port 1 (tcpmux) on the loopback: nothing listens there, so the connection is refused at once.
  unreachableSettings: () => ({ url: 'http://127.0.0.1:1', token_file: unusedTokenFile(), connect_timeout: 5 }),
};
