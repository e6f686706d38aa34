import { Aspects, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { AuthorityProvider } from './l1/provider';
import { DOMAIN, mark } from './markers';
import { Ownership } from './ownership';
import { packOwnership } from './ownership-output';
import { Platform } from './platform';
import { checkInstance, checkList, checkObject, checkString } from './prop-checks';
import { Rules } from './rule-pack';

export interface DomainProps {
  /** The team that governs this domain's facts and reviews its plans. */
  readonly governedBy: string;
  /** @default none */
  readonly description?: string;
  /**
   * Connected platforms this domain's provider knows besides those its policies use. Terraform
   * removes a protection or route through the provider's connection to its platform: when the
   * last policy of the domain on a platform goes (or its facts move to another domain), keep the
   * platform here until that apply has run.
   * @default only the platforms the domain's policies use
   */
  readonly platforms?: Platform[];
}

/**
 * A business domain (campaigns, billing, support ...) and the team that governs it: one cdktf
 * stack, so a plan in review stays small and owned by one team.
 */
export class Domain extends TerraformStack {
  /** The Domain that holds `scope`. */
  public static enclosing(scope: IConstruct): Domain {
    const stack = TerraformStack.of(scope);
    if (!(stack instanceof Domain)) {
      throw new Error(`${scope.node.path}: authority constructs belong inside a Domain (one stack per business domain).`);
    }
    return stack;
  }

  public readonly governedBy: string;
  public readonly description?: string;
  private readonly platforms = new Map<string, Platform>();
  private provider?: AuthorityProvider;

  constructor(scope: Construct, id: string, props: DomainProps) {
    super(scope, id);
    mark(this, DOMAIN);
    checkObject(this.node.path, 'props', props, false);
    checkString(this.node.path, 'governedBy', props.governedBy, { blankAllowed: true });
    checkString(this.node.path, 'description', props.description, { optional: true, blankAllowed: true });
    this.governedBy = props.governedBy;
    this.description = props.description;
    checkList(this.node.path, 'platforms', props.platforms, 'Platform objects', (prop, v) =>
      checkInstance(this.node.path, prop, v, (x): x is Platform => x instanceof Platform, 'a Platform', 'the Platform object, not its name'), true);
    for (const p of props.platforms ?? []) this.usePlatform(p);
    // The rule pack checks the whole app's authority model when synth validates this stack: errors
    // fail synth (all of them at once), warnings become annotations. See rule-pack.ts.
    this.node.addValidation({ validate: () => Rules._validateDomain(this) });
    // The rules that protect data hold even when validations are skipped (App skipValidation,
    // Testing.synth without validations): aspects always run, and this one runs on the Domain
    // before its policies make their resources.
    Aspects.of(this).add({ visit: (node) => { if (node === this) Rules._enforceProtectingRules(this); } });
    // The domain's ownership facts travel with its state: a plan then holds them before and
    // after, and the review report diffs values, not warning text. Computed at synth, when every
    // policy (and a record-level default's fields) is known.
    // Packed (ownership-output.ts), and marked sensitive only so that plans and applies do not
    // print a base64 blob: `authority review` and `authority map` read it from plan JSON and synth
    // output, where terraform keeps sensitive values readable.
    new TerraformOutput(this, Ownership.OUTPUT_NAME, {
      description: 'The ownership facts of this domain: who owns each fact, its copies, routes and correction path. ' +
        'JSON, packed (raw DEFLATE in base64 after "deflate:"); authority review and authority map read it.',
      value: Lazy.stringValue({ produce: () => packOwnership(JSON.stringify(Ownership.ofDomain(this))) }),
      sensitive: true,
    });
  }

  /** Prepares the stack for synth, and opens the rule pack's round so the pack runs once per synth. */
  public prepareStack(): void {
    super.prepareStack();
    Rules._beginSynth(this);
  }

  /** Makes a connected platform known to this domain's provider configuration. */
  public usePlatform(platform: Platform): void {
    if (platform.storagePlatform) this.usePlatform(platform.storagePlatform);
    const known = this.platforms.get(platform.name);
    if (known === platform || !platform.connection) return;
    if (known) {
      throw new Error(`${this.node.path}: two different platforms are named "${platform.name}". Platform names must be unique.`);
    }
    this.platforms.set(platform.name, platform);
    this.provider ??= new AuthorityProvider(this, 'authority');
    this.provider.platform = [...this.platforms.values()].map((p) => p.connection!.toProviderPlatform(p.name));
  }
}
