/**
 * The parts of Terraform's machine-readable plan (`terraform show -json <planfile>`) the review
 * reads: the ownership output before and after, the authority resources' changes, and the drift
 * found since the last apply. Values only: never the warnings of the human plan.
 */
import type { DomainOwnership } from '../constructs/src/ownership';
import { unpackOwnership } from '../constructs/src/ownership-output';

/** The plan-format major version this reader knows. */
export const KNOWN_PLAN_FORMAT_MAJOR = 1;
/** The ownership output's shape version this reader knows (Ownership.FORMAT_VERSION). */
export const KNOWN_OWNERSHIP_FORMAT = 1;
/** The name of the Terraform output that carries a Domain's ownership facts (Ownership.OUTPUT_NAME). */
export const OWNERSHIP_OUTPUT = 'authority_ownership';

export type PlanAction = 'no-op' | 'create' | 'read' | 'update' | 'delete';

export interface PlanResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode?: string;
  readonly type: string;
  readonly name?: string;
  readonly change: {
    readonly actions: readonly PlanAction[];
    readonly before?: Record<string, unknown> | null;
    readonly after?: Record<string, unknown> | null;
  };
  readonly action_reason?: string;
}

export interface PlanOutputChange {
  readonly actions: readonly PlanAction[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
}

/** The subset of `terraform show -json` this reader uses. */
export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly PlanResourceChange[];
  readonly resource_drift?: readonly PlanResourceChange[];
  readonly output_changes?: Record<string, PlanOutputChange>;
}

/** A plan this reader cannot read: the message says what and what to do. */
export class PlanFormatError extends Error {}

/**
 * Parses `terraform show -json` output of one domain's plan and checks its format version: a
 * major version other than 1 is refused (its meaning may have changed), a newer minor is read.
 */
export function parsePlanJson(domain: string, text: string): PlanJson {
  let plan: PlanJson;
  try {
    plan = JSON.parse(text);
  } catch (e) {
    throw new PlanFormatError(`${domain}: the plan's JSON (terraform show -json) does not parse: ${(e as Error).message}`);
  }
  checkPlanFormat(domain, plan);
  return plan;
}

export function checkPlanFormat(domain: string, plan: PlanJson): void {
  const version = typeof plan?.format_version === 'string' ? plan.format_version : undefined;
  const major = version ? Number(version.split('.')[0]) : NaN;
  if (major !== KNOWN_PLAN_FORMAT_MAJOR) {
    throw new PlanFormatError(
      `${domain}: the plan's format_version is ${version === undefined ? 'missing' : `"${version}"`}; this review reads ` +
      `format ${KNOWN_PLAN_FORMAT_MAJOR}.x (terraform show -json of Terraform 1.x). Plan with a Terraform 1.x, or update authority.`);
  }
}

/** A domain's ownership facts before and after the plan (undefined where the stack had or will have none). */
export interface OwnershipSides {
  readonly before?: DomainOwnership;
  readonly after?: DomainOwnership;
}

/** Reads the ownership output's values out of a plan. */
export function ownershipSides(domain: string, plan: PlanJson): OwnershipSides {
  const change = plan.output_changes?.[OWNERSHIP_OUTPUT];
  if (!change) return {};
  if (isUnknown(change.after_unknown)) {
    throw new PlanFormatError(`${domain}: the ${OWNERSHIP_OUTPUT} output is unknown until apply; it must be computed at synth.`);
  }
  return { before: ownershipValue(domain, 'before', change.before), after: ownershipValue(domain, 'after', change.after) };
}

function isUnknown(v: unknown): boolean {
  return v === true;
}

function ownershipValue(domain: string, side: string, value: unknown): DomainOwnership | undefined {
  if (value === null || value === undefined) return undefined;
  let parsed: DomainOwnership;
  try {
    parsed = typeof value === 'string' ? JSON.parse(unpackOwnership(value)) : (value as DomainOwnership);
  } catch (e) {
    throw new PlanFormatError(`${domain}: the ${OWNERSHIP_OUTPUT} output (${side}) is not ownership JSON: ${(e as Error).message}.`);
  }
  if (parsed?.formatVersion !== KNOWN_OWNERSHIP_FORMAT || !Array.isArray(parsed.facts)) {
    throw new PlanFormatError(
      `${domain}: the ${OWNERSHIP_OUTPUT} output (${side}) has formatVersion ${JSON.stringify(parsed?.formatVersion)}; this review ` +
      `reads ${KNOWN_OWNERSHIP_FORMAT}. Synthesize and plan with the same authority version as this command.`);
  }
  return parsed;
}

/** The kinds of change terraform plans for one resource, in words. */
export type ResourceChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'no-op' | 'read';

export function changeKindOf(actions: readonly PlanAction[]): ResourceChangeKind {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.length === 1) return actions[0];
  return 'update';
}
