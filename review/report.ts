/**
 * The ownership report: what one review of a change set says (`authority review`) and what the
 * gate checks (`authority gate`). The JSON form is this shape; schemas/ownership-report.schema.json
 * describes it for other tools. Only the review command builds it; the gate only reads it.
 */

/** What happened to a fact's ownership. */
export type ChangeKind =
  | 'authority-moved'        // the fact's authority is another platform
  | 'fact-added'             // a newly governed fact
  | 'fact-removed'           // a fact no longer governed
  | 'copy-added'
  | 'copy-removed'
  | 'copy-edits-changed'     // what people may do on a copy (read-only -> local override ...)
  | 'protection-stopped'     // a copy's protection is removed
  | 'protection-drifted'     // a protection was undone on the platform (someone disabled a guard)
  | 'route-started'
  | 'route-stopped'
  | 'route-reversed'
  | 'route-resourced'        // values come from another platform
  | 'divergence-changed'
  | 'max-lag-changed'
  | 'correction-changed'     // where and how to correct a value
  | 'governance-changed'     // the governing team
  | 'override-expiring';     // a local override reaches its expiry soon (or has)

/** One change of ownership, for one fact. */
export interface OwnershipChange {
  /** Stable within a report: `${domain}/${fact}/${kind}[/${platform}]`. */
  readonly id: string;
  /** The domain (stack) the change is planned in. */
  readonly domain: string;
  /** The business fact, "concept.field". */
  readonly fact: string;
  readonly kind: ChangeKind;
  /** One sentence a reviewer reads, e.g. "authority moves from crm to cms". */
  readonly summary: string;
  /** The value before, as shown (platform, edits, lag ...). */
  readonly before?: string;
  /** The value after, as shown. */
  readonly after?: string;
  /** The teams whose approval the change needs (the domain's team; both teams for a move across teams). */
  readonly approvers: readonly string[];
  /** The platform the change is about (a copy, route or protection), when it is about one. @default the whole fact */
  readonly platform?: string;
  /** Where a wrong value of the fact is corrected, after the change (before, for a removed fact). @default none declared */
  readonly correction?: string;
  /** Where it was corrected before, when that differs. @default unchanged */
  readonly correctionBefore?: string;
  /**
   * The fact before and after, side by side, for an authority move: what a reviewer compares.
   * @default none (only `authority-moved` changes carry it)
   */
  readonly sides?: { readonly before: FactView; readonly after: FactView };
}

/** A fact's ownership in short phrases, as the review shows it side by side. */
export interface FactView {
  /** The authority's platform. */
  readonly authority: string;
  /** "ops, bi read-only; cms local override (...)" or "no copies". */
  readonly copies: string;
  /** The sync routes: "crm → ops, bi" (one group per source), or "none". */
  readonly sync: string;
  /** "crm: edit the campaign name (#marketing-ops)", or "no correction path". */
  readonly correction: string;
  readonly governedBy: string;
}

/** One domain's saved plan. */
export interface ReviewedPlan {
  readonly domain: string;
  /** The saved plan file, relative to the project. */
  readonly planFile: string;
  /** sha256 (hex) of the plan file's bytes. */
  readonly digest: string;
  /** Resource changes that are not about ownership (count). */
  readonly otherChanges: number;
  /** Addresses of resources the plan destroys (including replacements). */
  readonly destroys: readonly string[];
  /** The domain's governing team. @default unknown (the plan has no ownership output) */
  readonly governedBy?: string;
  /** Governed facts after the change. @default unknown */
  readonly facts?: number;
  /** Whether the plan changes anything at all (resources or the ownership output). @default unknown */
  readonly hasChanges?: boolean;
}

/** What `authority review --format json` writes. */
export interface OwnershipReport {
  /** "1"; a reader refuses a major version it does not know. */
  readonly formatVersion: string;
  /**
   * sha256 over the domains' plan digests, in domain order: what approvals are bound to. Exactly:
   * the sha256 (hex) of the lines `<domain> <digest>\n` of `plans`, in the order of `plans`
   * (sorted by domain name); review/digest.ts `planDigestOf` computes it.
   */
  readonly planDigest: string;
  readonly plans: readonly ReviewedPlan[];
  readonly changes: readonly OwnershipChange[];
  /** The date (YYYY-MM-DD) local-override expiries were judged against. @default not recorded */
  readonly today?: string;
}
