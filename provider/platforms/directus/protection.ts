/**
 * Protecting fields of a Directus collection on a copy: people's policies lose update (and create)
 * of the fields, the sync principal keeps it, and each field shows read-only in the Data Studio
 * with the correction path as its note. What apply changes is recorded first (protection-store)
 * so that apply converges from any partial state and remove restores exactly.
 */
import { isDeepStrictEqual } from 'node:util';
import { DirectusClient } from './client';
import {
  DirectusProtection, FieldMetaPrior, PermissionChange, PermissionFields, ProtectionRecord, SyncChange,
  protectionNote, restoredFields, sameFields, withProtected, withoutProtected,
} from './protection-model';
import { AccessState, DirectusPermission, peoplesPermissions, readAccess, syncPermission, syncPolicyOf } from './protection-read';
import { problemsOf } from './protection-check';
import { deleteRecord, loadRecord, recordsOn, saveRecord } from './protection-store';
import { withCollectionLock } from './lock';

export { readProtection } from './protection-read';
export { checkProtection } from './protection-check';

/** Installs or repairs the protection; idempotent. Throws on the check's errors, changing nothing. */
export async function applyProtection(client: DirectusClient, p: DirectusProtection): Promise<void> {
  await withCollectionLock(client, p.collection, () => applyLocked(client, p));
}

async function applyLocked(client: DirectusClient, p: DirectusProtection): Promise<void> {
  const state = await readAccess(client, p.collection);
  const otherRecords = (await recordsOn(client, p.collection)).filter((r) => r.declared.key !== p.key);
  const others = otherRecords.map((r) => r.declared);
  const errors = problemsOf(state, p, others).filter((x) => x.severity === 'error');
  if (errors.length > 0) throw new Error(`Cannot protect Directus collection ${JSON.stringify(p.collection)}: ${errors.map((e) => e.summary).join('; ')}`);
  const before = await loadRecord(client, p.collection, p.key);
  const released = releasedFields(before, p);
  const record = planRecord(state, p, before, released, otherRecords);
  await giveBackDropped(client, state, before, record);
  // First, so a failure part-way leaves what to undo; not at all when nothing changed.
  if (!isDeepStrictEqual(record, before)) await saveRecord(client, record);
  await writePermissions(client, state, record);
  const sync = await writeSync(client, state, p, record.sync!);
  await writeFieldMeta(client, state, p, record, released);
  // Released fields are given back now: their priors leave the record.
  const done: ProtectionRecord = { ...record, sync, fieldMeta: Object.fromEntries(p.fields.map((f) => [f, record.fieldMeta[f]])) };
  if (!isDeepStrictEqual(done, record)) await saveRecord(client, done);
}

/**
 * Permissions of policies that are no longer people's (editor policies changed) get their fields
 * back before the record forgets what they were: their users may edit the fields again.
 */
async function giveBackDropped(client: DirectusClient, state: AccessState, before: ProtectionRecord | null, record: ProtectionRecord): Promise<void> {
  if (!before) return;
  const names = state.fields.map((f) => f.field);
  for (const [id, change] of Object.entries(before.permissions)) {
    if (id in record.permissions) continue;
    const perm = state.permissions.find((x) => String(x.id) === id);
    if (!perm) continue;
    const fields = restoredFields(perm.fields, change, before.declared.fields, names);
    if (!sameFields(fields, perm.fields)) await client.patch(`/permissions/${perm.id}`, { fields });
  }
}

/**
 * Fields no longer declared whose permissions and meta are still to be given back: those of the
 * former declaration, and those an apply that stopped part-way left pending in the record.
 */
function releasedFields(before: ProtectionRecord | null, p: DirectusProtection): string[] {
  if (!before) return [];
  return [...new Set([...before.declared.fields, ...Object.keys(before.fieldMeta)])].filter((f) => !p.fields.includes(f));
}

/** Removes the protection, restoring the permissions and field meta it changed; false when none. */
export async function removeProtection(client: DirectusClient, collection: string, key: string): Promise<boolean> {
  if (!(await loadRecord(client, collection, key))) return false;
  return withCollectionLock(client, collection, () => removeLocked(client, collection, key));
}

async function removeLocked(client: DirectusClient, collection: string, key: string): Promise<boolean> {
  const record = await loadRecord(client, collection, key);
  if (!record) return false;
  const state = await readAccess(client, collection);
  const names = state.fields.map((f) => f.field);
  for (const [id, change] of Object.entries(record.permissions)) {
    const perm = state.permissions.find((x) => String(x.id) === id);
    if (!perm) continue;
    const fields = restoredFields(perm.fields, change, record.declared.fields, names);
    if (!sameFields(fields, perm.fields)) await client.patch(`/permissions/${perm.id}`, { fields });
  }
  await restoreSync(client, state, record);
  for (const [field, prior] of Object.entries(record.fieldMeta)) {
    if (state.fields.some((f) => f.field === field)) await patchMeta(client, collection, field, prior);
  }
  await deleteRecord(client, collection, key);
  return true;
}

