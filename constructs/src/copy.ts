import { Contract } from './contract';
import { Platform } from './platform';
import { checkInstance, checkObject, checkString } from './prop-checks';

/** What people may do to a copied field on the platform that holds the copy. */
export enum AllowedEdits {
  /** Nobody edits the copy; only the sync writes it. Enforced on the platform. */
  READ_ONLY = 'read_only',
  /** People may override the value locally, for a stated reason (and until an expiry). */
  LOCAL_OVERRIDE = 'local_override',
  /** People add data around the fact (other fields, notes) but never change it. Enforced like read-only. */
  ENRICH_ONLY = 'enrich_only',
}

/**
 * How strongly a platform holds a protection (Contract.protectionStrength has each kind's):
 * the platform refuses every writer but the sync, only its UI says so, or a person keeps to it.
 */
export enum ProtectionStrength {
  /** The platform itself refuses or records every other writer (PostgreSQL's guard, Directus permissions for non-admins). */
  ENFORCED = 'enforced',
  /** Only the platform's UI says so: its API or imports are not held to it. */
  ADVISORY = 'advisory',
  /** Nothing on the platform does it: a person sets it up or keeps to it. */
  MANUAL = 'manual',
}

export interface CopyOptions {
  /** The principal the sync writes as on this platform. @default the platform's syncPrincipal */
  readonly syncPrincipal?: string;
  /**
   * The platform this copy is fed from, when it is not the authority (a declared chain).
   * @default the authority
   */
  readonly feedsFrom?: Platform;
}

export interface LocalOverrideOptions extends CopyOptions {
  /** Why local edits are allowed here: shown in review and required. */
  readonly reason: string;
  /**
   * ISO date (YYYY-MM-DD) after which the override is no longer allowed: from the end of that day
   * (UTC) the platform refuses new overrides and reverts overridden values to the authority's.
   * @default no expiry
   */
  readonly expires?: string;
}

/** A platform that holds a copy of the policy's fields, and what people may do to it there. */
export class Copy {
  /** A read-only copy: only the sync writes it; people are sent to the correction path. */
  public static readOnly(platform: Platform, options: CopyOptions = {}): Copy {
    checkCopyArgs('Copy.readOnly', platform, options, false);
    return new Copy(platform, AllowedEdits.READ_ONLY, options);
  }

  /** A copy people may override locally, for a reason and optionally until a date. */
  public static localOverride(platform: Platform, options: LocalOverrideOptions): Copy {
    checkCopyArgs('Copy.localOverride', platform, options, true);
    return new Copy(platform, AllowedEdits.LOCAL_OVERRIDE, options, options.reason, options.expires);
  }

  /** A copy people enrich around but never change. */
  public static enrichOnly(platform: Platform, options: CopyOptions = {}): Copy {
    checkCopyArgs('Copy.enrichOnly', platform, options, false);
    return new Copy(platform, AllowedEdits.ENRICH_ONLY, options);
  }

  public readonly syncPrincipal: string;
  public readonly feedsFrom?: Platform;

  private constructor(
    public readonly platform: Platform,
    public readonly edits: AllowedEdits,
    options: CopyOptions,
    public readonly reason?: string,
    public readonly expires?: string,
  ) {
    this.syncPrincipal = options.syncPrincipal ?? platform.syncPrincipal;
    this.feedsFrom = options.feedsFrom;
  }

  /** Whether the platform must refuse people's edits of the copied fields. */
  public get isProtected(): boolean {
    return this.edits !== AllowedEdits.LOCAL_OVERRIDE;
  }

  /**
   * How strongly the copy's platform holds what this copy allows (read-only, or a recorded local
   * override); MANUAL when the platform has no connection the provider knows.
   */
  public get strength(): ProtectionStrength {
    if (this.overrideInStorage) return ProtectionStrength.ENFORCED;
    const kind = this.platform.connection?.providerKind;
    return (kind ? Contract.protectionStrength(kind, this.edits === AllowedEdits.LOCAL_OVERRIDE) : ProtectionStrength.MANUAL) as ProtectionStrength;
  }

  /**
   * Whether this local override is kept in the database under an application platform (its
   * storage), because the application itself cannot record one but the database can: people edit
   * in the application as usual, and the database records, keeps and reverts what they write.
   */
  public get overrideInStorage(): boolean {
    if (this.edits !== AllowedEdits.LOCAL_OVERRIDE) return false;
    const kind = this.platform.connection?.providerKind;
    const storage = this.platform.storagePlatform?.connection?.providerKind;
    return !!kind && !!storage && Contract.protectionStrength(kind, true) !== ProtectionStrength.ENFORCED &&
      Contract.protectionStrength(storage, true) === ProtectionStrength.ENFORCED;
  }
}

const isPlatform = (x: unknown): x is Platform => x instanceof Platform;

/**
 * A Copy factory's arguments as given at runtime. The override's reason may be blank here: the
 * rule pack reports it (local-override), with the policy's path.
 */
function checkCopyArgs(factory: string, platform: unknown, options: unknown, override: boolean): void {
  const how = 'the Platform object (new Platform({ name, kind, ... })), not its name';
  checkInstance(factory, 'platform', platform, isPlatform, 'a Platform', how);
  const where = `${factory}(${(platform as Platform).name})`;
  checkObject(where, 'options', options, !override);
  const o = (options ?? {}) as Record<string, unknown>;
  checkString(where, 'syncPrincipal', o.syncPrincipal, { optional: true });
  checkInstance(where, 'feedsFrom', o.feedsFrom, isPlatform, 'a Platform', how, true);
  if (override) {
    checkString(where, 'reason', o.reason, { blankAllowed: true });
    checkString(where, 'expires', o.expires, { optional: true, blankAllowed: true });
  }
}
