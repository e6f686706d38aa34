import { IConstruct } from 'constructs';
import type { AuthorityPolicy } from './authority-policy';
import type { Concept, ConceptField } from './concept';
import { AllowedEdits, Copy } from './copy';
import type { Domain } from './domain';
import { AUTHORITY_POLICY, CONCEPT, DOMAIN, isMarked } from './markers';
import type { Platform } from './platform';
import { PropagationKind } from './propagation';

/**
 * The whole authority model of an app, as the rule pack reads it: every Domain, Concept and
 * AuthorityPolicy under the app's root, whichever Domain (stack) they sit in. Rules that span
 * domains (two authorities for one field, a sync loop) need this view; one stack is not enough.
 */
export class AuthorityModel {
  /**
   * Context key that fixes "today" for the rule pack (YYYY-MM-DD), e.g. in tests or to replay a
   * past synth: `new App({ context: { 'authority:today': '2030-01-01' } })` or cdktf.json's
   * "context". Checked before `AUTHORITY_TODAY`.
   */
  public static readonly TODAY_CONTEXT = 'authority:today';
  /** Environment variable that fixes "today" (YYYY-MM-DD) when the context key is not set. */
  public static readonly TODAY_ENV = 'AUTHORITY_TODAY';

  /** The model of the app that holds `scope`. */
  public static of(scope: IConstruct): AuthorityModel {
    return new AuthorityModel(scope.node.root);
  }

  /** Whether `value` is an ISO calendar date, YYYY-MM-DD, that exists (no 2025-02-30). */
  public static isCalendarDate(value: string): boolean {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!m) return false;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  }

  /**
   * A key naming where a field physically lives on a platform, e.g. "crm:public.campaigns.name";
   * "crm:(campaign.name)" when the field has no location there. Two concepts that map the same
   * column share a key: that is how the pack sees one fact declared twice.
   */
  public static locationKey(field: ConceptField, platform: Platform): string {
    const location = field.locationOn(platform);
    return location ? location.toString() : `${platform.name}:(${field})`;
  }

  /** The app (the root of the construct tree) the model was read from. */
  public readonly root: IConstruct;
  /** Every Domain of the app, in construct order. */
  public readonly domains: Domain[];
  /** Every Concept of the app, in construct order. */
  public readonly concepts: Concept[];
  /** Every policy of the app, in construct order (domain by domain, as declared). */
  public readonly policies: AuthorityPolicy[];
  /** Today's date, YYYY-MM-DD: from context "authority:today", else AUTHORITY_TODAY, else the local clock. */
  public readonly today: string;
  private readonly byField = new Map<ConceptField, AuthorityPolicy[]>();

  private constructor(root: IConstruct) {
    this.root = root;
    const all = root.node.findAll();
    this.domains = all.filter((c): c is Domain => isMarked<Domain>(c, DOMAIN));
    this.concepts = all.filter((c): c is Concept => isMarked<Concept>(c, CONCEPT));
    this.policies = all.filter((c): c is AuthorityPolicy => isMarked<AuthorityPolicy>(c, AUTHORITY_POLICY));
    this.today = AuthorityModel.resolveToday(root);
    // Rules ask "which policies govern this field" for every field: index it once, so a run of
    // the pack stays linear in the size of the model.
    for (const policy of this.policies) {
      for (const field of new Set(policy.fields)) {
        const list = this.byField.get(field);
        if (list) list.push(policy);
        else this.byField.set(field, [policy]);
      }
    }
  }

  /** The policies that govern `field`, in construct order. */
  public policiesCovering(field: ConceptField): AuthorityPolicy[] {
    return [...(this.byField.get(field) ?? [])];
  }

  /** The Domain a construct belongs to, if any. */
  public domainOf(scope: IConstruct): Domain | undefined {
    return scope.node.scopes.slice().reverse().find((s): s is Domain => isMarked<Domain>(s, DOMAIN));
  }

  /** The platforms a policy names: its authority, then its copies. */
  public holdersOf(policy: AuthorityPolicy): Platform[] {
    return [policy.authority, ...policy.copies.map((c) => c.platform)];
  }

  /** The policy's copy on `platform`, if it has one. */
  public copyOn(policy: AuthorityPolicy, platform: Platform): Copy | undefined {
    return policy.copies.find((c) => c.platform === platform);
  }

  /** Whether the policy syncs both ways. */
  public isTwoWay(policy: AuthorityPolicy): boolean {
    return policy.propagation.kind === PropagationKind.TWO_WAY;
  }

  /**
   * The side of a two-way field split that controls `fieldName`.
   * @returns undefined when the policy is not two-way, has no split, or no side (or more than one) claims the field
   */
  public splitControllerOf(policy: AuthorityPolicy, fieldName: string): Platform | undefined {
    if (!this.isTwoWay(policy)) return undefined;
    const sides = policy.propagation.split.filter((s) => s.fields.includes(fieldName));
    return sides.length === 1 ? sides[0].platform : undefined;
  }

  /**
   * The platforms on which the policy's fields may be written other than by the sync.
   * That is the authority, copies that allow local overrides, and the copy sides of a two-way
   * sync: all of them without a split, those that control fields with one.
   */
  public writersOf(policy: AuthorityPolicy): Platform[] {
    const writers = new Set<Platform>([policy.authority]);
    for (const copy of policy.copies) {
      if (copy.edits === AllowedEdits.LOCAL_OVERRIDE) writers.add(copy.platform);
    }
    if (this.isTwoWay(policy)) {
      if (policy.propagation.split.length === 0) {
        policy.copies.forEach((c) => writers.add(c.platform));
      } else {
        policy.propagation.split.filter((s) => s.fields.length > 0).forEach((s) => writers.add(s.platform));
      }
    }
    return [...writers];
  }

  private static resolveToday(root: IConstruct): string {
    const fromContext = root.node.tryGetContext(AuthorityModel.TODAY_CONTEXT);
    const fromEnv = process.env[AuthorityModel.TODAY_ENV];
    const [given, source] = fromContext !== undefined
      ? [String(fromContext), `context "${AuthorityModel.TODAY_CONTEXT}"`]
      : [fromEnv, `${AuthorityModel.TODAY_ENV}`];
    if (given !== undefined && given !== '') {
      if (!AuthorityModel.isCalendarDate(given)) {
        throw new Error(`${source} is "${given}"; it must be a date, YYYY-MM-DD (e.g. 2030-01-31), or be left unset to use today's date.`);
      }
      return given;
    }
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }
}
