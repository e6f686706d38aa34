/**
 * A platform adapter: how one kind of connected system protects a copied field and reads that
 * protection back, and how values flow from an authority to a copy (a sync route). Resources
 * speak these interfaces and nothing of a kind; each kind is a folder beside this file (kind.ts).
 */
import { Diagnostic } from '../framework';
import { DIVERGENCE_RULES, DivergenceRule } from '../../constructs/src/contract';

/** Where a field lives on a platform: a table (or collection, object) in a schema (or namespace). */
export interface FieldLocation {
  readonly namespace: string;
  readonly container: string;
}

/** A copy's write-protection, as declared or as read back from the platform. */
export interface FieldProtection {
  readonly location: FieldLocation;
  /** What tells two protections on one table apart (the policy's name): names the mechanism. */
  readonly key: string;
  /** The authoritative platform's name. */
  readonly authority: string;
  readonly fields: string[];
  /** The only principal (role, user, integration) allowed to write the fields: the sync. */
  readonly syncPrincipal: string;
  /** Where and how a person corrects the value; shown in the platform's own refusal. */
  readonly correctionHint: string;
  /** The business fact the fields hold, e.g. "campaign.name", kept with the protection. */
  readonly fact?: string;
  /** People may override the fields here (recorded, kept from the sync, reverted at expiry) instead of being refused. */
  readonly override?: LocalOverride;
}

/** A copy people may override locally (Copy.localOverride). */
export interface LocalOverride {
  /** Why, as the policy says: recorded with every override. */
  readonly reason: string;
  /** When the override ends, an ISO timestamp; undefined: never. */
  readonly expiresAt?: string;
}

/** A value people overrode on a copy, as the platform recorded it. */
export interface OverriddenValue {
  /** The record's key, as JSON (e.g. {"id": 1}). */
  readonly record: string;
  readonly field: string;
  /** The overriding value and the authority's latest, as JSON. */
  readonly value: string | null;
  readonly authorityValue: string | null;
  /** Who overrode it (the login, and the role it acted as when another). */
  readonly by: string;
  /** When (ISO timestamp), and how long ago, in seconds. */
  readonly at: string;
  readonly ageSeconds: number;
  /** The override has expired and the value waits for its revert (the next write, sync or apply). */
  readonly expired: boolean;
}

export interface ProtectionReadBack extends FieldProtection {
  /** False when the protection exists but someone disabled or altered it by hand. */
  readonly enforced: boolean;
  /** The platform's own name for the mechanism (a trigger, a permission set ...). */
  readonly mechanism: string;
  /** The values overridden now, for a local override. */
  readonly overridden?: OverriddenValue[];
}

export interface PlatformAdapter {
  /** The platform's name in the provider configuration. */
  readonly name: string;
  /** Its kind's name (the configuration block it was declared with, e.g. "postgresql"). */
  readonly kind: string;
  /** Problems with a declared protection (missing table, column, principal), as diagnostics. */
  checkProtection(p: FieldProtection): Promise<Diagnostic[]>;
  /** What the platform has now, or null when there is no protection with this key there. */
  readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null>;
  /**
   * Creates or replaces the protection in one step: nothing half-applied on failure. Plan's
   * refusals are checked again inside that step, serialized with other installs on the same
   * table; `admit` says whether the protection found under this key, if any, may be replaced.
   */
  applyProtection(p: FieldProtection, admit?: (found: ProtectionReadBack | null) => Diagnostic | undefined): Promise<void>;
  /** Removes the protection and everything it added, leaving the platform as it was before. */
  removeProtection(location: FieldLocation, key: string): Promise<void>;
  /** The platform is the fact's authority: nothing guarded, but it may record that it holds the fact. @default removeProtection */
  releaseProtection?(p: FieldProtection): Promise<void>;
  /** Whether what the platform shows people about the protection (a field's note or comment) is as applied. @default true */
  hintShown?(found: ProtectionReadBack): Promise<boolean>;
  /** The platform's name for the mechanism that carries the protection with this key (a local override's, with `override`). */
  mechanismName(location: FieldLocation, key: string, override?: boolean): string;
  /** What to do about an error the platform raised, when the adapter knows better than the message. */
  adviceFor?(e: unknown): string | undefined;
  close(): Promise<void>;
}

