import { AuthorityModel } from '../authority-model';
import type { AuthorityPolicy } from '../authority-policy';
import type { ConceptField } from '../concept';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** Two policies govern one field: directly, or through two concepts that map the same column. */
export class TwoAuthoritiesRule extends AuthorityRule {
  constructor() {
    super({
      id: 'two-authorities',
      summary: 'Two policies govern the same field: two authorities for one fact.',
      explanation:
        'A fact has one authority. When two policies govern the same field (or the same column through ' +
        'two concepts), two systems each believe they define it: their syncs overwrite each other, the ' +
        'guards protect contradictory copies and operators cannot tell where to correct it ' +
        '(mistake 3: letting two systems overwrite the same field).',
      advice:
        'Keep one policy per field: pick the system the workflow should trust without asking, make the ' +
        'other a copy in that policy, and remove the field from the other policy.',
      level: RuleLevel.ERROR,
      // Not suppressible: two enforced authorities overwrite each other's data.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    const reportedPairs = new Set<string>();
    const pairKey = (ps: AuthorityPolicy[]) => ps.map((p) => p.node.path).sort().join('|');

    // 1. The same concept field in two or more policies. Fields with the same set of policies
    //    are reported together.
    const byPolicies = new Map<string, { policies: AuthorityPolicy[]; fields: ConceptField[] }>();
    for (const concept of model.concepts) {
      for (const field of concept.fields) {
        const policies = model.policiesCovering(field);
        if (policies.length < 2) continue;
        const key = pairKey(policies);
        const group = byPolicies.get(key) ?? { policies, fields: [] };
        group.fields.push(field);
        byPolicies.set(key, group);
      }
    }
    for (const [key, { policies, fields }] of byPolicies) {
      reportedPairs.add(key);
      const names = fields.map((f) => f.toString()).join(', ');
      const authorities = new Set(policies.map((p) => p.authority));
      const who = policies.map((p) => `${p.authority.name} in ${p.node.path}`).join(', ');
      findings.push({
        subject: policies[policies.length - 1],
        message: authorities.size > 1
          ? `${names} ${fields.length > 1 ? 'have' : 'has'} ${policies.length} authorities (${who}).`
          : `${names} ${fields.length > 1 ? 'are' : 'is'} governed by ${policies.length} policies (${who}): one fact, one policy.`,
      });
    }

    // 2. One physical column governed by policies of different concepts.
    const byLocation = new Map<string, { policy: AuthorityPolicy; field: ConceptField }[]>();
    for (const policy of model.policies) {
      for (const field of policy.fields) {
        for (const platform of model.holdersOf(policy)) {
          if (!field.locationOn(platform)) continue;
          const key = AuthorityModel.locationKey(field, platform);
          const list = byLocation.get(key) ?? [];
          if (!list.some((e) => e.policy === policy)) list.push({ policy, field });
          byLocation.set(key, list);
        }
      }
    }
    for (const [location, entries] of byLocation) {
      if (entries.length < 2) continue;
      const policies = entries.map((e) => e.policy);
      const key = pairKey(policies);
      if (reportedPairs.has(key)) continue;
      reportedPairs.add(key);
      const who = entries.map((e) => `${e.policy.node.path} as ${e.field}, authority ${e.policy.authority.name}`).join('; ');
      findings.push({
        subject: policies[policies.length - 1],
        message: `${location} is governed by ${entries.length} policies (${who}): two concepts map the same column.`,
        advice:
          'Model the column once: keep it in one concept and one policy (the other domain can reference ' +
          'that concept), or point the other concept at the column it really means.',
      });
    }
    return findings;
  }
}
