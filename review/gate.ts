/**
 * The approval gate: every ownership change needs the approval of each of its approvers (teams).
 * Levels as Sentinel names them: advisory (reports what is missing, never fails), soft (fails
 * unless a named person overrides with a reason, recorded in an append-only log), hard (fails).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shortDigest } from './digest';
import type { TeamDirectory } from './approvals-teams';
import type { OwnershipChange, OwnershipReport } from './report';

export const GATE_LEVELS = ['advisory', 'soft', 'hard'] as const;
export type GateLevel = typeof GATE_LEVELS[number];

/** One change and the teams whose approval it still lacks. */
export interface MissingApproval {
  readonly change: OwnershipChange;
  readonly teams: readonly string[];
}

/** Who overrides a soft gate, why, and the log that records it. */
export interface GateOverride {
  readonly by: string;
  readonly reason: string;
  /** The append-only JSON lines file the override is recorded in. */
  readonly log: string;
}

/** One line of the override log. */
export interface OverrideRecord {
  readonly at: string;
  readonly planDigest: string;
  readonly level: GateLevel;
  readonly overriddenBy: string;
  readonly reason: string;
  readonly missing: readonly { readonly change: string; readonly domain: string; readonly fact: string; readonly teams: readonly string[] }[];
}

export interface GateOutcome {
  readonly passed: boolean;
  /** What the command prints, line by line. */
  readonly lines: readonly string[];
  /** Set when a soft gate was overridden (and the record appended to the log). */
  readonly override?: OverrideRecord;
}

/** The changes that lack approvals, in report order. */
export function missingApprovals(report: OwnershipReport, approved: ReadonlySet<string>): MissingApproval[] {
  return report.changes
    .map((change) => ({ change, teams: [...new Set(change.approvers)].filter((t) => !approved.has(t)) }))
    .filter((m) => m.teams.length > 0);
}

/** The lines that say which approvals are missing for which facts. */
export function missingLines(missing: readonly MissingApproval[], teams: TeamDirectory): string[] {
  return missing.flatMap(({ change, teams: lacking }) => [
    `  ${change.domain}  ${change.fact}  ${change.summary}`,
    `      missing approval of ${lacking.map((t) => teams.shown(t)).join(' and ')}`,
  ]);
}

/** Decides the gate at `level`; a soft override is appended to its log before this returns. */
export function decideGate(
  report: OwnershipReport, missing: readonly MissingApproval[], level: GateLevel, teams: TeamDirectory,
  override?: GateOverride, now: Date = new Date(),
): GateOutcome {
  const digest = shortDigest(report.planDigest);
  if (missing.length === 0) {
    const n = report.changes.length;
    return { passed: true, lines: [`authority gate (${level}): ${n === 0 ? 'no ownership changes to approve' : `all ${n} ownership change(s) approved`} (plan digest ${digest}).`] };
  }
  const head = `authority gate (${level}): ${missing.length} of ${report.changes.length} ownership change(s) lack approval (plan digest ${digest}):`;
  const body = missingLines(missing, teams);
  if (level === 'advisory') {
    return { passed: true, lines: [head, ...body, 'Advisory: reported only, the gate does not fail.'] };
  }
  if (level === 'hard') {
    const tail = override ? 'Hard-mandatory: no override; get the approvals above.' : 'Get the approvals above, then run the gate again.';
    return { passed: false, lines: [head, ...body, tail] };
  }
  if (!override) {
    return { passed: false, lines: [head, ...body, 'Get the approvals above, or override (soft-mandatory) with --override-by NAME --override-reason TEXT.'] };
  }
  const record: OverrideRecord = {
    at: now.toISOString(),
    planDigest: report.planDigest,
    level,
    overriddenBy: override.by,
    reason: override.reason,
    missing: missing.map((m) => ({ change: m.change.id, domain: m.change.domain, fact: m.change.fact, teams: m.teams })),
  };
  appendOverride(override.log, record);
  return {
    passed: true,
    override: record,
    lines: [head, ...body, `Overridden by ${override.by}: "${override.reason}". Recorded in ${override.log}.`],
  };
}

/** Appends one record to the override log (JSON lines; never rewritten). */
export function appendOverride(log: string, record: OverrideRecord): void {
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.appendFileSync(log, JSON.stringify(record) + '\n', { flag: 'a' });
}
