import type { AuthorityModel } from '../authority-model';
import { AllowedEdits } from '../copy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A copy chained behind a copy that allows local overrides: local edits travel on. */
export class FedFromOverrideRule extends AuthorityRule {
  constructor() {
    super({
      id: 'fed-from-override',
      summary: 'A copy is fed from a copy that allows local overrides.',
      explanation:
        'A local override is an exception for one platform. A copy chained behind it inherits those local ' +
        'edits as if they were the authoritative value, so reports and automations downstream disagree with ' +
        'the authority without anyone having decided that.',
      advice: 'Feed the downstream copy from the authority (leave feedsFrom out), or from a read-only copy.',
      level: RuleLevel.WARNING,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      for (const copy of policy.copies) {
        const upstream = copy.feedsFrom ? model.copyOn(policy, copy.feedsFrom) : undefined;
        if (!upstream || upstream === copy || upstream.edits !== AllowedEdits.LOCAL_OVERRIDE) continue;
        findings.push({
          subject: policy,
          message:
            `${policy.fields.map((f) => f.toString()).join(', ')}: the copy on ${copy.platform.name} is fed from ` +
            `${upstream.platform.name}, whose copy allows local overrides: local edits there reach ${copy.platform.name} as if authoritative.`,
          advice: `Feed ${copy.platform.name} from ${policy.authority.name} (leave feedsFrom out).`,
        });
      }
    }
    return findings;
  }
}
