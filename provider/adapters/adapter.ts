/**
 * A platform adapter: how one kind of connected system protects a copied field and reads that
 * protection back. Resources speak this interface; each platform kind has one file beside it.
 */
import { Diagnostic } from '../framework';

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
}

export interface ProtectionReadBack extends FieldProtection {
  /** False when the protection exists but someone disabled or altered it by hand. */
  readonly enforced: boolean;
  /** The platform's own name for the mechanism (a trigger, a permission set ...). */
  readonly mechanism: string;
}

export interface PlatformAdapter {
  /** The platform's name in the provider configuration. */
  readonly name: string;
  /** Problems with a declared protection (missing table, column, principal), as diagnostics. */
  checkProtection(p: FieldProtection): Promise<Diagnostic[]>;
  /** What the platform has now, or null when there is no protection with this key there. */
  readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null>;
  /** Creates or replaces the protection in one step: nothing half-applied on failure. */
  applyProtection(p: FieldProtection): Promise<void>;
  /** Removes the protection and everything it added, leaving the platform as it was before. */
  removeProtection(location: FieldLocation, key: string): Promise<void>;
  /** The platform's name for the mechanism that carries the protection with this key. */
  mechanismName(location: FieldLocation, key: string): string;
  close(): Promise<void>;
}
