/**
 * What a fresh Directus on a platform's database needs to be the example CMS: its existing tables
 * as collections (Directus sees tables without a directus_collections row but the Data Studio
 * lists only configured ones), and an editor, a person with app access whose policy may read and
 * update those collections. The protection built on top takes `update` of protected fields away
 * from people's policies. Idempotent: each step looks before it creates.
 */
import { DirectusClient } from '../provider/platforms/directus/client';
import { Contract } from '../constructs/src/contract';

export const EDITOR_EMAIL = 'editor@example.com';
export const EDITOR_ROLE = 'Editor';
export const EDITOR_POLICY = 'Editors';
/** What the editor may do on each collection. */
export const EDITOR_ACTIONS = ['read', 'update'] as const;

interface Named {
  id: string;
}

export async function setUpCollections(admin: DirectusClient, collections: readonly string[], editorPassword: string): Promise<void> {
  for (const c of collections) await configureCollection(admin, c);
  const policy = await ensurePolicy(admin, EDITOR_POLICY, 'People who edit the CMS in the Data Studio', true);
  // The sync principal's policy: the one that keeps `update` of protected fields. Values arrive
  // through the database under Directus; the policy names who may write them through Directus.
  const sync = await ensurePolicy(admin, Contract.DEFAULT_SYNC_PRINCIPAL, 'The sync of authority: the only writer of copied fields', false);
  for (const c of collections) {
    for (const action of EDITOR_ACTIONS) {
      await ensurePermission(admin, policy, c, action);
      await ensurePermission(admin, sync, c, action);
    }
  }
  const role = await ensureRole(admin, policy);
  await ensureEditor(admin, role, editorPassword);
}

/** Gives an existing table its directus_collections row (PATCH creates it when missing). */
async function configureCollection(admin: DirectusClient, collection: string): Promise<void> {
  const found = await admin.get<{ meta: unknown }>(`/collections/${encodeURIComponent(collection)}`);
  if (found.meta) return;
  await admin.patch(`/collections/${encodeURIComponent(collection)}`, { meta: { note: 'A table of this platform, managed by Directus' } });
}

async function ensurePolicy(admin: DirectusClient, name: string, description: string, appAccess: boolean): Promise<string> {
  const found = await admin.get<Named[]>('/policies', { 'filter[name][_eq]': name, fields: 'id' });
  if (found.length > 0) return found[0].id;
  const made = await admin.post<Named>('/policies', { name, icon: 'edit', description, admin_access: false, app_access: appAccess });
  return made.id;
}

async function ensurePermission(admin: DirectusClient, policy: string, collection: string, action: string): Promise<void> {
  const found = await admin.get<Named[]>('/permissions', {
    'filter[policy][_eq]': policy, 'filter[collection][_eq]': collection, 'filter[action][_eq]': action, fields: 'id',
  });
  if (found.length > 0) return;
  await admin.post('/permissions', { policy, collection, action, fields: ['*'], permissions: {}, validation: {} });
}

async function ensureRole(admin: DirectusClient, policy: string): Promise<string> {
  const found = await admin.get<Named[]>('/roles', { 'filter[name][_eq]': EDITOR_ROLE, fields: 'id' });
  if (found.length > 0) return found[0].id;
  const made = await admin.post<Named>('/roles', { name: EDITOR_ROLE, icon: 'edit', policies: [{ policy }] });
  return made.id;
}

async function ensureEditor(admin: DirectusClient, role: string, password: string): Promise<void> {
  const found = await admin.get<Named[]>('/users', { 'filter[email][_eq]': EDITOR_EMAIL, fields: 'id' });
  if (found.length > 0) return;
  await admin.post('/users', { email: EDITOR_EMAIL, password, role, status: 'active', first_name: 'Example', last_name: 'Editor' });
}
