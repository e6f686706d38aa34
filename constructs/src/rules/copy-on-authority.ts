import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A policy that declares a copy on its own authority. */
export class CopyOnAuthorityRule extends AuthorityRule {
  constructor() {
    super({
      id: 'copy-on-authority',
      summary: 'A policy declares a copy on its own authority.',
      explanation:
        'The authority is where the value is decided and corrected. A protected copy there would guard the ' +
        'authoritative field itself, refusing the very corrections the correction path sends people to make; ' +
        'an override copy there means nothing.',
      advice: 'Remove the copy on the authority; copies live on the other platforms that hold the field.',
      level: RuleLevel.ERROR,
      // Not suppressible: a guard on the authority blocks every legitimate correction.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    return model.policies
      .filter((p) => p.copies.some((c) => c.platform === p.authority))
      .map((policy) => ({
        subject: policy,
        message: `${policy.fields.map((f) => f.toString()).join(', ')}: ${policy.authority.name} is the authority and also holds a copy in the same policy.`,
        advice: `Remove the copy on ${policy.authority.name} from copies.`,
      }));
  }
}
