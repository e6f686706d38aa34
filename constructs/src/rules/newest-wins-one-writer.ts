import { AuthorityModel } from '../authority-model';
import { AllowedEdits } from '../copy';
import { Divergence } from '../propagation';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * NEWEST_WINS where only the authority writes: every copy is read-only or enrich-only and values
 * flow one way, so no value on a copy is ever written after the authority's. The rule would
 * promise something that cannot happen (and hide that the copies are protected).
 */
export class NewestWinsOneWriterRule extends AuthorityRule {
  constructor() {
    super({
      id: 'newest-wins-one-writer',
      summary: 'NEWEST_WINS is declared where only the authority writes the field.',
      explanation:
        'NEWEST_WINS orders writes made in two places: a person\'s local override on a copy and the authority\'s ' +
        'changes, or the two sides of a two-way sync. Where every copy is read-only or enrich-only and values flow ' +
        'one way, only the authority writes, so there is never a newer value on a copy to win: the declaration says ' +
        'something about the platforms that they will never do.',
      advice:
        'Declare Divergence.AUTHORITY_WINS (or leave divergence out), or allow edits where people make them: ' +
        'Copy.localOverride(platform, { reason, expires }).',
      level: RuleLevel.ERROR,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      if (policy.divergence !== Divergence.NEWEST_WINS || model.isTwoWay(policy)) continue;
      if (policy.copies.some((c) => c.edits === AllowedEdits.LOCAL_OVERRIDE)) continue;
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      const copies = policy.copies.map((c) => `${c.platform.name} (${c.edits === AllowedEdits.ENRICH_ONLY ? 'enrich-only' : 'read-only'})`);
      findings.push({
        subject: policy,
        message:
          `${fields}: divergence NEWEST_WINS, but only ${policy.authority.name} writes ${policy.fields.length === 1 ? 'it' : 'them'}: ` +
          `${copies.length ? `the copies on ${copies.join(', ')} take no edits` : 'there is no copy'} and values flow one way, ` +
          'so no value on a copy is ever newer than the authority\'s.',
        advice:
          'Declare divergence: Divergence.AUTHORITY_WINS (or leave it out), or let people override where they edit: ' +
          `${policy.copies.length ? `Copy.localOverride(${policy.copies[0].platform.name}, { reason, expires })` : 'Copy.localOverride(platform, { reason, expires })'}.`,
      });
    }
    return findings;
  }
}