/** What wins when a copy's value differs from the authority's (the policy's divergence rule). */
export type Divergence = DivergenceRule;

export { DIVERGENCE_RULES };

/** Whether a route with this rule replaces the copy's diverged values as it starts. */
export function settlesAtStart(rule: Divergence): boolean {
  return rule === 'authority_wins' || rule === 'authority_unless_blank';
}

/** A copy's rows against the authority's, in the governed columns. */
export interface Comparison {
  /** Rows both hold whose governed values differ (for authority_unless_blank: where the authority's is not blank). */
  readonly differing: number;
  /** Rows the authority holds and the copy does not. */
  readonly missing: number;
}

/** Which route: values of one table flow from the authority to the same table on a copy. */
export interface SyncRouteIdentity {
  /** The authoritative platform's name (it publishes). */
  readonly authority: string;
  /** The copy's platform name (it receives). */
  readonly copy: string;
  /** The same place on both platforms: the sync maps by name. */
  readonly location: FieldLocation;
  /** What tells routes of one table and pair apart (the policy); "" or absent for a table's only route. */
  readonly key?: string;
  /** Where the copy keeps the records under other names; absent when it keeps them under the authority's. */
  readonly mapping?: RouteMapping;
}

/**
 * A mapped route's delivery on the copy: the copy's table, its column for each of the route's
 * fields (same order), the column holding the authority's record key, and what to do with
 * records the copy has no row for.
 */
export interface RouteMapping {
  readonly location: FieldLocation;
  /** The route's fields on the authority (the route's `fields`, as declared), in order. */
  readonly sourceFields: string[];
  /** The copy's column for each of sourceFields. */
  readonly fields: string[];
  readonly keyField: string;
  /** The authority's column the copy's key column holds, as declared; it must be the authority table's one-column key. @default that key */
  readonly recordKeyField?: string;
  readonly missingRows: 'report' | 'create';
}

/** A sync route as declared. */
export interface SyncRoute extends SyncRouteIdentity {
  /** The governed fields; the record key always travels with them. */
  readonly fields: string[];
  /** The route is one half of a declared two-way split: the other half runs from the copy back. */
  readonly twoWay: boolean;
  /** What wins when the copy's value differs: authority_wins settles diverged values as the route starts. */
  readonly divergence: Divergence;
  /** The key this route had before (changed in place): its membership moves to `key`. */
  readonly replacesKey?: string;
  /** The route runs the other way now and is being reversed in place (an ownership transfer): it is not its own reverse. */
  readonly reversesInPlace?: boolean;
  /**
   * Settle the copy's diverged values by `divergence` even though the route is not starting: it
   * was found altered (e.g. the copy's protection was off, so people may have edited the copy).
   */
  readonly resettle?: boolean;
  /** Terraform creates the route now: an entry already under its key was made by another declaration (or an apply cut short). */
  readonly creates?: boolean;
}

/** A sync route as read back from both platforms. */
export interface SyncRouteReadBack {
  /** Every field the authority sends for the table, key included, as found (in table order). */
  readonly fields: string[];
  /** The record key, as the authority defines it now. */
  readonly keyFields: string[];
  /** False when any part of the route was disabled, dropped or altered by hand. */
  readonly enabled: boolean;
  /** The copy keeps its own value where the authority's is blank (divergence authority_unless_blank). */
  readonly keepsAgainstBlank: boolean;
  /** Another route of the table keeps the copy's values against blank ones: the copy's guard is there for it. */
  readonly othersKeepAgainstBlank: boolean;
  /** The route's divergence rule as the platforms record it, when they do. */
  readonly divergence?: Divergence;
  /** A route from the copy back to the authority on the same table exists. */
  readonly reverseRoute: boolean;
  /**
   * A protection of the route's columns on the copy, for this authority, is disabled or altered:
   * people could edit the copy while it was, so the values there may have diverged.
   */
  readonly copyUnguarded: boolean;
  /** divergence manual_review: the copy holds the route's conflicting values for review (its mechanism is intact). Undefined: the kind cannot say. */
  readonly heldForReview?: boolean;
  /** The route's review queue on the copy, when there is one. */
  readonly review?: ReviewQueueState;
  /** divergence newest_wins: the copy orders local overrides and the route's changes by time (its mechanism is intact). Undefined: the kind cannot say. */
  readonly ordersByArrival?: boolean;
  /** The mapping found on the copy, for a route read without one (imported): it receives under other names. */
  readonly mapping?: RouteMapping;
}

