/**
 * What stops a Directus protection, or limits it, said before anything is changed: the
 * collection, a field or the sync principal missing, a field another key already protects, and
 * admin-access policies, which Directus does not hold to permissions at all.
 */
import { DirectusClient } from './client';
import { DirectusProtection } from './protection-model';
import { AccessState, WRITE_ACTIONS, readAccess, syncPolicyOf } from './protection-read';
import { grantsAny } from './protection-model';
import { recordsOn } from './protection-store';

export interface ProtectionProblem {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  /** The resource attribute whose value is at fault (`table`, `columns`, `sync_principal`), when one is. */
  readonly attribute?: string;
}

/** Problems of `p` on this Directus (errors stop apply; warnings are said and change nothing). */
export async function checkProtection(client: DirectusClient, p: DirectusProtection): Promise<ProtectionProblem[]> {
  const state = await readAccess(client, p.collection);
  const others = (await recordsOn(client, p.collection)).filter((r) => r.declared.key !== p.key).map((r) => r.declared);
  return problemsOf(state, p, others);
}

export function problemsOf(state: AccessState, p: DirectusProtection, others: readonly DirectusProtection[]): ProtectionProblem[] {
  const c = JSON.stringify(p.collection);
  if (!state.collectionExists) {
    return [{ severity: 'error', summary: `Directus has no collection ${c}`, detail: `Protection ${JSON.stringify(p.key)} names it; create the collection or correct the name.`, attribute: 'table' }];
  }
  const out: ProtectionProblem[] = [];
  if (p.fields.length === 0) out.push({ severity: 'error', summary: `Protection ${JSON.stringify(p.key)} on ${c} names no field`, attribute: 'columns' });
  for (const f of p.fields) {
    if (!state.fields.some((x) => x.field === f)) out.push({ severity: 'error', summary: `Directus collection ${c} has no field ${JSON.stringify(f)}`, detail: 'Create the field or correct the name.', attribute: 'columns' });
  }
  for (const o of others) {
    const shared = p.fields.filter((f) => o.fields.includes(f));
    if (shared.length > 0) {
      out.push({
        severity: 'error',
        summary: `${shared.map((f) => JSON.stringify(f)).join(', ')} of ${c} already protected by ${JSON.stringify(o.key)} (owned by ${o.authority})`,
        detail: 'A field has one owner: remove it from one of the two protections.',
        attribute: 'columns',
      });
    }
  }
  if (!syncPolicyOf(state, p)) {
    out.push({ severity: 'error', summary: `Directus has no policy ${JSON.stringify(p.syncPrincipal)} (the sync principal)`, detail: "Create the policy and attach it to the sync's user or role, or correct the name.", attribute: 'sync_principal' });
  }
  for (const name of p.editorPolicies ?? []) {
    if (!state.policies.some((x) => x.name === name)) out.push({ severity: 'error', summary: `Directus has no policy ${JSON.stringify(name)} (named in editorPolicies)` });
  }
  out.push(...unlistedWriters(state, p));
  const admins = state.policies.filter((x) => x.admin_access).map((x) => JSON.stringify(x.name));
  if (admins.length > 0) {
    out.push({
      severity: 'warning',
      summary: `Directus admins are not stopped by Directus: ${admins.join(', ')} ${admins.length === 1 ? 'has' : 'have'} admin access, which bypasses permissions`,
      detail: `Their users can still change ${p.fields.map((f) => JSON.stringify(f)).join(', ')} of ${c} in Directus; the PostgreSQL guard under Directus still stops them.`,
    });
  }
  return out;
}

/**
 * With editorPolicies named, other non-admin policies are left as they are: one that may write a
 * protected field is a way around the protection nobody decided on, so plan says which.
 */
function unlistedWriters(state: AccessState, p: DirectusProtection): ProtectionProblem[] {
  if (p.editorPolicies === undefined) return [];
  const sync = syncPolicyOf(state, p)?.id;
  const listed = new Set(p.editorPolicies);
  const writers = state.policies
    .filter((x) => x.id !== sync && !x.admin_access && !listed.has(x.name))
    .filter((x) => state.permissions.some((perm) => perm.policy === x.id && (WRITE_ACTIONS as readonly string[]).includes(perm.action) && grantsAny(perm.fields, p.fields)))
    .map((x) => JSON.stringify(x.name));
  if (writers.length === 0) return [];
  return [{
    severity: 'warning',
    summary: `Directus ${writers.length === 1 ? 'policy' : 'policies'} ${writers.join(', ')} may still change ${p.fields.map((f) => JSON.stringify(f)).join(', ')} of ${JSON.stringify(p.collection)}: not in editor_policies`,
    detail: "Add them to the platform's editor_policies to protect the fields from their users too, or leave editor_policies unset to cover every non-admin policy.",
  }];
}
