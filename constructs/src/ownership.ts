import { IConstruct } from 'constructs';
import { AuthorityModel } from './authority-model';
import type { AuthorityPolicy } from './authority-policy';
import type { ConceptField } from './concept';
import type { Domain } from './domain';
import type { Platform } from './platform';

// The ownership facts of a model as plain data: what the review report diffs (each Domain's stack
// carries its own as an output, so a plan holds them before and after) and what the authority map
// publishes. One shape for both, so a reviewer and an operator read the same answers.

/** Where a fact lives on one platform. */
export interface OwnershipHolder {
  /** The platform's name, e.g. "crm". */
  readonly platform: string;
  /** Where the field lives there, e.g. "crm:public.campaigns.name". @default not located there */
  readonly location?: string;
}

/** A platform that holds a copy of a fact, and what people may do to it there. */
export interface OwnershipCopy extends OwnershipHolder {
  /** "read_only", "local_override" or "enrich_only" (AllowedEdits). */
  readonly edits: string;
  /** Why local edits are allowed (local overrides). @default none */
  readonly reason?: string;
  /** YYYY-MM-DD after which the local override ends. @default no expiry */
  readonly expires?: string;
  /** The platform values come from: the fact's owner, or the copy's declared feed. */
  readonly fedFrom: string;
  /** Whether the platform refuses people's edits of the copy. */
  readonly protected: boolean;
}

/** Where an operator corrects a wrong value. */
export interface OwnershipCorrection {
  readonly platform: string;
  readonly how: string;
  /** @default none */
  readonly runbook?: string;
  /** @default none */
  readonly contact?: string;
}

/** One business fact (a concept's field) and the decision about it. */
export interface OwnershipFact {
  /** The fact's id: "concept.field", e.g. "campaign.name". */
  readonly id: string;
  /** The concept's description. @default none */
  readonly description?: string;
  /** The construct path of the policy that decides it. */
  readonly policy: string;
  /** The team that governs the fact (the policy's, else the domain's). */
  readonly governedBy: string;
  /** Where the data is created. @default not declared */
  readonly origin?: string;
  /** The platform the workflow trusts for the fact (the side of a two-way split that claims it). */
  readonly authority: OwnershipHolder;
  readonly copies: OwnershipCopy[];
  /** "one_way", "two_way", "derived" or "report_only". */
  readonly propagation: string;
  /** How far a copy may lag, as synthesized (e.g. "5m"). @default no bound (derived, report-only) */
  readonly maxLag?: string;
  /** What wins when values diverge, as synthesized (e.g. "authority_wins"). */
  readonly divergence: string;
  /** The weakest protection strength the policy accepts for its copies ("enforced", "advisory"). @default "manual": any */
  readonly requiredStrength?: string;
  /** Where to correct a wrong value. @default not declared */
  readonly correction?: OwnershipCorrection;
  /** The sentence a person reads where a copy refuses their edit. */
  readonly correctionHint: string;
}

/** A platform as the ownership data names it. */
export interface OwnershipPlatform {
  readonly name: string;
  readonly title: string;
  /** PlatformKind, e.g. "crm". */
  readonly kind: string;
  /** "operational" or "consumer". */
  readonly role: string;
  /** The provider's kind of connection (e.g. "postgresql", "directus"). @default not connected */
  readonly connection?: string;
}

/** One domain's ownership facts. */
export interface DomainOwnership {
  /** The shape's version; a reader refuses a version it does not know. */
  readonly formatVersion: number;
  /** The domain's id (its stack's name). */
  readonly domain: string;
  readonly governedBy: string;
  /** @default none */
  readonly description?: string;
  /** The platforms the domain's facts live on. */
  readonly platforms: OwnershipPlatform[];
  readonly facts: OwnershipFact[];
}

/** Reads a model's ownership facts as plain data. */
export class Ownership {
  /** The shape's version in `formatVersion`. */
  public static readonly FORMAT_VERSION = 1;
  /** The name of the Terraform output that carries a Domain's ownership facts (JSON, packed: see ownership-output.ts). */
  public static readonly OUTPUT_NAME = 'authority_ownership';

  /** The ownership facts of `domain`, in declaration order. */
  public static ofDomain(domain: Domain): DomainOwnership {
    const policies = AuthorityModel.of(domain).policies.filter((p) => p.node.scopes.includes(domain));
    const platforms = new Map<string, Platform>();
    const facts: OwnershipFact[] = [];
    for (const policy of policies) {
      for (const field of policy.fields) {
        facts.push(factOf(policy, field));
        for (const p of [policy.authority, ...policy.copies.map((c) => c.platform), ...field.platforms]) platforms.set(p.name, p);
      }
    }
    return {
      formatVersion: Ownership.FORMAT_VERSION,
      domain: domain.node.id,
      governedBy: domain.governedBy,
      ...(domain.description ? { description: domain.description } : {}),
      platforms: [...platforms.values()].map(platformOf),
      facts,
    };
  }

  /** The ownership facts of every Domain of the app that holds `scope`. */
  public static ofApp(scope: IConstruct): DomainOwnership[] {
    return AuthorityModel.of(scope).domains.map((d) => Ownership.ofDomain(d));
  }

  private constructor() {}
}

function factOf(policy: AuthorityPolicy, field: ConceptField): OwnershipFact {
  const owner = policy.ownerOf(field);
  const holder = (p: Platform): OwnershipHolder => {
    const location = field.locationOn(p)?.toString();
    return { platform: p.name, ...(location ? { location } : {}) };
  };
  const c = policy.correction;
  return {
    id: field.toString(),
    ...(field.concept.description ? { description: field.concept.description } : {}),
    policy: policy.node.path,
    governedBy: policy.governedBy,
    ...(field.origin ?? policy.origin ? { origin: (field.origin ?? policy.origin)!.name } : {}),
    authority: holder(owner),
    copies: policy.copies.map((copy) => ({
      ...holder(copy.platform),
      edits: copy.edits,
      ...(copy.reason !== undefined ? { reason: copy.reason } : {}),
      ...(copy.expires ? { expires: copy.expires } : {}),
      fedFrom: (copy.feedsFrom ?? owner).name,
      protected: copy.isProtected,
    })),
    propagation: policy.propagation.kind,
    ...(policy.propagation.maxLag ? { maxLag: policy.propagation.maxLag.toString() } : {}),
    divergence: policy.divergence,
    ...((policy.requiredStrength as string) !== 'manual' ? { requiredStrength: policy.requiredStrength } : {}),
    ...(c ? { correction: { platform: c.platform.name, how: c.how, ...(c.runbook ? { runbook: c.runbook } : {}), ...(c.contact ? { contact: c.contact } : {}) } } : {}),
    correctionHint: policy.correctionHint,
  };
}

function platformOf(p: Platform): OwnershipPlatform {
  return {
    name: p.name,
    title: p.title,
    kind: p.kind,
    role: p.role,
    ...(p.connection ? { connection: p.connection.providerKind } : {}),
  };
}
