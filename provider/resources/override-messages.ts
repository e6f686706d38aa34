/**
 * What a plan says about a local override, for the reviewer: the values overridden now and their
 * age, an expiry coming within a week, an expiry passed, and an override leaving the policy.
 */
import { OverriddenValue } from '../platforms/adapter';
import { Diagnostic } from '../framework';

/** How far ahead of an expiry plans warn. */
export const EXPIRY_WARNING_DAYS = 7;

/** "3 days", "5 hours", "12 minutes", "40 seconds": the largest whole unit. */
export function ageText(seconds: number): string {
  const units: [string, number][] = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  for (const [unit, size] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1 || size === 1) return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return '0 seconds';
}

export interface OverrideReport {
  /** How plans name the fact and place, e.g. "campaign.name" and "ops public.campaigns". */
  readonly fact: string;
  readonly where: string;
  readonly authority: string;
  readonly reason: string;
  /** ISO timestamp; undefined: no expiry. */
  readonly expiresAt?: string;
  readonly values: readonly OverriddenValue[];
  readonly now: Date;
}

const SHOWN = 10;

/** The plan's warnings about an override in place. */
export function overrideWarnings(r: OverrideReport): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const n = r.values.length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  if (n > 0) {
    const oldest = Math.max(...r.values.map((v) => v.ageSeconds));
    const lines = r.values.slice(0, SHOWN).map((v) =>
      `${v.record} ${v.field} = ${v.value ?? 'null'} (${r.authority} has ${v.authorityValue ?? 'null'}), by ${v.by}, ${ageText(v.ageSeconds)} ago`);
    warnings.push({
      severity: 'warning',
      summary: `${r.fact}: ${plural(n, 'value')} overridden locally on ${r.where}, the oldest ${ageText(oldest)} ago`,
      detail: `Reason: ${r.reason}. The sync keeps these values; ${r.authority}'s latest is recorded in the platform's override log. ` +
        `${lines.join('; ')}${n > SHOWN ? `; and ${n - SHOWN} more` : ''}.`,
    });
  }
  if (r.expiresAt) {
    const left = (Date.parse(r.expiresAt) - r.now.getTime()) / 1000;
    if (left <= 0) {
      warnings.push({
        severity: 'warning',
        summary: `${r.fact}: the local override on ${r.where} expired at ${r.expiresAt}`,
        detail: `People are refused there now and sent to ${r.authority}. ` +
          (r.values.length ? `${plural(r.values.length, 'overridden value')} still ${r.values.length === 1 ? 'waits' : 'wait'} for the next write of the table or sync of the row; this apply reverts them to ${r.authority}'s values.` :
            'No overridden value is left.'),
      });
    } else if (left <= EXPIRY_WARNING_DAYS * 86400) {
      warnings.push({
        severity: 'warning',
        summary: `${r.fact}: the local override on ${r.where} expires in ${ageText(left)} (${r.expiresAt})`,
        detail: `After that the platform refuses new overrides and reverts the overridden values to ${r.authority}'s, with no apply. ` +
          'To keep it, extend expires in the policy; otherwise correct the values at the authority.',
      });
    }
  }
  return warnings;
}

/** The plan's warning when an override leaves the policy (read-only now, or the protection goes). */
export function overrideEnds(fact: string, where: string, authority: string, values: number): Diagnostic {
  return {
    severity: 'warning',
    summary: `${fact}: the local override on ${where} ends`,
    detail: `This apply reverts ${values === 1 ? '1 overridden value' : `${values} overridden values`} to ${authority}'s and records why in the platform's override log.`,
  };
}