/** A route's review queue (divergence manual_review), as plan reports it. */
export interface ReviewQueueState {
  /** The queue's name on the copy, e.g. a table. */
  readonly table: string;
  /** Conflicts waiting for a person. */
  readonly open: number;
  /** Resolved to the authority's value, waiting for the sync (or the next apply) to write it. */
  readonly resolving: number;
  /** The oldest open conflict's age, in seconds. */
  readonly oldestSeconds?: number;
}

/** How a route runs now, as the platforms report it: for plan-time warnings, never for drift. */
export interface RouteHealth {
  /** The copy's receiver is switched on. */
  readonly enabled: boolean;
  /** The copy's receiver is connected to the authority and streaming. */
  readonly connected: boolean;
  /** The receiver failed again while the provider watched it: it keeps failing on a change. */
  readonly failing: boolean;
  /** Changes the copy failed to apply, counted since its statistics were last reset. */
  readonly applyErrors: number;
  /** The receiver connects with the authority's address and credentials of this configuration. */
  readonly connectionCurrent: boolean;
  /** How long the copy took to apply the latest changes, in seconds, when connected (0 when caught up). */
  readonly lagSeconds?: number;
}

/**
 * The platforms' own names for the parts of a route (the sender's and the receiver's), by the
 * computed attribute that shows each: a kind's words stay in its folder, the resource copies them.
 */
export type PlatformNames = Readonly<Record<string, string>>;

/** One pair of platforms that can carry sync routes: the authority sends, the copy receives. */
export interface SyncRouter {
  /** The platforms' names for the route's parts, shared by every route of the pair. */
  platformNames(route: SyncRouteIdentity): PlatformNames;
  /** Problems with a declared route on either platform, as diagnostics; and the record key when known. */
  checkRoute(route: SyncRoute): Promise<{ diagnostics: Diagnostic[]; keyFields?: string[] }>;
  /** What both platforms have now, or null when neither part of the route exists. */
  readRoute(route: SyncRouteIdentity): Promise<SyncRouteReadBack | null>;
  /** Creates or repairs every part of the route; each step converges from any partial state. Returns the key. */
  applyRoute(route: SyncRoute): Promise<{ key: string[]; settled?: Comparison; queued?: number; resolved?: number }>;
  /** How many of the copy's rows differ from the authority's in the governed columns, and how many it lacks. */
  compareRoute(route: SyncRoute): Promise<Comparison | undefined>;
  /** Removes every part of the route and nothing else; converges when parts are already gone. */
  removeRoute(route: SyncRouteIdentity): Promise<void>;
  /**
   * How the route runs now; undefined when it does not exist. Without `watch`, only what the
   * catalogs say at once (enabled, connection settings), not whether it streams.
   */
  health(route: SyncRouteIdentity, watch?: boolean): Promise<RouteHealth | undefined>;
  /** divergence manual_review: the route's review queue on the copy, when the kind keeps one. */
  reviewQueue?(route: SyncRoute): Promise<ReviewQueueState | undefined>;
  /** Of a mapped route, how many of the authority's records the copy has no row for (undefined when unknown). */
  unmatchedRows?(route: SyncRouteIdentity): Promise<number | undefined>;
}

/** Whether two lists hold the same names, in any order. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}
