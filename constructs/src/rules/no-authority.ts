import { AuthorityModel } from '../authority-model';
import type { ConceptField } from '../concept';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A field held on two or more platforms that no policy governs. */
export class NoAuthorityRule extends AuthorityRule {
  constructor() {
    super({
      id: 'no-authority',
      summary: 'A field held on two or more platforms has no declared authority.',
      explanation:
        'When a fact lives in several systems and no policy says which one the workflow trusts, every ' +
        'disagreement turns into a live argument and every sync conflict is resolved by hand, without ' +
        'changing the model that caused it (mistake 1: no explicit authority model).',
      advice:
        'Declare an AuthorityPolicy for it: the authority the workflow trusts without asking, the other ' +
        'holders as copies, the propagation direction and the correction path.',
      level: RuleLevel.ERROR,
      // Suppressible: a team may adopt the model one domain at a time, and say so.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    // A location governed through another concept's policy (two concepts mapping the same
    // column) counts as governed: asking for a second policy there would make two authorities.
    const governed = new Set<string>();
    for (const policy of model.policies) {
      for (const field of policy.fields) {
        for (const platform of model.holdersOf(policy)) governed.add(AuthorityModel.locationKey(field, platform));
      }
    }
    const findings: RuleFinding[] = [];
    for (const concept of model.concepts) {
      const ungoverned = concept.fields.filter((field) => {
        const platforms = new Set(field.platforms);
        if (platforms.size < 2) return false;
        if (model.policiesCovering(field).length > 0) return false;
        return !field.locations.every((l) => governed.has(l.toString()));
      });
      if (ungoverned.length === 0) continue;
      const on = (f: ConceptField) => f.platforms.map((p) => p.name).join(', ');
      const names = ungoverned.map((f) => `'${f.name}'`).join(', ');
      findings.push({
        subject: concept,
        message: ungoverned.length === 1
          ? `${ungoverned[0]} is held on ${on(ungoverned[0])}, but no policy declares its authority.`
          : `${ungoverned.map((f) => `${f} (on ${on(f)})`).join(', ')} are each held on several platforms, but no policy declares their authority.`,
        advice:
          `Add an AuthorityPolicy with concept ${concept.node.id} and fields [${names}] (one policy per authority), ` +
          'naming the system the workflow trusts without asking as authority and the other holders as copies.',
      });
    }
    return findings;
  }
}
