import type { AuthorityModel } from '../authority-model';
import type { AuthorityPolicy } from '../authority-policy';
import type { ConceptField } from '../concept';
import type { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A policy whose fields originate in different systems (each field's `originatesIn`, and the
 * policy's own `origin`). Aimed at record-level policies (no `fields`: "this system owns the
 * record"), and just as wrong for a field-level policy that lists fields from two origins. In a
 * declared two-way split each side's fields are checked on their own: the split is how a policy
 * says its fields are created in different places.
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
      // A two-way split declares that its sides control different fields: origins may differ
      // between sides (that is why the split exists), not within one side.
      const split = model.isTwoWay(policy) && policy.propagation.split.length > 0;
      const sides = new Map<Platform, ConceptField[]>();
      for (const field of policy.fields) {
        const side = (split ? model.splitControllerOf(policy, field.name) : undefined) ?? policy.authority;
        sides.set(side, [...(sides.get(side) ?? []), field]);
      }
      for (const [side, fields] of sides) {
        const finding = this.check(policy, fields, side === policy.authority ? policy.origin : undefined, split ? side : undefined);
        if (finding) findings.push(finding);
      }
    }
    return findings;
  }

  /** The finding for fields one owner controls, if their origins (and the policy's) differ. */
  private check(policy: AuthorityPolicy, fields: ConceptField[], policyOrigin: Platform | undefined, side: Platform | undefined): RuleFinding | undefined {
    const byOrigin = new Map<Platform, string[]>();
    for (const field of fields) {
      if (field.origin) byOrigin.set(field.origin, [...(byOrigin.get(field.origin) ?? []), field.name]);
    }
    const origins = new Set(byOrigin.keys());
    if (policyOrigin) origins.add(policyOrigin);
    if (origins.size < 2) return undefined;
    const fieldsPart = [...byOrigin].map(([p, names]) => `${names.join(', ')} in ${p.name}`).join('; ');
    const policyPart = policyOrigin ? `, while the policy says its data is created in ${policyOrigin.name}` : '';
    const groups = [...byOrigin].map(([p, names]) => `${p.name}: [${names.map((n) => `'${n}'`).join(', ')}]`).join(', ');
    if (side) {
      return {
        subject: policy,
        message: `the fields ${side.name} controls in the split originate in different systems (${fieldsPart})${policyPart}.`,
        advice: `Give each origin's fields to the side where they are created (${groups}), or correct the fields' originatesIn().`,
      };
    }
    return {
      subject: policy,
      message: policy.recordLevel
        ? `record-level policy over ${policy.concept.conceptName}, but its fields originate in different systems (${fieldsPart})${policyPart}.`
        : `the fields of this policy originate in different systems (${fieldsPart})${policyPart}.`,
      advice: policy.recordLevel
        ? `The record has no single owner: replace it with field-level policies, one per origin (${groups}), each with its own authority.`
        : `Split the policy by origin (${groups}), or correct the policy's origin or the fields' originatesIn().`,
    };
  }
}
