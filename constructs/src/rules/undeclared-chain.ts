import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A copy fed from a platform that is neither the policy's authority nor another of its copies (a
 * declared chain: authority -> copy -> copy). A copy fed from itself is reported here too.
 */
export class UndeclaredChainRule extends AuthorityRule {
  constructor() {
    super({
      id: 'undeclared-chain',
      summary: 'A copy is fed from a platform that is neither the authority nor another copy in the same policy.',
      explanation:
        'A copy is a derivative of the authoritative value. Fed from a system the policy does not govern, ' +
        'its value comes from outside the authority model: nobody decided that system may define it, the ' +
        'guard still lets the sync write it, and reports read a value whose source the model cannot explain.',
      advice:
        'Feed the copy from the authority (leave feedsFrom out), or from another copy declared in the same ' +
        'policy (a declared chain); or declare the source platform as a copy in this policy first.',
      level: RuleLevel.ERROR,
      // Not suppressible: the sync would write values from outside the authority model into a protected copy.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      for (const copy of policy.copies) {
        const source = copy.feedsFrom;
        if (!source || source === policy.authority) continue;
        if (source === copy.platform) {
          findings.push({
            subject: policy,
            message: `${fields}: the copy on ${copy.platform.name} is fed from itself.`,
            advice: `Leave feedsFrom out (the copy is fed from ${policy.authority.name}), or name the copy it is chained behind.`,
          });
        } else if (!model.copyOn(policy, source)) {
          findings.push({
            subject: policy,
            message:
              `${fields}: the copy on ${copy.platform.name} is fed from ${source.name}, which is neither the ` +
              `authority (${policy.authority.name}) nor a copy in this policy.`,
            advice:
              `Feed ${copy.platform.name} from ${policy.authority.name} (leave feedsFrom out), or add ` +
              `Copy.readOnly(${source.name}) to this policy to declare the chain ${policy.authority.name} -> ${source.name} -> ${copy.platform.name}.`,
          });
        }
      }
    }
    return findings;
  }
}
