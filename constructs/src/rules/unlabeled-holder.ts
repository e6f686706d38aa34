import type { AuthorityModel } from '../authority-model';
import type { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A platform that holds a governed field but is neither its authority nor a declared copy. */
export class UnlabeledHolderRule extends AuthorityRule {
  constructor() {
    super({
      id: 'unlabeled-holder',
      summary: 'A platform holds a governed field but the policy names it neither authority nor copy.',
      explanation:
        'Downstream copies should be labeled and treated as derivatives. A holder the policy does not ' +
        'mention is neither protected nor fed: people may edit it, reports may read it, and nobody can say ' +
        'whether it is merely a copy or projection.',
      advice: 'Add the platform to the policy\'s copies (Copy.readOnly, enrichOnly or localOverride), or remove the field\'s location there.',
      level: RuleLevel.WARNING,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const named = model.holdersOf(policy);
      const unlabeled = new Map<Platform, string[]>();
      for (const field of policy.fields) {
        for (const platform of field.platforms.filter((p) => !named.includes(p))) {
          unlabeled.set(platform, [...(unlabeled.get(platform) ?? []), field.toString()]);
        }
      }
      for (const [platform, fields] of unlabeled) {
        findings.push({
          subject: policy,
          message: `${platform.name} holds ${fields.join(', ')}, but the policy names it neither authority nor copy.`,
          advice: `Add Copy.readOnly(${platform.name}) (or enrichOnly / localOverride) to the policy's copies, or drop the field's location on ${platform.name}.`,
        });
      }
    }
    return findings;
  }
}
