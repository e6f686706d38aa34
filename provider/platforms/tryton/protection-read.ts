/**
 * Reading a Tryton model's access state over JSON-RPC and a protection back: what is there, and
 * whether any part was undone by hand in Tryton (a people's rule given write, deactivated or
 * deleted, another rule letting a group write, the sync group's write taken away, the help edited).
 */
import { TrytonClient } from './client';
import {
  AccessRule, HelpText, ProtectionRecord, TrytonProtection, helpTargets, isOwnRule, openingRules, protectedHelp,
  protectionNote, ruleMatches, wantedRule,
} from './protection-model';
import { loadRecord } from './protection-store';

export interface TrytonField {
  readonly id: number;
  readonly name: string;
  readonly rules: readonly AccessRule[];
  readonly helps: readonly HelpText[];
}

export interface TrytonGroup {
  readonly id: number;
  readonly name: string;
}

/** A model's fields (those asked for), their rules and help translations, and every group. */
export interface AccessState {
  /** The model's ir.model id, or undefined when Tryton has no such model. */
  readonly modelId?: number;
  readonly fields: readonly TrytonField[];
  readonly groups: readonly TrytonGroup[];
}

export const RULE_FIELDS = ['field', 'group', 'active', 'perm_read', 'perm_write', 'perm_create', 'perm_delete', 'description'];

export async function readAccess(client: TrytonClient, model: string, fieldNames: readonly string[]): Promise<AccessState> {
  const groups = await client.searchRead<TrytonGroup>('res.group', [], ['name']);
  const models = await client.searchRead<{ id: number }>('ir.model', [['model', '=', model]], ['id']);
  if (models.length === 0) return { fields: [], groups };
  const found = fieldNames.length === 0 ? [] : await client.searchRead<{ id: number; name: string }>(
    'ir.model.field', [['model', '=', models[0].id], ['name', 'in', [...fieldNames]]], ['name']);
  const ids = found.map((f) => f.id);
  const rules = ids.length === 0 ? [] : await client.searchRead<AccessRule>('ir.model.field.access', [['field', 'in', ids]], RULE_FIELDS);
  const names = found.map((f) => `${model},${f.name}`);
  const helps = names.length === 0 ? [] : await client.searchRead<HelpText & { name: string }>(
    'ir.translation', [['name', 'in', names], ['type', '=', 'help'], ['res_id', '=', -1]], ['name', 'lang', 'src', 'value']);
  return {
    modelId: models[0].id,
    groups,
    fields: found.map((f) => ({
      id: f.id, name: f.name,
      rules: rules.filter((r) => r.field === f.id),
      helps: helps.filter((h) => h.name === `${model},${f.name}`).map(({ id, lang, src, value }) => ({ id, lang, src, value })),
    })),
  };
}

export function groupId(state: AccessState, name: string): number | undefined {
  return state.groups.find((g) => g.name === name)?.id;
}

/** The groups whose members lose write: the named editor groups, or [null] (everyone) by default. */
export function peoplesGroups(state: AccessState, p: TrytonProtection): (number | null)[] {
  if (p.editorGroups === undefined) return [null];
  return p.editorGroups.map((n) => groupId(state, n)).filter((g): g is number => g !== undefined);
}

/** What is undone of a protection, in words (empty when it is intact). */
export function undone(state: AccessState, record: ProtectionRecord): string[] {
  const p = record.declared;
  const out: string[] = [];
  const sync = groupId(state, p.syncPrincipal);
  const groupName = (g: number | null) => (g === null ? 'everyone' : JSON.stringify(state.groups.find((x) => x.id === g)?.name ?? String(g)));
  const note = protectionNote(p);
  for (const name of p.fields) {
    const field = state.fields.find((f) => f.name === name);
    if (!field) {
      out.push(`field ${JSON.stringify(name)} is gone`);
      continue;
    }
    const own = field.rules.filter((r) => isOwnRule(r, p, record.fields[name]?.created ?? []));
    for (const g of peoplesGroups(state, p)) {
      if (!own.some((r) => ruleMatches(r, wantedRule(p, g, false)))) out.push(`the rule keeping ${groupName(g)} from writing ${JSON.stringify(name)} was changed or deleted`);
    }
    if (sync === undefined || !own.some((r) => ruleMatches(r, wantedRule(p, sync, true)))) {
      out.push(`the sync group ${JSON.stringify(p.syncPrincipal)} may no longer write ${JSON.stringify(name)}`);
    }
    for (const r of openingRules(field.rules, sync)) out.push(`a rule lets ${groupName(r.group)} write ${JSON.stringify(name)} again`);
    const prior = record.fields[name]?.help ?? {};
    for (const h of helpTargets(field.helps)) {
      const before = String(h.id) in prior ? prior[String(h.id)] : h.value;
      if (h.value !== protectedHelp(h, before, note)) out.push(`the help of ${JSON.stringify(name)} (${h.lang}) was edited`);
    }
  }
  return out;
}

/** A protection as read back from Tryton. */
export interface ProtectionState {
  readonly declared: TrytonProtection;
  readonly enforced: boolean;
  readonly undone: readonly string[];
}

/** What is there for (model, key); null when nothing is. */
export async function readProtection(client: TrytonClient, model: string, key: string): Promise<ProtectionState | null> {
  const found = await loadRecord(client, model, key);
  if (!found) return null;
  const { record } = found;
  const what = undone(await readAccess(client, model, record.declared.fields), record);
  return { declared: record.declared, enforced: what.length === 0, undone: what };
}
