import type { AuthorityModel } from '../authority-model';
import type { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A two-way sync's field split that does not give each governed field to exactly one side. */
export class InvalidSplitRule extends AuthorityRule {
  constructor() {
    super({
      id: 'invalid-split',
      summary: 'A two-way field split does not give each of the policy\'s fields to exactly one of its platforms.',
      explanation:
        'A split is what makes a two-way sync safe: each side controls its own fields and the other only ' +
        'mirrors them. A field claimed by two sides has two writers; a field claimed by none has no ' +
        'propagation direction; a side outside the policy or a protected copy cannot control anything ' +
        '(the guard refuses its people\'s edits).',
      advice:
        'List every governed field exactly once across the split\'s sides, and use only the policy\'s ' +
        'authority and copies as sides; a copy that controls fields must allow edits there.',
      level: RuleLevel.ERROR,
      // Not suppressible: an inconsistent split is two writers for a field, or none.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const split = policy.propagation.split;
      if (!model.isTwoWay(policy) || split.length === 0) continue;
      const problems: string[] = [];
      const governed = policy.fields.map((f) => f.name);
      const holders = model.holdersOf(policy);
      const claims = new Map<string, Platform[]>();
      const seenSides = new Set<Platform>();
      for (const side of split) {
        if (seenSides.has(side.platform)) problems.push(`${side.platform.name} appears as two sides`);
        seenSides.add(side.platform);
        if (!holders.includes(side.platform)) {
          problems.push(`${side.platform.name} is a side but neither the authority nor a copy of this policy`);
        }
        for (const name of side.fields) {
          if (!governed.includes(name)) {
            problems.push(`${side.platform.name} claims "${name}", which the policy does not govern (it governs ${governed.join(', ')})`);
            continue;
          }
          const list = claims.get(name) ?? [];
          list.push(side.platform);
          claims.set(name, list);
        }
      }
      for (const [name, sides] of claims) {
        if (sides.length > 1) problems.push(`"${name}" is claimed by ${sides.map((p) => p.name).join(' and ')}`);
      }
      const unclaimed = governed.filter((n) => !claims.has(n));
      if (unclaimed.length > 0) problems.push(`no side controls ${unclaimed.map((n) => `"${n}"`).join(', ')}`);
      if (problems.length === 0) continue;
      findings.push({
        subject: policy,
        message: `the two-way split of ${policy.concept.conceptName} is inconsistent: ${problems.join('; ')}.`,
      });
    }
    return findings;
  }
}
