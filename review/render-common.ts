/** What every rendering of the report shares: labels, grouping by domain and fact, the headline. */
import type { ChangeKind, OwnershipChange, OwnershipReport, ReviewedPlan } from './report';

/** How a kind reads in a table. */
export const KIND_LABEL: Record<ChangeKind, string> = {
  'authority-moved': 'authority moved',
  'fact-added': 'fact added',
  'fact-removed': 'fact removed',
  'copy-added': 'copy added',
  'copy-removed': 'copy removed',
  'copy-edits-changed': 'copy edits changed',
  'protection-stopped': 'protection stopped',
  'protection-drifted': 'protection drifted',
  'route-started': 'route started',
  'route-stopped': 'route stopped',
  'route-reversed': 'route reversed',
  'route-resourced': 'route re-sourced',
  'divergence-changed': 'divergence changed',
  'max-lag-changed': 'propagation changed',
  'correction-changed': 'correction path changed',
  'governance-changed': 'governance changed',
  'override-expiring': 'override expiring',
};

/** Kinds that need a reviewer's eye first: they change who may edit what, or found it undone. */
export const ATTENTION: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'authority-moved', 'copy-edits-changed', 'protection-stopped', 'protection-drifted', 'fact-removed', 'override-expiring',
]);

export interface FactGroup {
  readonly fact: string;
  readonly changes: readonly OwnershipChange[];
  /** The correction path after the change (and before, when it moved). */
  readonly correction?: string;
  readonly correctionBefore?: string;
}

export interface DomainGroup {
  readonly plan: ReviewedPlan;
  readonly facts: readonly FactGroup[];
}

/** The report's changes by domain (in the report's order) and fact (in order of first change). */
export function groupByDomain(report: OwnershipReport): DomainGroup[] {
  return report.plans.map((plan) => {
    const facts = new Map<string, OwnershipChange[]>();
    for (const c of report.changes.filter((x) => x.domain === plan.domain)) facts.set(c.fact, [...(facts.get(c.fact) ?? []), c]);
    return {
      plan,
      facts: [...facts].map(([fact, changes]) => ({
        fact,
        changes,
        correction: changes.find((c) => c.correction)?.correction,
        correctionBefore: changes.find((c) => c.correctionBefore)?.correctionBefore,
      })),
    };
  });
}

/** "2 ownership changes in 1 of 2 domains", or "No ownership changes". */
export function headline(report: OwnershipReport): string {
  const n = report.changes.length;
  if (n === 0) return `No ownership changes in ${plural(report.plans.length, 'domain')}`;
  const domains = new Set(report.changes.map((c) => c.domain)).size;
  return `${plural(n, 'ownership change')} in ${domains} of ${plural(report.plans.length, 'domain')}`;
}

/** The authority moves that carry their side-by-side view. */
export function moves(report: OwnershipReport): OwnershipChange[] {
  return report.changes.filter((c) => c.kind === 'authority-moved' && c.sides);
}

/** Every team whose approval some change needs, sorted. */
export function allApprovers(report: OwnershipReport): string[] {
  return [...new Set(report.changes.flatMap((c) => c.approvers))].sort();
}

export function allDestroys(report: OwnershipReport): { domain: string; address: string }[] {
  return report.plans.flatMap((p) => p.destroys.map((address) => ({ domain: p.domain, address })));
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The before → after cell of a change. */
export function beforeAfter(c: OwnershipChange): string {
  if (c.before !== undefined && c.after !== undefined) return `${c.before} → ${c.after}`;
  if (c.after !== undefined) return `(none) → ${c.after}`;
  if (c.before !== undefined) return `${c.before} → (none)`;
  return '';
}
