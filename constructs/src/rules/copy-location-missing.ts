import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A copy on a platform where a governed field has no location. For a connected, protected copy the
 * policy already refuses this when it is built; this rule says it for every other copy too
 * (platforms that are modelled but not connected, local overrides), all findings at once.
 */
export class CopyLocationMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'copy-location-missing',
      summary: 'A copy is declared on a platform where a governed field has no location.',
      explanation:
        'A copy is a physical place that mirrors the authoritative value. If the model does not say where ' +
        'the field lives on that platform, nothing can be protected or synced there, and the copy is a label ' +
        'with no place behind it.',
      advice: 'Add the field\'s location on that platform to the concept (platform.at(\'table.column\')), or drop the copy.',
      level: RuleLevel.ERROR,
      // Not suppressible: nothing can be protected or synced on a copy with no place for the field.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      for (const copy of policy.copies) {
        const missing = policy.fields.filter((f) => !f.locationOn(copy.platform));
        if (missing.length === 0) continue;
        findings.push({
          subject: policy,
          message: `${missing.map((f) => f.toString()).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no location on copy platform ${copy.platform.name}.`,
          advice:
            `Add ${copy.platform.name}.at('table.column') to ${missing.length > 1 ? 'those fields' : 'the field'} on ` +
            `${policy.concept.node.path}, or drop the copy on ${copy.platform.name}.`,
        });
      }
    }
    return findings;
  }
}
