/**
 * Reading a Directus collection's access state and a protection back: what is there, and whether
 * any part was undone by hand (a person's policy given update of a protected field again, the
 * note edited, readonly turned off, the sync principal's update taken away).
 */
import { DirectusClient } from './client';
import {
  DirectusProtection, PermissionFields, grantsAll, grantsAny, protectionNote,
} from './protection-model';
import { loadRecord } from './protection-store';

export interface DirectusField {
  readonly field: string;
  readonly type: string;
  readonly meta: { readonly note: string | null; readonly readonly: boolean; readonly [k: string]: unknown } | null;
}

export interface DirectusPermission {
  readonly id: number | string;
  readonly policy: string | null;
  readonly collection: string;
  readonly action: string;
  readonly fields: PermissionFields;
}

export interface DirectusPolicy {
  readonly id: string;
  readonly name: string;
  readonly admin_access: boolean;
}

/** A collection's fields, permissions and every policy: the state apply and read work on. */
export interface AccessState {
  readonly collectionExists: boolean;
  readonly fields: readonly DirectusField[];
  readonly permissions: readonly DirectusPermission[];
  readonly policies: readonly DirectusPolicy[];
}

/** The actions by which a person writes a field's value. */
export const WRITE_ACTIONS = ['update', 'create'] as const;

export async function readAccess(client: DirectusClient, collection: string): Promise<AccessState> {
  const collections = await client.get<{ collection: string }[]>('/collections', { fields: 'collection', limit: -1 });
  const collectionExists = collections.some((c) => c.collection === collection);
  const fields = collectionExists ? await client.get<DirectusField[]>(`/fields/${encodeURIComponent(collection)}`) : [];
  const permissions = await client.get<DirectusPermission[]>('/permissions', {
    'filter[collection][_eq]': collection, fields: 'id,policy,collection,action,fields', limit: -1,
  });
  const policies = await client.get<DirectusPolicy[]>('/policies', { fields: 'id,name,admin_access', limit: -1 });
  return { collectionExists, fields, permissions: permissions.filter((p) => p.collection === collection), policies };
}

/** The sync principal's policy, by name. */
export function syncPolicyOf(state: AccessState, p: Pick<DirectusProtection, 'syncPrincipal'>): DirectusPolicy | undefined {
  return state.policies.find((x) => x.name === p.syncPrincipal);
}

/** People's write permissions on the collection: of the named policies, else of every non-admin one but the sync's. */
export function peoplesPermissions(state: AccessState, p: Pick<DirectusProtection, 'syncPrincipal' | 'editorPolicies'>): DirectusPermission[] {
  const sync = syncPolicyOf(state, p)?.id;
  const people = new Set(state.policies
    .filter((x) => x.id !== sync && !x.admin_access && (p.editorPolicies === undefined || p.editorPolicies.includes(x.name)))
    .map((x) => x.id));
  return state.permissions.filter((x) => x.policy !== null && people.has(x.policy) && (WRITE_ACTIONS as readonly string[]).includes(x.action));
}

/** The sync principal's update permission on the collection. */
export function syncPermission(state: AccessState, p: Pick<DirectusProtection, 'syncPrincipal'>): DirectusPermission | undefined {
  const sync = syncPolicyOf(state, p)?.id;
  return sync === undefined ? undefined : state.permissions.find((x) => x.policy === sync && x.action === 'update');
}

/** What is undone of a protection, in words (empty when it is intact). */
export function undone(state: AccessState, p: DirectusProtection): string[] {
  const out: string[] = [];
  const policyName = (id: string | null) => state.policies.find((x) => x.id === id)?.name ?? String(id);
  for (const perm of peoplesPermissions(state, p)) {
    const granted = p.fields.filter((f) => grantsAny(perm.fields, [f]));
    if (granted.length > 0) out.push(`policy ${JSON.stringify(policyName(perm.policy))} may ${perm.action} ${granted.map((f) => JSON.stringify(f)).join(', ')} again`);
  }
  const sync = syncPermission(state, p);
  if (!sync || !grantsAll(sync.fields, p.fields)) out.push(`the sync principal ${JSON.stringify(p.syncPrincipal)} may no longer update every protected field`);
  const note = protectionNote(p);
  for (const f of p.fields) {
    const field = state.fields.find((x) => x.field === f);
    if (!field) out.push(`field ${JSON.stringify(f)} is gone`);
    if (field && field.meta?.note !== note) out.push(`the note of field ${JSON.stringify(f)} was changed`);
    if (field && field.meta?.readonly !== true) out.push(`field ${JSON.stringify(f)} is no longer read-only`);
  }
  return out;
}

/** A protection as read back from Directus. */
export interface ProtectionState {
  readonly declared: DirectusProtection;
  /** False when any part was undone by hand; `undone` says which. */
  readonly enforced: boolean;
  readonly undone: readonly string[];
}

/**
 * What is there for (collection, key); null when nothing is. `people` is the platform's editor
 * policies as configured now (editorPolicies undefined: every non-admin policy): a policy that
 * joined them and may still write a field reads as undone, so a changed configuration shows as
 * drift and apply brings the permissions to it. @default the policies recorded at apply
 */
export async function readProtection(
  client: DirectusClient, collection: string, key: string, people?: Pick<DirectusProtection, 'editorPolicies'>,
): Promise<ProtectionState | null> {
  const record = await loadRecord(client, collection, key);
  if (!record) return null;
  const { editorPolicies: _recorded, ...declared } = record.declared;
  const expected: DirectusProtection = people ? { ...declared, ...(people.editorPolicies ? { editorPolicies: people.editorPolicies } : {}) } : record.declared;
  const what = undone(await readAccess(client, collection), expected);
  return { declared: record.declared, enforced: what.length === 0, undone: what };
}
