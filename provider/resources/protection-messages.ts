/**
 * What authority_field_protection's plan says in words about ownership (field-protection.ts),
 * as warnings that change nothing.
 */
import { Diagnostic, ObjectValue, Value, isUnknown } from '../framework';

/** The summary of a removed copy's protection (its detail says which). */
export const REMOVED_PROTECTION = 'A copy will no longer be protected';

/**
 * Warnings that say in words what a plan changes about ownership, for the reviewer: a copy that
 * stops being protected, an authority that moves, columns people may edit again, a guard that
 * someone disabled by hand.
 */
export function ownershipChanges(prior: ObjectValue, planned: ObjectValue | null): Diagnostic[] {
  const text = (v: Value) => (typeof v === 'string' ? v : '(known after apply)');
  const list = (v: Value) => (Array.isArray(v) ? v.map(text) : []);
  const where = `${text(prior.platform)} ${text(prior.schema ?? 'public')}.${text(prior.table)}`;
  const fact = (s: ObjectValue) => (typeof s.fact === 'string' && s.fact) || `${text(s.table)}.${list(s.columns).join(', ')}`;
  const warn = (summary: string, detail: string): Diagnostic => ({ severity: 'warning', summary, detail });
  if (!planned) {
    if (prior.role === 'authority') return [];
    // One summary for every removal: terraform folds same-summary warnings of resources still in
    // the configuration (a destroy) into one, instead of re-reading the configuration file to
    // show each (quadratic in a domain's size). Removed from the code, each is listed.
    return [warn(
      REMOVED_PROTECTION,
      `${fact(prior)}: the copy on ${where} will no longer be protected. ` +
        `After this apply, people and integrations can edit ${list(prior.columns).join(', ')} on ${text(prior.platform)} again; ` +
        `nothing there sends them to ${text(prior.authority)} to correct it. If the fact moved, check that this plan protects its new copies.`,
    )];
  }
  const changes: Diagnostic[] = [];
  if (!isUnknown(planned.authority) && planned.authority !== prior.authority) {
    const platform = text(prior.platform);
    const next = text(planned.authority);
    const what = planned.role === 'authority'
      ? `${platform} becomes the authority: people edit the fact there, and it is no longer guarded.`
      : prior.role === 'authority'
        ? `${platform} becomes a read-only copy of ${next}: people are refused there, and corrections move to ${next}.`
        : `The copy on ${platform} will follow ${next}, and corrections move to ${next}.`;
    changes.push(warn(`${fact(planned)}: authority ${text(prior.authority)} -> ${next} on ${where}`, what));
  }
  const dropped = Array.isArray(planned.columns) ? list(prior.columns).filter((c) => !(planned.columns as Value[]).includes(c)) : [];
  if (dropped.length) {
    changes.push(warn(
      `${fact(prior)}: ${dropped.join(', ')} on ${where} will no longer be protected`,
      `People and integrations can edit ${dropped.join(', ')} on ${text(prior.platform)} again after this apply.`,
    ));
  }
  if (prior.enforced === false && planned.role !== 'authority') {
    changes.push(warn(
      `${fact(prior)}: the protection on ${where} was disabled or altered by hand`,
      `While it was, people could edit the copy. This apply restores it; a sync route to this copy settles what they changed by its divergence rule (its warning says how many rows differ).`,
    ));
  }
  if (prior.hint_shown === false && prior.enforced !== false && planned.role !== 'authority') {
    changes.push(warn(
      `${fact(prior)}: what ${text(prior.platform)} shows about the fact on ${where} was edited by hand`,
      'A protected column\'s comment (where to correct the value) or the platform\'s list of the facts it holds was changed or removed. This apply restores them.',
    ));
  }
  return changes;
}
