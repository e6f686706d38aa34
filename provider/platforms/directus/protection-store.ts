/**
 * Where a Directus protection keeps what it changed: a hidden collection of its own,
 * `authority_protections`, one row per (collection, key) holding the declaration and the prior
 * permission fields and field meta as JSON. Directus stores it like any collection (it survives
 * restarts and upgrades), only admins may read it (no policy is granted anything on it), and it
 * leaves people's permissions and the fields' meta free of bookkeeping, so a read-back compares
 * them with what apply wrote and nothing else.
 */
import { DirectusClient, DirectusError } from './client';
import { ProtectionRecord, recordId } from './protection-model';

export const STORE = 'authority_protections';

interface StoredRow {
  readonly id: string;
  readonly protected_collection: string;
  readonly protection_key: string;
  readonly record: ProtectionRecord;
}

/** The record of (collection, key), or null (also when the store does not exist yet). */
export async function loadRecord(client: DirectusClient, collection: string, key: string): Promise<ProtectionRecord | null> {
  if (!(await storeExists(client))) return null;
  const rows = await client.get<StoredRow[]>(`/items/${STORE}`, { 'filter[id][_eq]': recordId(collection, key), limit: 1 });
  return rows.length > 0 ? rows[0].record : null;
}

/** Every record on `collection` (to tell another key's fields apart). */
export async function recordsOn(client: DirectusClient, collection: string): Promise<ProtectionRecord[]> {
  if (!(await storeExists(client))) return [];
  const rows = await client.get<StoredRow[]>(`/items/${STORE}`, { fields: 'record', limit: -1 });
  // Lock rows (lock.ts) share the store and have no declaration.
  return rows.map((r) => r.record).filter((r) => r.declared?.collection === collection);
}

/** Writes the record (creating the store first when needed). */
export async function saveRecord(client: DirectusClient, record: ProtectionRecord): Promise<void> {
  await ensureStore(client);
  const { collection, key } = record.declared;
  const id = recordId(collection, key);
  const found = await client.get<{ id: string }[]>(`/items/${STORE}`, { 'filter[id][_eq]': id, fields: 'id', limit: 1 });
  if (found.length > 0) await client.patch(`/items/${STORE}/${id}`, { record });
  else await client.post(`/items/${STORE}`, { id, protected_collection: collection, protection_key: key, record });
}

export async function deleteRecord(client: DirectusClient, collection: string, key: string): Promise<void> {
  if (!(await storeExists(client))) return;
  const id = recordId(collection, key);
  const found = await client.get<{ id: string }[]>(`/items/${STORE}`, { 'filter[id][_eq]': id, fields: 'id', limit: 1 });
  if (found.length > 0) await client.delete(`/items/${STORE}/${id}`);
}

async function storeExists(client: DirectusClient): Promise<boolean> {
  const all = await client.get<{ collection: string }[]>('/collections');
  return all.some((c) => c.collection === STORE);
}

/** Creates the store; a concurrent apply that created it first is fine. */
export async function ensureStore(client: DirectusClient): Promise<void> {
  if (await storeExists(client)) return;
  try {
    await client.post('/collections', storeDefinition());
  } catch (e) {
    if (!(e instanceof DirectusError) || !(await storeExists(client))) throw e;
  }
}

export function storeDefinition(): unknown {
  return {
    collection: STORE,
    meta: { hidden: true, icon: 'lock', note: 'Kept by authority: what each protection changed, so removing it restores exactly. Do not edit.' },
    schema: {},
    fields: [
      { field: 'id', type: 'string', schema: { is_primary_key: true, length: 64, has_auto_increment: false }, meta: { hidden: true, readonly: true } },
      { field: 'protected_collection', type: 'text', schema: {}, meta: { readonly: true } },
      { field: 'protection_key', type: 'text', schema: {}, meta: { readonly: true } },
      { field: 'record', type: 'json', schema: {}, meta: { readonly: true } },
    ],
  };
}
