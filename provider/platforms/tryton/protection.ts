/**
 * Protecting fields of a Tryton model on a copy with Tryton's own field access rules
 * (protection-model.ts says which), and the correction path appended to each field's help. What
 * apply changes is recorded first (protection-store) so that apply converges from any partial
 * state and remove restores exactly: the rules it created are deleted, the rules it narrowed get
 * their write back, the help translations their prior value.
 */
import { isDeepStrictEqual } from 'node:util';
import { TrytonClient } from './client';
import {
  AccessRule, FieldChange, ProtectionRecord, TrytonProtection, helpTargets, isOwnRule, openingRules, protectedHelp,
  protectionNote, ruleMatches, wantedRule,
} from './protection-model';
import { AccessState, TrytonField, groupId, peoplesGroups, readAccess } from './protection-read';
import { problemsOf } from './protection-check';
import { deleteRecord, loadRecord, recordsOn, saveRecord } from './protection-store';

export { readProtection } from './protection-read';
export { checkProtection } from './protection-check';

const RULE = 'ir.model.field.access';

/** Installs or repairs the protection; idempotent. Throws on the check's errors, changing nothing. */
export async function applyProtection(client: TrytonClient, p: TrytonProtection): Promise<void> {
  const before = (await loadRecord(client, p.model, p.key))?.record ?? null;
  const released = before ? Object.keys(before.fields).filter((f) => !p.fields.includes(f)) : [];
  const state = await readAccess(client, p.model, [...p.fields, ...released]);
  const others = (await recordsOn(client, p.model)).filter((r) => r.declared.key !== p.key).map((r) => r.declared);
  const errors = problemsOf(state, p, others).filter((x) => x.severity === 'error');
  if (errors.length > 0) throw new Error(`Cannot protect Tryton model ${JSON.stringify(p.model)}: ${errors.map((e) => e.summary).join('; ')}`);
  const sync = groupId(state, p.syncPrincipal)!;
  const record = planRecord(state, p, before, released, sync);
  // First, so a failure part-way leaves what to undo; not at all when nothing changed.
  if (!isDeepStrictEqual(record, before)) await saveRecord(client, record);
  const fields: Record<string, FieldChange> = {};
  for (const name of p.fields) {
    const field = state.fields.find((f) => f.name === name)!;
    const change = record.fields[name];
    const created = await writeRules(client, state, p, field, change.created, sync);
    await writeHelp(client, field, change, protectionNote(p));
    fields[name] = { ...change, created };
  }
  for (const name of released) {
    const field = state.fields.find((f) => f.name === name);
    if (field) await giveBack(client, field, record.fields[name], p);
  }
  const done: ProtectionRecord = { ...record, fields };
  if (!isDeepStrictEqual(done, record)) await saveRecord(client, done);
}

/** Removes the protection, giving back every rule and help text it changed; false when there was none. */
export async function removeProtection(client: TrytonClient, model: string, key: string): Promise<boolean> {
  const found = await loadRecord(client, model, key);
  if (!found) return false;
  const { record } = found;
  const state = await readAccess(client, model, Object.keys(record.fields));
  for (const [name, change] of Object.entries(record.fields)) {
    const field = state.fields.find((f) => f.name === name);
    if (field) await giveBack(client, field, change, record.declared);
  }
  await deleteRecord(client, model, key);
  return true;
}

/** The record after this apply: priors kept from the first apply that saw each rule and help text. */
function planRecord(state: AccessState, p: TrytonProtection, before: ProtectionRecord | null, released: readonly string[], sync: number): ProtectionRecord {
  const fields: Record<string, FieldChange> = {};
  for (const name of p.fields) {
    const field = state.fields.find((f) => f.name === name)!;
    const prev = before?.fields[name];
    const created = prev?.created ?? [];
    const opening = openingRules(field.rules.filter((r) => !isOwnRule(r, p, created)), sync).map((r) => r.id);
    const help: Record<string, string | null> = { ...(prev?.help ?? {}) };
    for (const h of helpTargets(field.helps)) if (!(String(h.id) in help)) help[String(h.id)] = h.value;
    fields[name] = { created: [...created], narrowed: [...new Set([...(prev?.narrowed ?? []), ...opening])], help };
  }
  // Kept until this apply has given them back, so one that stops part-way leaves them to the next.
  for (const name of released) fields[name] = before!.fields[name];
  return { version: 1, declared: declaredOf(p), fields };
}

/** The people's rules and the sync's rule on one field, as wanted; other rules that open it narrowed. Returns the own rules' ids. */
async function writeRules(client: TrytonClient, state: AccessState, p: TrytonProtection, field: TrytonField, recorded: readonly number[], sync: number): Promise<number[]> {
  const own = field.rules.filter((r) => isOwnRule(r, p, recorded));
  const keep: number[] = [];
  const wanted = [...peoplesGroups(state, p).map((g) => wantedRule(p, g, false)), wantedRule(p, sync, true)];
  for (const w of wanted) {
    const free = own.filter((r) => !keep.includes(r.id));
    const exact = free.find((r) => ruleMatches(r, w));
    const reuse = exact ?? free.find((r) => r.group === w.group);
    if (reuse && !exact) await client.model(RULE, 'write', [[reuse.id], w]);
    keep.push(reuse ? reuse.id : (await client.model<number[]>(RULE, 'create', [[{ field: field.id, ...w }]]))[0]);
  }
  const extra = own.filter((r) => !keep.includes(r.id)).map((r) => r.id);
  if (extra.length > 0) await client.model(RULE, 'delete', [extra]);
  const opening = openingRules(field.rules.filter((r) => !isOwnRule(r, p, recorded)), sync).map((r) => r.id);
  if (opening.length > 0) await client.model(RULE, 'write', [opening, { perm_write: false }]);
  return keep;
}

async function writeHelp(client: TrytonClient, field: TrytonField, change: FieldChange, note: string): Promise<void> {
  for (const h of helpTargets(field.helps)) {
    const want = protectedHelp(h, change.help[String(h.id)] ?? null, note);
    if (h.value !== want) await client.model('ir.translation', 'write', [[h.id], { value: want }]);
  }
}

/** Deletes the field's own rules, gives the narrowed rules their write back and the help its prior text. */
async function giveBack(client: TrytonClient, field: TrytonField, change: FieldChange, p: Pick<TrytonProtection, 'model' | 'key'>): Promise<void> {
  const own = field.rules.filter((r) => isOwnRule(r, p, change.created)).map((r) => r.id);
  if (own.length > 0) await client.model(RULE, 'delete', [own]);
  const narrowed = field.rules.filter((r: AccessRule) => change.narrowed.includes(r.id) && !r.perm_write && !own.includes(r.id)).map((r) => r.id);
  if (narrowed.length > 0) await client.model(RULE, 'write', [narrowed, { perm_write: true }]);
  for (const h of field.helps) {
    if (!(String(h.id) in change.help)) continue;
    const prior = change.help[String(h.id)];
    if (h.value !== prior) await client.model('ir.translation', 'write', [[h.id], { value: prior }]);
  }
}

function declaredOf(p: TrytonProtection): TrytonProtection {
  return {
    model: p.model, key: p.key, fields: [...p.fields], authority: p.authority, syncPrincipal: p.syncPrincipal,
    correctionHint: p.correctionHint, fact: p.fact, ...(p.editorGroups ? { editorGroups: [...p.editorGroups] } : {}),
  };
}
