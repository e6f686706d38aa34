import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A policy that does not say where an operator corrects a wrong value, or says it with a blank "how". */
export class CorrectionPathMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'correction-path-missing',
      summary: 'A policy declares no correction path, or one whose "how" is blank.',
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
    return model.policies.filter((p) => !p.correction || p.correction.isBlank).map((policy) => {
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      const at = policy.correction?.platform ?? policy.authority;
      return {
        subject: policy,
        message: policy.correction
          ? `${fields}: the correction path in ${at.name} says nothing ("how" is blank), so an operator who finds a wrong value is not told how to fix it.`
          : `${fields}: no correction path, so an operator who finds a wrong value is not told where to fix it.`,
        advice: policy.correction
          ? `Write in "how" the steps in ${at.title} that fix the value, e.g. CorrectionPath.at(${at.name}, { how: 'open the record and edit the field', contact: '...' }).`
          : `Add correction: CorrectionPath.at(${policy.authority.name}, { how: '...', contact: '...' }) to the policy: ` +
            `the steps in ${policy.authority.title} that fix the value, and who to ask.`,
      };
    });
  }
}
