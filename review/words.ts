/** How the review says the ownership values: short phrases a reviewer reads at a glance. */
import type { OwnershipCopy, OwnershipCorrection, OwnershipFact } from '../constructs/src/ownership';
import type { FactView } from './report';

const EDITS: Record<string, string> = {
  read_only: 'read-only',
  local_override: 'local override',
  enrich_only: 'enrich-only',
};

const PROPAGATION: Record<string, string> = {
  one_way: 'one-way',
  two_way: 'two-way',
  derived: 'derived',
  report_only: 'report-only',
};

/** "read-only", "local override" ... (the synthesized value when unknown). */
export function editsText(edits: string): string {
  return EDITS[edits] ?? edits;
}

/** A copy as one phrase: "ops read-only", "ops local override (launch week, until 2027-01-10)". */
export function copyText(c: OwnershipCopy, authority?: string): string {
  const extra = [
    ...(c.edits === 'local_override' && c.reason ? [c.reason] : []),
    ...(c.expires ? [`until ${c.expires}`] : []),
    ...(authority !== undefined && c.fedFrom !== authority ? [`fed from ${c.fedFrom}`] : []),
  ];
  return `${c.platform} ${editsText(c.edits)}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** The copies of a fact in one phrase: "copies: ops read-only, bi read-only" or "no copies". */
export function copiesText(f: OwnershipFact): string {
  return f.copies.length ? `copies: ${f.copies.map((c) => copyText(c, f.authority.platform)).join(', ')}` : 'no copies';
}

/** The copies grouped by what people may do there: "ops, cms, bi read-only; erp local override (...)". */
export function copiesGrouped(f: OwnershipFact): string {
  if (!f.copies.length) return 'no copies';
  const groups = new Map<string, string[]>();
  for (const c of f.copies) {
    const phrase = copyText({ ...c, platform: '' }, f.authority.platform).trim();
    groups.set(phrase, [...(groups.get(phrase) ?? []), c.platform]);
  }
  return [...groups].map(([phrase, platforms]) => `${platforms.join(', ')} ${phrase}`).join('; ');
}

/** The sync routes, one group per source: "crm → ops, cms, bi", or "none". */
export function syncText(f: OwnershipFact): string {
  const bySource = new Map<string, string[]>();
  for (const c of f.copies) bySource.set(c.fedFrom, [...(bySource.get(c.fedFrom) ?? []), c.platform]);
  return bySource.size ? [...bySource].map(([from, to]) => `${from} → ${to.join(', ')}`).join('; ') : 'none';
}

/** The fact in short phrases, for the side-by-side view of a move. */
export function factView(f: OwnershipFact): FactView {
  return { authority: f.authority.platform, copies: copiesGrouped(f), sync: syncText(f), correction: correctionText(f.correction), governedBy: f.governedBy };
}

/** Where to correct a value: "crm: edit the campaign name (#marketing-ops)". */
export function correctionText(c: OwnershipCorrection | undefined): string {
  if (!c) return 'no correction path';
  const extra = [c.contact, c.runbook].filter((x): x is string => !!x);
  return `${c.platform}: ${c.how}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** Propagation and lag: "one-way, max lag 5m", "derived". */
export function propagationText(f: Pick<OwnershipFact, 'propagation' | 'maxLag'>): string {
  return `${PROPAGATION[f.propagation] ?? f.propagation}${f.maxLag ? `, max lag ${f.maxLag}` : ''}`;
}

/** "authority_wins" -> "authority wins". */
export function divergenceText(d: string): string {
  return d.replace(/_/g, ' ');
}

/** What people may do on a copy, as the sentence a reviewer reads when it changes. */
export function editsChangeSentence(fact: string, before: OwnershipCopy, after: OwnershipCopy): string {
  if (after.edits === 'local_override') {
    const why = `reason ${after.reason ? `"${after.reason}"` : '(none given)'}`;
    const until = after.expires ? `until ${after.expires}` : 'with no expiry';
    const verb = before.edits === 'local_override' ? 'may still edit' : 'may now edit';
    const protection = before.protected && !after.protected ? `; ${after.platform} stops refusing their edits` : '';
    return `people ${verb} ${fact} on ${after.platform}, ${why}, ${until}${protection}`;
  }
  if (before.edits === 'local_override') {
    return `people may no longer edit ${fact} on ${after.platform}: it becomes ${editsText(after.edits)}, and only the sync writes it`;
  }
  return `the copy of ${fact} on ${after.platform} becomes ${editsText(after.edits)} (was ${editsText(before.edits)})`;
}

/** Whole days from `today` to `date` (both YYYY-MM-DD); negative when past. */
export function daysUntil(date: string, today: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** Today as YYYY-MM-DD (UTC), or AUTHORITY_TODAY when set (as the rule pack reads it). */
export function todayIso(env: NodeJS.ProcessEnv = process.env): string {
  const pinned = env.AUTHORITY_TODAY;
  if (pinned) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned) || Number.isNaN(Date.parse(pinned))) {
      throw new Error(`AUTHORITY_TODAY is "${pinned}"; set it to a date as YYYY-MM-DD, or unset it.`);
    }
    return pinned;
  }
  return new Date().toISOString().slice(0, 10);
}
