/**
 * The Tryton protection's model: what is declared, what is recorded to undo it, and the pure rules
 * on Tryton's field access rows (`ir.model.field.access`). No I/O here, so every rule is unit-tested.
 *
 * Tryton takes, per field, the maximum right over the active rows whose group is empty (everyone)
 * or one of the user's groups; a field no row names is open to all. So a protection is: one row
 * per people's group (or one row for everyone, the default) that reads but does not write, and
 * one row for the sync principal's group that writes. Any other active row that lets a group
 * write would open the field again: apply narrows it and remembers it, remove gives it back.
 * Creating a record with a value needs the same write right (Tryton checks `write` on create), so
 * the rows also stop a person from creating a record with a protected value.
 */
import { createHash } from 'node:crypto';

/** One protection of fields of a Tryton model on a copy. */
export interface TrytonProtection {
  /** The model, e.g. "party.party". */
  readonly model: string;
  /** Tells two protections on one model apart: the policy. */
  readonly key: string;
  readonly fields: readonly string[];
  readonly authority: string;
  /** Name of the Tryton group (res.group) the sync's user is in: it keeps write on the fields. */
  readonly syncPrincipal: string;
  readonly correctionHint: string;
  /** The governed fact, e.g. "party.name"; "" when none is declared. */
  readonly fact: string;
  /** Names of the people's groups that lose write; unset: one rule for everyone but the sync group. */
  readonly editorGroups?: readonly string[];
}

/** An `ir.model.field.access` row as read over JSON-RPC. */
export interface AccessRule {
  readonly id: number;
  readonly field: number;
  readonly group: number | null;
  readonly active: boolean;
  readonly perm_read: boolean;
  readonly perm_write: boolean;
  readonly perm_create: boolean;
  readonly perm_delete: boolean;
  readonly description: string | null;
}

/** A help translation (`ir.translation`, type "help") of a field: what Tryton shows beside it. */
export interface HelpText {
  readonly id: number;
  readonly lang: string;
  readonly src: string;
  readonly value: string | null;
}

/** What apply changed on one field, to give back at remove. */
export interface FieldChange {
  /** Ids of the rules apply created (people's and the sync's). */
  readonly created: readonly number[];
  /** Ids of other rules that let a group write, which apply made read-only. */
  readonly narrowed: readonly number[];
  /** Prior value of each help translation apply wrote, by id. */
  readonly help: Readonly<Record<string, string | null>>;
}

/** Kept in Tryton (an attachment of the model's ir.model record) so remove restores exactly. */
export interface ProtectionRecord {
  readonly version: 1;
  readonly declared: TrytonProtection;
  /** By field name: the declared fields, and released ones not yet given back. */
  readonly fields: Readonly<Record<string, FieldChange>>;
}

/** The attachment's name: one per (model, key), whatever characters they hold. */
export function recordName(model: string, key: string): string {
  return `authority-protection-${createHash('sha256').update(JSON.stringify([model, key])).digest('hex').slice(0, 32)}`;
}

/** The first line of each rule a protection creates: how a rule is known as its own, even before its id is recorded. */
export function ruleMarker(model: string, key: string): string {
  return `[${recordName(model, key)}]`;
}

/** The text shown with a protected field (its help) and kept as the rules' description. */
export function protectionNote(p: Pick<TrytonProtection, 'fact' | 'authority' | 'correctionHint'>): string {
  const hint = p.correctionHint.trim();
  return `${p.fact || 'This value'} is owned by ${p.authority}; only the sync writes it here.${hint ? ` ${hint}` : ''}`;
}

/** The description of a rule the protection creates: its marker, then what it is for. */
export function ruleDescription(p: TrytonProtection, forSync: boolean): string {
  const who = forSync ? `The sync's group ${JSON.stringify(p.syncPrincipal)} writes this field.` : 'People read this field but do not write it.';
  return `${ruleMarker(p.model, p.key)}\n${who} ${protectionNote(p)} Kept by authority: edit the policy, not this rule.`;
}

/** The values of the rule for `group` (null: everyone) that apply wants. */
export function wantedRule(p: TrytonProtection, group: number | null, forSync: boolean): Omit<AccessRule, 'id' | 'field'> {
  return {
    group, active: true, perm_read: true, perm_write: forSync, perm_create: true, perm_delete: true, description: ruleDescription(p, forSync),
  };
}

/** Whether `rule` has the wanted values (the field aside). */
export function ruleMatches(rule: AccessRule, wanted: Omit<AccessRule, 'id' | 'field'>): boolean {
  return (Object.keys(wanted) as (keyof typeof wanted)[]).every((k) => rule[k] === wanted[k]);
}

/** Whether `rule` is one this protection made: recorded, or carrying its marker (an apply that stopped before recording it). */
export function isOwnRule(rule: AccessRule, p: Pick<TrytonProtection, 'model' | 'key'>, recorded: readonly number[]): boolean {
  return recorded.includes(rule.id) || (rule.description ?? '').startsWith(ruleMarker(p.model, p.key));
}

/** Rules that let a group other than the sync's write the field: they would open it again. */
export function openingRules(rules: readonly AccessRule[], syncGroup: number | undefined): AccessRule[] {
  return rules.filter((r) => r.active && r.perm_write && (r.group === null || r.group !== syncGroup));
}

/** The help value a protected field shows: its text as it was (translated or the source), then the note. */
export function protectedHelp(help: HelpText, prior: string | null, note: string): string {
  const base = (prior ?? '') !== '' ? prior! : help.src;
  return `${base}\n${note}`;
}

/**
 * The help translations apply writes: per language, the last part of the field's help (Tryton
 * joins a help's parts, so the note lands at its end).
 */
export function helpTargets(helps: readonly HelpText[]): HelpText[] {
  const byLang = new Map<string, HelpText>();
  for (const h of helps) if ((byLang.get(h.lang)?.id ?? -1) < h.id) byLang.set(h.lang, h);
  return [...byLang.values()];
}