/** The record after this apply: priors kept from the first apply that saw each thing. */
function planRecord(
  state: AccessState, p: DirectusProtection, before: ProtectionRecord | null, released: readonly string[], others: readonly ProtectionRecord[],
): ProtectionRecord {
  const names = state.fields.map((f) => f.field);
  const permissions: Record<string, PermissionChange> = {};
  for (const perm of peoplesPermissions(state, p)) {
    const prior = before?.permissions[String(perm.id)]?.prior ?? perm.fields;
    const base = before ? before.permissions[String(perm.id)]?.base : baseUnder(perm.fields, String(perm.id), others);
    const wrote = withoutProtected(perm.fields, prior, p.fields, released, names);
    permissions[String(perm.id)] = { prior, wrote, ...(base !== undefined ? { base } : {}) };
  }
  const fieldMeta: Record<string, FieldMetaPrior> = {};
  for (const f of p.fields) {
    const meta = state.fields.find((x) => x.field === f)?.meta ?? null;
    fieldMeta[f] = before?.fieldMeta[f] ?? { hadMeta: meta !== null, note: meta?.note ?? null, readonly: meta?.readonly ?? false };
  }
  // Kept until this apply has given them back, so one that stops part-way leaves them to the next.
  for (const f of released) if (before?.fieldMeta[f]) fieldMeta[f] = before.fieldMeta[f];
  return { version: 1, declared: declaredOf(p), permissions, sync: planSync(state, p, before?.sync ?? null), fieldMeta };
}

/** What a permission was before other protections, when one of them left it as it is now. */
function baseUnder(fields: PermissionFields, id: string, others: readonly ProtectionRecord[]): PermissionFields | undefined {
  for (const r of others) {
    const change = r.permissions[id];
    if (change && sameFields(change.wrote, fields)) return change.base !== undefined ? change.base : change.prior;
  }
  return undefined;
}

function planSync(state: AccessState, p: DirectusProtection, before: SyncChange | null): SyncChange {
  const perm = syncPermission(state, p);
  const names = state.fields.map((f) => f.field);
  if (before && (before.created || perm === undefined || String(perm.id) === before.id)) {
    return { ...before, id: perm ? String(perm.id) : before.created ? null : before.id, wrote: withProtected(perm?.fields ?? null, p.fields, names) };
  }
  if (!perm) return { id: null, created: true, prior: null, wrote: [...p.fields] };
  return { id: String(perm.id), created: false, prior: perm.fields, wrote: withProtected(perm.fields, p.fields, names) };
}

async function writePermissions(client: DirectusClient, state: AccessState, record: ProtectionRecord): Promise<void> {
  for (const [id, change] of Object.entries(record.permissions)) {
    const perm = state.permissions.find((x) => String(x.id) === id)!;
    if (!sameFields(perm.fields, change.wrote)) await client.patch(`/permissions/${perm.id}`, { fields: change.wrote });
  }
}

/** Gives the sync principal update on the fields: a new permission, or the existing one widened. */
async function writeSync(client: DirectusClient, state: AccessState, p: DirectusProtection, sync: SyncChange): Promise<SyncChange> {
  const perm = syncPermission(state, p);
  if (perm) {
    if (!sameFields(perm.fields, sync.wrote)) await client.patch(`/permissions/${perm.id}`, { fields: sync.wrote });
    return sync;
  }
  const made = await client.post<DirectusPermission>('/permissions', {
    policy: syncPolicyOf(state, p)!.id, collection: p.collection, action: 'update', fields: sync.wrote, permissions: {}, validation: {},
  });
  return { ...sync, id: String(made.id) };
}

async function restoreSync(client: DirectusClient, state: AccessState, record: ProtectionRecord): Promise<void> {
  const sync = record.sync;
  // Created by an apply that stopped before recording its id: the sync's update permission is ours.
  const perm = sync?.id ? state.permissions.find((x) => String(x.id) === sync.id) : sync?.created ? syncPermission(state, record.declared) : undefined;
  if (!sync || !perm) return;
  if (sync.created) await client.delete(`/permissions/${perm.id}`);
  else if (sameFields(perm.fields, sync.wrote) && !sameFields(perm.fields, sync.prior)) await client.patch(`/permissions/${perm.id}`, { fields: sync.prior });
}

async function writeFieldMeta(client: DirectusClient, state: AccessState, p: DirectusProtection, record: ProtectionRecord, released: readonly string[]): Promise<void> {
  const note = protectionNote(p);
  for (const f of p.fields) {
    const meta = state.fields.find((x) => x.field === f)?.meta;
    if (meta?.note !== note || meta?.readonly !== true) await patchMeta(client, p.collection, f, { note, readonly: true });
  }
  for (const f of released) {
    const prior = record.fieldMeta[f];
    if (prior && state.fields.some((x) => x.field === f)) await patchMeta(client, p.collection, f, prior);
  }
}

/**
 * Sets a field's note and readonly. A field that had no meta row keeps one with Directus's
 * defaults after remove: the REST API cannot delete a meta row without dropping the column.
 */
async function patchMeta(client: DirectusClient, collection: string, field: string, meta: { note: string | null; readonly: boolean }): Promise<void> {
  await client.patch(`/fields/${encodeURIComponent(collection)}/${encodeURIComponent(field)}`, { meta: { note: meta.note, readonly: meta.readonly } });
}

function declaredOf(p: DirectusProtection): DirectusProtection {
  return {
    collection: p.collection, key: p.key, fields: [...p.fields], authority: p.authority, syncPrincipal: p.syncPrincipal,
    correctionHint: p.correctionHint, fact: p.fact, ...(p.editorPolicies ? { editorPolicies: [...p.editorPolicies] } : {}),
  };
}
