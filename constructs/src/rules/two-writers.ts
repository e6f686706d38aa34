import type { AuthorityModel } from '../authority-model';
import { AllowedEdits } from '../copy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * Two platforms may write one field (a local override, a two-way sync without a field split) and
 * no divergence rule was written in the policy. The policy's default (AUTHORITY_WINS) is not a
 * decision: someone has to say what wins where people edit in two places.
 */
export class TwoWritersRule extends AuthorityRule {
  constructor() {
    super({
      id: 'two-writers',
      summary: 'Two platforms may write one field, with neither a field split nor a declared divergence rule.',
      explanation:
        'A local override or a two-way sync lets a field change in two systems. Unless each side controls ' +
        'its own fields (a split) or the policy says what should happen when values diverge, the workflow ' +
        'cannot know which value to trust, and one edit silently overwrites the other ' +
        '(mistake 3: letting two systems overwrite the same field).',
      advice:
        'Write the divergence rule in the policy (divergence: Divergence.AUTHORITY_WINS, ' +
        'AUTHORITY_UNLESS_BLANK, NEWEST_WINS or MANUAL_REVIEW), or split a two-way sync ' +
        '(Propagation.twoWay({ split })), or make the copy read-only.',
      level: RuleLevel.ERROR,
      // Not suppressible: it is the rule that keeps one edit from silently overwriting another.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      if (policy.divergenceDeclared) continue;
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      if (model.isTwoWay(policy) && policy.propagation.split.length === 0) {
        const copies = policy.copies.map((c) => c.platform.name);
        findings.push({
          subject: policy,
          message:
            `${fields}: two-way propagation between ${[policy.authority.name, ...copies].join(' and ')} ` +
            'with no field split and no declared divergence rule, so nothing says which value wins.',
          advice:
            'Split the fields (Propagation.twoWay({ maxLag, split: [{ platform, fields }, ...] })) so each side ' +
            'controls its own, or declare divergence (e.g. Divergence.MANUAL_REVIEW) in the policy; ' +
            'or make the sync one-way from the authority.',
        });
      }
      for (const copy of policy.copies.filter((c) => c.edits === AllowedEdits.LOCAL_OVERRIDE)) {
        findings.push({
          subject: policy,
          message:
            `${fields}: ${copy.platform.name} allows local overrides while ${policy.authority.name} is the ` +
            'authority, and the policy does not say what wins when they diverge.',
          advice:
            `Declare divergence in the policy: Divergence.AUTHORITY_WINS (an override on ${copy.platform.name} stands until it expires, ` +
            'then the authority\'s value returns), NEWEST_WINS (the later of an override and the authority\'s change stands) or ' +
            'MANUAL_REVIEW (a person decides); or make the copy read-only.',
        });
      }
    }
    return findings;
  }
}
