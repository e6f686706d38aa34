/**
 * Approvals as the CI system hands them over: a JSON file bound to a plan digest
 * (`{ "planDigest": "...", "approvedBy": ["Finance", "@example/marketing-ops"] }`), or a list of
 * teams or handles the CI system vouches for (the approving teams of the change under review).
 * Each entry is mapped to a team through the team directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shortDigest } from './digest';
import type { TeamDirectory } from './approvals-teams';
import { InputError } from './gate-errors';

/** What the CI system said, before it is checked against a report. */
export interface ApprovalSource {
  /** Where it came from, for messages: a file's path, "--approvals" or "--approved-by". */
  readonly from: string;
  /** The plan digest a file binds its approvals to. @default unbound: a list the CI system vouches for */
  readonly planDigest?: string;
  readonly approvedBy: readonly string[];
}

/** Approvals checked against one report: the teams that count, and why others do not. */
export interface Approvals {
  readonly teams: ReadonlySet<string>;
  /** Approvals that count for nothing, each with its reason. */
  readonly discarded: readonly string[];
  /** Sources bound to another plan digest (apply refuses these outright). */
  readonly staleSources: readonly ApprovalSource[];
}

/**
 * Reads `--approvals` (a file when it exists or ends in .json; else a comma-separated list, so
 * handles like @org/team are never taken for paths) and any `--approved-by` values.
 */
export function readApprovalSources(cwd: string, approvals: readonly string[], approvedBy: readonly string[]): ApprovalSource[] {
  const sources: ApprovalSource[] = [];
  for (const arg of approvals) {
    const file = path.resolve(cwd, arg);
    if (fs.existsSync(file) || arg.endsWith('.json')) sources.push(readApprovalFile(file));
    else sources.push({ from: '--approvals', approvedBy: splitList(arg) });
  }
  if (approvedBy.length) sources.push({ from: '--approved-by', approvedBy: approvedBy.flatMap(splitList) });
  return sources;
}

export function readApprovalFile(file: string): ApprovalSource {
  const fix = 'Write {"planDigest": "<the report\'s planDigest>", "approvedBy": ["<team or @handle>", ...]}.';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: no approvals file there. ${fix}`);
  }
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message}). ${fix}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new InputError(`${file}: expected a JSON object. ${fix}`);
  if (typeof data.planDigest !== 'string' || !data.planDigest) {
    throw new InputError(`${file}: "planDigest" is missing: approvals are bound to the plans they approve. ${fix}`);
  }
  if (!Array.isArray(data.approvedBy) || data.approvedBy.some((a: unknown) => typeof a !== 'string')) {
    throw new InputError(`${file}: "approvedBy" must be a list of team names or handles. ${fix}`);
  }
  return { from: file, planDigest: data.planDigest, approvedBy: data.approvedBy };
}

/** The teams that approved the plans of `planDigest`, and what counts for nothing. */
export function checkApprovals(sources: readonly ApprovalSource[], planDigest: string, teams: TeamDirectory): Approvals {
  const approved = new Set<string>();
  const discarded: string[] = [];
  const staleSources: ApprovalSource[] = [];
  for (const source of sources) {
    if (source.planDigest !== undefined && source.planDigest !== planDigest) {
      staleSources.push(source);
      discarded.push(staleMessage(source, planDigest));
      continue;
    }
    for (const entry of source.approvedBy) {
      const team = teams.teamOf(entry);
      if (team) approved.add(team);
      else discarded.push(`${source.from}: "${entry}" is no team in ${teams.file}; it counts for nothing (add it under "teams", or fix the name).`);
    }
  }
  return { teams: approved, discarded, staleSources };
}

export function staleMessage(source: ApprovalSource, planDigest: string): string {
  return `${source.from}: these approvals are for plan digest ${shortDigest(source.planDigest ?? '')}, ` +
    `not this report's ${shortDigest(planDigest)}: they count for nothing (the plans changed after approval; approve the current plans).`;
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
