import { AuthorityModel } from '../authority-model';
import { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A policy whose fields originate in different systems (each field's `originatesIn`, and the
 * policy's own `origin`). Aimed at record-level policies (no `fields`: "this system owns the
 * record"), and just as wrong for a field-level policy that lists fields from two origins.
 */
export class MixedOriginsRule extends AuthorityRule {
  constructor() {
    super({
      id: 'mixed-origins',
      summary: 'A policy governs fields that originate in different systems (record-level authority over fields that clearly have different owners).',
      explanation:
        'Not every field of a record has the same source of truth. A policy that treats the record as one ' +
        'owner\'s, while its fields are created in different systems, oversimplifies reality and creates ' +
        'weak integration rules (mistake 4: assuming the record has one owner when fields clearly do not).',
      advice: 'Use field-level policies (fields: [...]), one per origin, or correct the declared origins.',
      level: RuleLevel.ERROR,
      // Suppressible: origin is a strong clue, not the whole answer; a team may decide otherwise, and say why.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const byOrigin = new Map<Platform, string[]>();
      for (const field of policy.fields) {
        if (field.origin) byOrigin.set(field.origin, [...(byOrigin.get(field.origin) ?? []), field.name]);
      }
      const origins = new Set(byOrigin.keys());
      if (policy.origin) origins.add(policy.origin);
      if (origins.size < 2) continue;
      const fieldsPart = [...byOrigin].map(([p, names]) => `${names.join(', ')} in ${p.name}`).join('; ');
      const policyPart = policy.origin ? `, while the policy says its data is created in ${policy.origin.name}` : '';
      const groups = [...byOrigin].map(([p, names]) => `${p.name}: [${names.map((n) => `'${n}'`).join(', ')}]`).join(', ');
      findings.push({
        subject: policy,
        message: policy.recordLevel
          ? `record-level policy over ${policy.concept.conceptName}, but its fields originate in different systems (${fieldsPart})${policyPart}.`
          : `the fields of this policy originate in different systems (${fieldsPart})${policyPart}.`,
        advice: policy.recordLevel
          ? `The record has no single owner: replace it with field-level policies, one per origin (${groups}), each with its own authority.`
          : `Split the policy by origin (${groups}), or correct the policy's origin or the fields' originatesIn().`,
      });
    }
    return findings;
  }
}
