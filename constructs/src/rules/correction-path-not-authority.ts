import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A correction path that sends operators somewhere other than where the value is decided: a copy
 * or an unrelated platform. In a two-way sync with a split, a side that controls fields counts as
 * a place where those fields are decided.
 */
export class CorrectionPathNotAuthorityRule extends AuthorityRule {
  constructor() {
    super({
      id: 'correction-path-not-authority',
      summary: 'A correction path points at a copy or another platform instead of the authority.',
      explanation:
        'A fix made on a copy does not last: the next sync replaces it, or the copy\'s guard refuses it. ' +
        'The correction path must lead to where the value is decided, or operators fix things twice and ' +
        'the wrong value comes back.',
      advice: 'Point the correction path at the authority: CorrectionPath.at(<authority>, { how }).',
      level: RuleLevel.ERROR,
      // Not suppressible: it sends people to make edits that are lost.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const target = policy.correction?.platform;
      if (!target || target === policy.authority) continue;
      const controlsFields = model.isTwoWay(policy) && policy.propagation.split.some((s) => s.platform === target && s.fields.length > 0);
      if (controlsFields) continue;
      const copy = model.copyOn(policy, target);
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      findings.push({
        subject: policy,
        message: copy
          ? `${fields}: the correction path points at ${target.name}, which holds a copy (${copy.edits.replace(/_/g, '-')}); the authority is ${policy.authority.name}.`
          : `${fields}: the correction path points at ${target.name}, which is neither the authority (${policy.authority.name}) nor a copy in this policy.`,
        advice: `Use CorrectionPath.at(${policy.authority.name}, { how }): a fix on ${target.name} is ${copy ? 'overwritten by the next sync or refused by its guard' : 'not where the value is decided'}.`,
      });
    }
    return findings;
  }
}
