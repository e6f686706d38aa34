import { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A policy that does not say where an operator corrects a wrong value. */
export class CorrectionPathMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'correction-path-missing',
      summary: 'A policy declares no correction path.',
      explanation:
        'When a value is wrong, what matters is whether the operator knows where to fix it safely. Without ' +
        'a correction path, a refused edit on a copy only says who owns the fact, and every fix becomes a ' +
        'small cross-functional conversation: the model is weak while the correction path is socially expensive.',
      advice: 'Add correction: CorrectionPath.at(<authority>, { how: \'where and how to fix it\', contact: \'who to ask\' }).',
      level: RuleLevel.ERROR,
      // Suppressible: the refusal still names the authority; a team may add the how-to later, and say so.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    return model.policies.filter((p) => !p.correction).map((policy) => ({
      subject: policy,
      message: `${policy.fields.map((f) => f.toString()).join(', ')}: no correction path, so an operator who finds a wrong value is not told where to fix it.`,
      advice:
        `Add correction: CorrectionPath.at(${policy.authority.name}, { how: '...', contact: '...' }) to the policy: ` +
        `the steps in ${policy.authority.title} that fix the value, and who to ask.`,
    }));
  }
}
