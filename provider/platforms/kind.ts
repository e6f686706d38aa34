/**
 * A platform kind: one kind of system the provider can protect copies on (PostgreSQL today). A
 * kind is one folder under provider/platforms/ that exports a PlatformKind, registered in
 * index.ts. The provider's configuration and the resources reach a kind only through this
 * interface; sync routes between two kinds are a SyncRouterPair, chosen by the pair of kinds.
 *
 * Errors: a kind's adapter throws the neutral classes of errors.ts (or subclasses of them) for an
 * unreachable platform, a refusal and something not found, and DiagnosticError for what it can
 * say better itself; resources catch those, never a kind's own classes.
 */
import { BlockSchema, Diagnostic, ObjectValue, PathStep } from '../framework';
import { PlatformAdapter, SyncRouter } from './adapter';

/** What a configured name is to the platform: a name it stores as an identifier, or a text it stores as a value. */
export type NameKind = 'identifier' | 'text';

/** Why the platform cannot hold a configured name, for a diagnostic on the attribute that holds it. */
export interface NameProblem {
  readonly summary: string;
  readonly detail?: string;
}

/** What parsing one platform's block gives: its adapter, or diagnostics naming the attribute at fault. */
export interface KindConfiguration {
  readonly adapter?: PlatformAdapter;
  readonly diagnostics: Diagnostic[];
}

export interface PlatformKind {
  /** The kind's name: also its block's name inside `platform { name = "..." <name> { ... } }`. */
  readonly name: string;
  /** The block's schema: its attributes are the kind's connection settings. */
  readonly block: BlockSchema;
  /** An example of the block, for a platform that declares none. */
  readonly example: string;
  /**
   * Parses and checks the settings of platform `platform`; `at` is the block's path, so a
   * diagnostic names e.g. ["platform", 0, "postgresql", 0, "port"]. Secrets are read here.
   */
  configure(platform: string, settings: ObjectValue, at: PathStep[]): KindConfiguration;
  /**
   * Whether the platform can hold `value` as the configured `label` (e.g. "table"), undefined
   * when it can. `wouldInstead` says what the resource would do with a name the platform alters
   * ("protect something else").
   */
  checkName(what: NameKind, label: string, value: string, wouldInstead: string): NameProblem | undefined;
  /** Ends at once what the kind's sessions still run (terraform is gone); resolves within `withinMs`. */
  abandon?(withinMs: number): Promise<void>;
}

/** Sync routes from platforms of kind `sender` (the authority) to platforms of kind `receiver` (the copy). */
export interface SyncRouterPair {
  readonly sender: string;
  readonly receiver: string;
  /** The router for one authority and one copy, of the kinds above. */
  route(authority: PlatformAdapter, copy: PlatformAdapter): SyncRouter;
}
