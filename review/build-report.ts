/** Builds the ownership report from saved plans: their digests, the ownership diff, the other changes. */
import { fileDigest, planDigestOf } from './digest';
import { DomainPlan, ownershipChanges, resourceSummary } from './ownership-diff';
import { ownershipSides, parsePlanJson } from './plan-json';
import type { OwnershipReport, ReviewedPlan } from './report';

/** The report's format version (OwnershipReport.formatVersion). */
export const REPORT_FORMAT_VERSION = '1';

/** One domain's saved plan as the report reads it. */
export interface PlanInput {
  readonly domain: string;
  /** The plan file as the report names it (relative to the project). */
  readonly planFile: string;
  /** The plan file's bytes. */
  readonly bytes: Buffer | string;
  /** `terraform show -json` of it. */
  readonly json: string;
}

/** The report for `plans` (sorted by domain here), with expiries judged against `today` (YYYY-MM-DD). */
export function buildReport(plans: readonly PlanInput[], today: string): OwnershipReport {
  const sorted = [...plans].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const read: DomainPlan[] = sorted.map((p) => {
    const plan = parsePlanJson(p.domain, p.json);
    return { domain: p.domain, plan, sides: ownershipSides(p.domain, plan) };
  });
  const reviewed: ReviewedPlan[] = sorted.map((p, i) => {
    const { plan, sides } = read[i];
    const { otherChanges, destroys } = resourceSummary(plan);
    const resources = (plan.resource_changes ?? []).some((r) => !r.change.actions.every((a) => a === 'no-op' || a === 'read'));
    const outputs = Object.values(plan.output_changes ?? {}).some((o) => !o.actions.every((a) => a === 'no-op'));
    const team = sides.after?.governedBy ?? sides.before?.governedBy;
    return {
      domain: p.domain,
      planFile: p.planFile,
      digest: fileDigest(p.bytes),
      otherChanges,
      destroys,
      ...(team ? { governedBy: team } : {}),
      ...(sides.after ? { facts: sides.after.facts.length } : {}),
      hasChanges: resources || outputs || (plan.resource_drift ?? []).length > 0,
    };
  });
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    planDigest: planDigestOf(reviewed),
    plans: reviewed,
    changes: ownershipChanges(read, today),
    today,
  };
}
