// What the construct library writes and the provider reads: resource type names, the divergence
// rules as synthesized strings, the lag format and shared defaults. One definition for both
// sides, so a value the constructs synthesize is always one the provider accepts. Dependency-free
// (the provider imports it directly) and jsii-compatible.

/** Resource type names and the values both sides agree on. */
export class Contract {
  /** The Terraform resource that protects a copy's columns (and records the authority's own). */
  public static readonly FIELD_PROTECTION_TYPE = 'authority_field_protection';
  /** The Terraform resource that carries values from an authority to a copy. */
  public static readonly SYNC_ROUTE_TYPE = 'authority_sync_route';
  /** The provider's name in a configuration. */
  public static readonly PROVIDER_NAME = 'authority';
  /** The principal the sync writes as on a platform, unless the platform or copy says otherwise. */
  public static readonly DEFAULT_SYNC_PRINCIPAL = 'authority_sync';
  /** How far a copy may lag when a policy does not say: 15 minutes. */
  public static readonly DEFAULT_MAX_LAG_SECONDS = 900;
  /** The divergence rule when a policy does not say. */
  public static readonly DEFAULT_DIVERGENCE = 'authority_wins';
  /** What a route whose copy keeps the records under other names does with rows the copy lacks, when the model does not say. */
  public static readonly DEFAULT_MISSING_ROWS = 'report';

  /**
   * What a route may do with rows the copy lacks (`missing_rows` of authority_sync_route):
   * "report" (count them for plan) or "create" (insert them, with the authority's key in the
   * copy's key column).
   */
  public static missingRowsPolicies(): string[] {
    return [...MISSING_ROWS];
  }

  /**
   * The divergence rules, as synthesized (`divergence` of authority_sync_route): "authority_wins",
   * "authority_unless_blank", "newest_wins", "manual_review".
   */
  public static divergenceRules(): string[] {
    return [...DIVERGENCE_RULES];
  }

  /** Whether `value` is one of the divergence rules, as synthesized. */
  public static isDivergenceRule(value: string): boolean {
    return isDivergenceRule(value);
  }

  /**
   * A lag as synthesized in `max_lag`: a whole number of seconds in the largest unit that divides
   * it, e.g. 300 -> "5m", 90 -> "90s", 7200 -> "2h", 86400 -> "1d", 0 -> "0s". Throws for a
   * negative, non-finite or fractional number of seconds: the format has no fractions.
   */
  public static formatLag(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) {
      throw new Error(`A lag is a whole number of seconds, zero or more; got ${seconds}.`);
    }
    for (const [unit, size] of LAG_UNITS) {
      if (seconds !== 0 && seconds % size === 0) return `${seconds / size}${unit}`;
    }
    return `${seconds}s`;
  }

  /**
   * The seconds in a synthesized lag ("90s", "5m", "2h", "1d": digits, then one unit).
   * @returns undefined when `text` is not a lag in that format
   */
  public static parseLag(text: string): number | undefined {
    const m = /^(\d+)(s|m|h|d)$/.exec(text);
    if (!m) return undefined;
    const seconds = Number(m[1]) * LAG_UNIT_SECONDS[m[2]];
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }

  /**
   * How strongly platforms of `kind` (a PlatformConnection's providerKind) hold a protection:
   * "enforced" (the platform refuses every writer but the sync), "advisory" (only its UI says so)
   * or "manual" (a person must set it up or keep to it). `localOverride` asks about a copy people
   * may override (recorded, kept from the sync, reverted at expiry) instead of a read-only one.
   * An unknown kind is "manual": nothing the provider knows enforces anything there.
   */
  public static protectionStrength(kind: string, localOverride = false): string {
    return strengthOf(kind, localOverride);
  }

  /** The enforcement strengths, strongest first: "enforced", "advisory", "manual". */
  public static strengths(): string[] {
    return [...STRENGTHS];
  }

  private constructor() {}
}

/** The enforcement strengths, strongest first. */
export const STRENGTHS = ['enforced', 'advisory', 'manual'] as const;

/** One enforcement strength. */
export type Strength = (typeof STRENGTHS)[number];

/**
 * Each kind's strength, read-only copy first, then local override. PostgreSQL: a guard trigger
 * that stops owners and superusers too; an override trigger records, keeps and reverts. Directus:
 * its permissions bind every policy without admin access (admins bypass them; plan warns of
 * each); it has no override mechanism here, so an override there is a manual step, unless the
 * platform names its PostgreSQL storage (Copy.overrideInStorage: the database under it holds the
 * override). Tryton: its field access rules refuse every user but root and the sync's group; no
 * override mechanism of its own either (the same storage rule applies).
 */
const KIND_STRENGTHS: Readonly<Record<string, readonly [Strength, Strength]>> = {
  postgresql: ['enforced', 'enforced'],
  directus: ['enforced', 'manual'],
  tryton: ['enforced', 'manual'],
};

/** The strength of a protection on a platform of `kind` (see Contract.protectionStrength). */
export function strengthOf(kind: string, localOverride = false): Strength {
  return KIND_STRENGTHS[kind]?.[localOverride ? 1 : 0] ?? 'manual';
}

/** Whether `value` is an enforcement strength (a type guard, for the provider). */
export function isStrength(value: unknown): value is Strength {
  return typeof value === 'string' && (STRENGTHS as readonly string[]).includes(value);
}

/** Whether `found` is at least as strong as `required`. */
export function meetsStrength(found: Strength, required: Strength): boolean {
  return STRENGTHS.indexOf(found) <= STRENGTHS.indexOf(required);
}

/** What a route does with rows the copy lacks, as synthesized. */
export const MISSING_ROWS = ['report', 'create'] as const;

/** One missing-rows policy, as synthesized. */
export type MissingRowsPolicy = (typeof MISSING_ROWS)[number];

/** Whether `value` is a missing-rows policy, as synthesized (a type guard, for the provider). */
export function isMissingRowsPolicy(value: unknown): value is MissingRowsPolicy {
  return typeof value === 'string' && (MISSING_ROWS as readonly string[]).includes(value);
}

/** The divergence rules, as synthesized, in the order messages list them. */
export const DIVERGENCE_RULES = ['authority_wins', 'authority_unless_blank', 'newest_wins', 'manual_review'] as const;

/** One divergence rule, as synthesized. */
export type DivergenceRule = (typeof DIVERGENCE_RULES)[number];

/** Whether `value` is a divergence rule, as synthesized (a type guard, for the provider). */
export function isDivergenceRule(value: unknown): value is DivergenceRule {
  return typeof value === 'string' && (DIVERGENCE_RULES as readonly string[]).includes(value);
}

/** The units of a lag, largest first. */
const LAG_UNITS: ReadonlyArray<readonly [string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
const LAG_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A local override's expiry as the platforms compare it: a date (YYYY-MM-DD) ends at the end of
 * that day in UTC; an RFC 3339 timestamp with a zone is taken as given. Undefined when `text` is
 * neither (or no such day).
 */
export function expiryInstant(text: string): Date | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
    return new Date(Date.UTC(y, m - 1, d + 1));
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? undefined : t;
}
