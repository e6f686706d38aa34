import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A governed field that has no location on the policy's authority. */
export class AuthorityLocationMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'authority-location-missing',
      summary: 'A governed field has no location on its authority.',
      explanation:
        'The authority is where the value is decided and where it is safe to correct. If the model does not ' +
        'say where the field lives there, the correction path and any sync from the authority rest on ' +
        'convention rather than on the model.',
      advice: 'Add the field\'s location on the authority to the concept: authority.at(\'table.column\').',
      level: RuleLevel.WARNING,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const missing = policy.fields.filter((f) => !f.locationOn(policy.authority));
      if (missing.length === 0) continue;
      findings.push({
        subject: policy,
        message: `${missing.map((f) => f.toString()).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no location on the authority, ${policy.authority.name}.`,
        advice: `Add ${policy.authority.name}.at('table.column') to ${missing.length > 1 ? 'those fields' : 'the field'} on ${policy.concept.node.path}.`,
      });
    }
    return findings;
  }
}
