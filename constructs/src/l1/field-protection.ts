// L1 binding of authority_field_protection. Mirrors provider/resources/field-protection.ts one
// to one; test/bindings.test.ts checks it against the schema the real provider serves.
import { TerraformResource, TerraformResourceLifecycle, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Contract } from '../contract';
import { PROVIDER_VERSION } from './provider';

export interface FieldProtectionConfig {
  /** The platform that holds the copy, by its name in the provider configuration. */
  readonly platform: string;
  /** @default "public" */
  readonly schema?: string;
  readonly table: string;
  readonly columns: string[];
  /** The authoritative platform's name. When it is `platform` itself, nothing is guarded there: the authority's own table. */
  readonly authority: string;
  /** What tells two protections on one table apart (the policy's name). It names the guard. @default the authority */
  readonly key?: string;
  /** The business fact, e.g. "campaign.name", as plans and warnings name it. @default table.columns */
  readonly fact?: string;
  readonly syncPrincipal: string;
  readonly correctionHint: string;
  /** People may override the fields on this copy, for this reason: recorded, kept from the sync. @default none: people are refused */
  readonly overrideReason?: string;
  /** When the override ends: YYYY-MM-DD (end of that day, UTC) or an RFC 3339 timestamp. @default never */
  readonly overrideExpires?: string;
  /** The weakest enforcement the policy accepts: "enforced", "advisory" or "manual"; plan refuses a platform that cannot provide it. @default any */
  readonly requiredStrength?: string;
  /** @default none */
  readonly dependsOn?: ITerraformDependable[];
  /** @default none */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/** The `authority_field_protection` resource. */
export class FieldProtection extends TerraformResource {
  public static readonly tfResourceType = Contract.FIELD_PROTECTION_TYPE;
  private readonly config: FieldProtectionConfig;

  constructor(scope: Construct, id: string, config: FieldProtectionConfig) {
    super(scope, id, {
      terraformResourceType: Contract.FIELD_PROTECTION_TYPE,
      terraformGeneratorMetadata: { providerName: 'authority', providerVersion: PROVIDER_VERSION },
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  /** The platform's name for the mechanism (the trigger, on PostgreSQL). */
  public get guard(): string {
    return this.getStringAttribute('guard');
  }

  /** How strongly the platform holds the protection: "enforced", "advisory" or "manual". */
  public get strength(): string {
    return this.getStringAttribute('strength');
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const c = this.config;
    return {
      platform: c.platform,
      schema: c.schema,
      table: c.table,
      columns: c.columns,
      authority: c.authority,
      key: c.key,
      fact: c.fact,
      sync_principal: c.syncPrincipal,
      correction_hint: c.correctionHint,
      override_reason: c.overrideReason,
      override_expires: c.overrideExpires,
      required_strength: c.requiredStrength,
    };
  }
}
