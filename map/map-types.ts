/**
 * The authority map's shape: every governed fact of an organization with the four answers an
 * operator needs (where it originates, where it is safe to correct, what is merely a copy or
 * projection, what happens when values diverge). `npx authority map` writes it as JSON
 * (schemas/authority-map.schema.json), `explain` and the MCP server answer from it, and the
 * catalog page renders it. Built by map/build.ts from Ownership.ofApp (constructs/src/ownership.ts).
 */

/** The shape's version; a reader refuses a major version it does not know. */
export const AUTHORITY_MAP_FORMAT_VERSION = 1;

export interface AuthorityMap {
  /** AUTHORITY_MAP_FORMAT_VERSION. */
  readonly formatVersion: number;
  /** Which organization this maps, e.g. "policies/". */
  readonly organization: string;
  readonly domains: MapDomain[];
  /** Every platform any fact lives on, by name. */
  readonly platforms: MapPlatform[];
  /** Every governed fact, in domain then declaration order. */
  readonly facts: MapFact[];
  /**
   * Where each fact lives, keyed by platform location in both spellings:
   * "ops:campaigns.name" (schema left out when it is "public") and "ops:public.campaigns.name".
   */
  readonly locations: Record<string, MapLocation>;
}

/** A business domain: one stack, one governing team. */
export interface MapDomain {
  /** The domain's id (its stack's name), e.g. "campaigns". */
  readonly id: string;
  readonly governedBy: string;
  /** @default none */
  readonly description?: string;
  /** Ids of the domain's facts. */
  readonly facts: string[];
  /** Names of the platforms the domain's facts live on. */
  readonly platforms: string[];
}

/** A connected system. */
export interface MapPlatform {
  /** The platform's name, e.g. "crm". */
  readonly id: string;
  /** e.g. "the CRM". */
  readonly title: string;
  /** PlatformKind, e.g. "crm", "internal_tool", "bi". */
  readonly kind: string;
  /** "operational" (may own facts) or "consumer" (reporting and export layers). */
  readonly role: string;
  /** The provider's connection kind ("postgresql", "directus"). @default not connected where the map was built */
  readonly connection?: string;
  /** Ids of the facts this platform is the authority for. */
  readonly authorityFor: string[];
  /** Ids of the facts this platform holds a copy of. */
  readonly copyOf: string[];
}

/** Where a fact lives on one platform, as the index of the map names it. */
export interface MapLocation {
  /** The fact's id. */
  readonly fact: string;
  readonly platform: string;
  /** "authority": the value is decided here; "copy": it is a copy or projection. */
  readonly role: 'authority' | 'copy';
  /** The canonical location, "ops:public.campaigns.name". */
  readonly location: string;
}

/** What people may do to a copy, and what it is. */
export interface MapCopy {
  readonly platform: string;
  /** e.g. "ops:public.campaigns.name". @default not located there */
  readonly location?: string;
  /** "read_only", "local_override" or "enrich_only". */
  readonly edits: string;
  /** Whether people may change the fact's value there (a local override). */
  readonly mayEdit: boolean;
  /** "projection" on an operational platform; "consumer" on a reporting or export layer. */
  readonly nature: 'projection' | 'consumer';
  /** The platform values come from (the authority, or the copy's declared feed). */
  readonly fedFrom: string;
  /** Whether the platform refuses people's edits of the copy. */
  readonly protected: boolean;
  /**
   * How strongly the platform holds what this copy allows: "enforced" (the platform refuses or
   * records every writer but the sync), "advisory" (its UI only) or "manual" (a person keeps to it).
   * @default unknown: the platform is not connected where the map was built
   */
  readonly strength?: string;
  /** The weakest strength the policy accepts ("enforced", "advisory" or "manual": any). */
  readonly requiredStrength: string;
  /** Why local edits are allowed. @default none */
  readonly reason?: string;
  /** YYYY-MM-DD after which the local override ends. @default no expiry */
  readonly expires?: string;
  /** What people may do there, in words. */
  readonly says: string;
}

/** One business fact and the four answers about it. */
export interface MapFact {
  /** "concept.field", e.g. "campaign.name". */
  readonly id: string;
  readonly concept: string;
  readonly field: string;
  /** The domain's id. */
  readonly domain: string;
  /** The concept's description. @default none */
  readonly description?: string;
  /** The construct path of the policy that decides it. */
  readonly policy: string;
  readonly answers: FactAnswers;
}

/** The four questions, each answered as data and in words (`says`). */
export interface FactAnswers {
  /** Where does this fact originate, and who decides it? */
  readonly origin: OriginAnswer;
  /** Where is it safe to correct? */
  readonly correction: CorrectionAnswer;
  /** What is merely a copy or projection? */
  readonly copies: CopiesAnswer;
  /** What happens when values diverge? */
  readonly divergence: DivergenceAnswer;
}

export interface OriginAnswer {
  /** The platform where the data is created. @default the authority (not declared apart) */
  readonly origin?: string;
  /** The platform the workflow trusts for the fact. */
  readonly authority: string;
  /** e.g. "crm:public.campaigns.name". @default not located there */
  readonly authorityLocation?: string;
  /** The team that governs the fact. */
  readonly governedBy: string;
  readonly says: string;
}

export interface CorrectionAnswer {
  /** The platform where a wrong value is corrected. */
  readonly platform: string;
  /** e.g. "crm:public.campaigns.name". @default not located there */
  readonly location?: string;
  /** @default "edit it there" (not declared) */
  readonly how?: string;
  /** @default none */
  readonly runbook?: string;
  /** @default none */
  readonly contact?: string;
  /** The sentence a person reads where a copy refuses their edit. */
  readonly hint: string;
  readonly says: string;
}

export interface CopiesAnswer {
  readonly copies: MapCopy[];
  readonly says: string;
}

export interface DivergenceAnswer {
  /** "one_way", "two_way", "derived" or "report_only". */
  readonly propagation: string;
  /** Which way values flow, e.g. "crm -> ops, cms, bi". */
  readonly direction: string;
  /** How far a copy may lag, e.g. "5m". @default no bound */
  readonly maxLag?: string;
  /** "authority_wins", "authority_unless_blank", "newest_wins" or "manual_review". */
  readonly rule: string;
  readonly says: string;
}
