import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A policy that does not say where its data is created (first question of the final checklist). */
export class OriginMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'origin-missing',
      summary: 'A policy does not say where its data is created (no origin).',
      explanation:
        'Where data is created is one of the strongest clues to its authority, and the first question of the ' +
        'checklist before declaring a system of record. A policy that cannot answer it is probably still too ' +
        'vague for sync logic and stakeholders to read the same way.',
      advice: 'Add origin: <platform> to the policy (or declare each field\'s field.originatesIn(platform) on the concept).',
      level: RuleLevel.ERROR,
      // Suppressible: documentation can lag a migration; say so.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    return model.policies
      .filter((p) => !p.origin && !p.fields.every((f) => f.origin !== undefined))
      .map((policy) => ({
        subject: policy,
        message: `${policy.fields.map((f) => f.toString()).join(', ')}: the policy does not say where the data is created.`,
        advice:
          `Add origin: <platform> to the policy (often ${policy.authority.name}, when the data is born there), or ` +
          `declare it per field with ${policy.concept.conceptName}.field('<name>').originatesIn(<platform>).`,
      }));
  }
}
