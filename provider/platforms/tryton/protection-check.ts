/**
 * What stops a Tryton protection, or limits it, said before anything is changed: the model, a
 * field, the sync group or an editor group missing, a field another key already protects, and a
 * field without help text (Tryton then has no place beside it for the correction path).
 */
import { TrytonClient } from './client';
import { TrytonProtection } from './protection-model';
import { AccessState, groupId, readAccess } from './protection-read';
import { recordsOn } from './protection-store';

export interface ProtectionProblem {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  /** The resource attribute at fault (`table`, `columns`, `sync_principal`), when one is. */
  readonly attribute?: string;
}

export async function checkProtection(client: TrytonClient, p: TrytonProtection): Promise<ProtectionProblem[]> {
  const state = await readAccess(client, p.model, p.fields);
  const others = (await recordsOn(client, p.model)).filter((r) => r.declared.key !== p.key).map((r) => r.declared);
  return problemsOf(state, p, others);
}

export function problemsOf(state: AccessState, p: TrytonProtection, others: readonly TrytonProtection[]): ProtectionProblem[] {
  const m = JSON.stringify(p.model);
  if (state.modelId === undefined) {
    return [{ severity: 'error', summary: `Tryton has no model ${m}`, detail: `Protection ${JSON.stringify(p.key)} names it: activate the module that defines it, or correct the name (e.g. "party.party").`, attribute: 'table' }];
  }
  const out: ProtectionProblem[] = [];
  if (p.fields.length === 0) out.push({ severity: 'error', summary: `Protection ${JSON.stringify(p.key)} on ${m} names no field`, attribute: 'columns' });
  for (const f of p.fields) {
    const field = state.fields.find((x) => x.name === f);
    if (!field) {
      out.push({ severity: 'error', summary: `Tryton model ${m} has no field ${JSON.stringify(f)}`, detail: 'Name a field as Tryton does (e.g. "name"), or activate the module that adds it.', attribute: 'columns' });
    } else if (field.helps.length === 0) {
      out.push({
        severity: 'warning',
        summary: `Field ${JSON.stringify(f)} of ${m} has no help text in Tryton: the correction path cannot be shown beside it`,
        detail: 'Tryton takes a field\'s help from the module that defines it; without one there is nothing to add the correction path to. ' +
          'The field is still protected: Tryton refuses a person\'s change, naming the field.',
      });
    }
  }
  for (const o of others) {
    const shared = p.fields.filter((f) => o.fields.includes(f));
    if (shared.length > 0) {
      out.push({
        severity: 'error',
        summary: `${shared.map((f) => JSON.stringify(f)).join(', ')} of ${m} already protected by ${JSON.stringify(o.key)} (owned by ${o.authority})`,
        detail: 'A field has one owner: remove it from one of the two protections.',
        attribute: 'columns',
      });
    }
  }
  if (groupId(state, p.syncPrincipal) === undefined) {
    out.push({ severity: 'error', summary: `Tryton has no group ${JSON.stringify(p.syncPrincipal)} (the sync principal)`, detail: "Create the group (res.group) and put the sync's user in it, or correct the name.", attribute: 'sync_principal' });
  }
  for (const name of p.editorGroups ?? []) {
    if (groupId(state, name) === undefined) out.push({ severity: 'error', summary: `Tryton has no group ${JSON.stringify(name)} (named in editor_groups)` });
  }
  return out;
}
