/**
 * The Directus protection's model: what is declared, what is recorded to undo it, and the pure
 * arithmetic on Directus permission `fields` lists. No I/O here, so every rule is unit-tested.
 *
 * Directus permissions add up across a user's policies, so a field cannot be taken away by a
 * deny rule: each person's `update`/`create` permission on the collection gets an explicit field
 * list without the protected fields, and the sync principal's policy keeps (or gets) `update` on
 * them. `meta.readonly` and `meta.note` on each protected field make the Data Studio show it
 * read-only with the correction path; they are a UI hint, the permissions are the enforcement.
 */
import { createHash } from 'node:crypto';

/** One protection of fields of a Directus collection. */
export interface DirectusProtection {
  readonly collection: string;
  /** Tells two protections on one collection apart: the policy. */
  readonly key: string;
  readonly fields: readonly string[];
  /** The platform that owns the fact, e.g. "crm". */
  readonly authority: string;
  /** Name of the Directus policy the sync's user holds: it keeps `update` on the fields. */
  readonly syncPrincipal: string;
  /** Who owns it, where and how to correct it: shown beside each field. */
  readonly correctionHint: string;
  /** The governed fact, e.g. "campaign.name"; "" when none is declared (the note then says "This value"). */
  readonly fact: string;
  /** Names of the people's policies that lose update; default every non-admin policy but the sync's. */
  readonly editorPolicies?: readonly string[];
}

/** A permission's `fields` as Directus keeps it: a list ("*" = every field) or null (none). */
export type PermissionFields = readonly string[] | null;

/** What apply changed on one permission: its fields before, and what apply wrote. */
export interface PermissionChange {
  readonly prior: PermissionFields;
  readonly wrote: PermissionFields;
  /**
   * What the permission was before any protection, when another protection of the collection had
   * already changed it (its prior then is that one's list): a restore that gives every field back
   * gives this back, so "*" survives two protections removed in either order.
   */
  readonly base?: PermissionFields;
}

/** A protected field's meta before apply (a field without a directus_fields row has none). */
export interface FieldMetaPrior {
  readonly hadMeta: boolean;
  readonly note: string | null;
  readonly readonly: boolean;
}

/** The sync principal's update permission on the collection: created by apply, or widened. */
export interface SyncChange {
  readonly id: string | null;
  readonly created: boolean;
  readonly prior: PermissionFields;
  readonly wrote: PermissionFields;
}

/** Kept in Directus (collection authority_protections) so remove restores exactly. */
export interface ProtectionRecord {
  readonly version: 1;
  readonly declared: DirectusProtection;
  /** By permission id. */
  readonly permissions: Readonly<Record<string, PermissionChange>>;
  readonly sync: SyncChange | null;
  /** By field name. */
  readonly fieldMeta: Readonly<Record<string, FieldMetaPrior>>;
}

/** The record's primary key: one per (collection, key), whatever characters they hold. */
export function recordId(collection: string, key: string): string {
  return createHash('sha256').update(JSON.stringify([collection, key])).digest('hex');
}

/** The note shown beside a protected field in the Data Studio. */
export function protectionNote(p: Pick<DirectusProtection, 'fact' | 'authority' | 'correctionHint'>): string {
  const hint = p.correctionHint.trim();
  // A policy's hint names the owner in words ("... is owned by the CRM (crm). Correct it in ..."):
  // then say only what is true here, and the hint; a bare hint gets the owner first.
  if (/\bowned by\b/.test(hint)) return `Read-only here: only the sync writes it. ${hint}`;
  return `${p.fact || 'This value'} is owned by ${p.authority}; only the sync writes it here.${hint ? ` ${hint}` : ''}`;
}

/** The explicit field names a permission allows ("*" expanded to the collection's fields). */
export function expandFields(fields: PermissionFields, collectionFields: readonly string[]): string[] {
  if (fields === null) return [];
  return fields.includes('*') ? [...collectionFields] : [...fields];
}

/** Whether the permission lets its holder write any of `protectedFields`. */
export function grantsAny(fields: PermissionFields, protectedFields: readonly string[]): boolean {
  if (fields === null) return false;
  return fields.includes('*') || protectedFields.some((f) => fields.includes(f));
}

/** Whether the permission lets its holder write every one of `protectedFields`. */
export function grantsAll(fields: PermissionFields, protectedFields: readonly string[]): boolean {
  if (fields === null) return protectedFields.length === 0;
  return fields.includes('*') || protectedFields.every((f) => fields.includes(f));
}

/**
 * The fields a person's permission keeps under protection: what it allows now, minus the
 * protected fields; fields a former declaration protected come back when the permission had
 * them before apply. Order follows the collection's fields, then any the collection lacks.
 */
export function withoutProtected(
  current: PermissionFields, prior: PermissionFields, protectedFields: readonly string[],
  released: readonly string[], collectionFields: readonly string[],
): PermissionFields {
  if (current === null && released.length === 0) return null;
  const had = expandFields(prior, collectionFields);
  const keep = new Set([...expandFields(current, collectionFields), ...released.filter((f) => had.includes(f))]);
  for (const f of protectedFields) keep.delete(f);
  return ordered(keep, collectionFields);
}

/**
 * The fields to give a permission back at remove: the prior exactly when the permission is as
 * apply left it (or as it was), otherwise its current fields plus the protected ones it had.
 */
export function restoredFields(
  current: PermissionFields, change: PermissionChange, protectedFields: readonly string[], collectionFields: readonly string[],
): PermissionFields {
  if (sameFields(current, change.wrote) || sameFields(current, change.prior)) return change.prior;
  if (current !== null && current.includes('*')) return current;
  const had = expandFields(change.prior, collectionFields);
  const keep = new Set([...(current ?? []), ...protectedFields.filter((f) => had.includes(f))]);
  const original = change.base !== undefined ? change.base : change.prior;
  if (original?.includes('*') && collectionFields.every((f) => keep.has(f))) return original;
  return ordered(keep, collectionFields);
}

/** The sync principal's fields after apply: what it has plus the protected fields. */
export function withProtected(current: PermissionFields, protectedFields: readonly string[], collectionFields: readonly string[]): PermissionFields {
  if (grantsAll(current, protectedFields)) return current;
  return ordered(new Set([...(current ?? []), ...protectedFields]), collectionFields);
}

/** Same fields in any order (null and [] differ: Directus keeps what it is given). */
export function sameFields(a: PermissionFields, b: PermissionFields): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

function ordered(set: Set<string>, collectionFields: readonly string[]): string[] {
  const known = collectionFields.filter((f) => set.has(f));
  return [...known, ...[...set].filter((f) => !collectionFields.includes(f))];
}
