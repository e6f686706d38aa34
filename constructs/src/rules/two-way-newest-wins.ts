import type { AuthorityModel } from '../authority-model';
import { Divergence } from '../propagation';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A two-way sync without a split, decided by NEWEST_WINS, between the authority and anything but
 * exactly one copy fed from it. The platforms carry it as two routes between two platforms: each
 * side takes the other's writes, but does not pass on what arrived by replication (origin = none,
 * so nothing echoes), so a second copy would never see the first one's writes.
 */
export class TwoWayNewestWinsRule extends AuthorityRule {
  constructor() {
    super({
      id: 'two-way-newest-wins',
      summary: 'A two-way sync without a split (NEWEST_WINS) has other than exactly one copy fed from the authority.',
      explanation:
        'Without a split both platforms write the same fields and the most recent write wins on both. The platforms ' +
        'sync the two sides directly, both ways; a side does not pass on changes that arrived by replication (that is ' +
        'what keeps a value from echoing back and forth), so with a second copy the copies would never see each other\'s ' +
        'writes, and a copy fed from another copy has no route to the authority at all.',
      advice:
        'Keep one copy in the policy (other platforms can hold one-way copies under a policy of their own), fed from the ' +
        'authority; or split the fields (Propagation.twoWay({ maxLag, split })).',
      level: RuleLevel.ERROR,
      // Not suppressible: the platforms cannot carry it (the policy makes no routes).
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      if (!model.isTwoWay(policy) || policy.propagation.split.length > 0 || policy.divergence !== Divergence.NEWEST_WINS) continue;
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      const copies = policy.copies.map((c) => c.platform.name);
      if (copies.length !== 1) {
        findings.push({
          subject: policy,
          message: `${fields}: a two-way sync with NEWEST_WINS and no split runs between ${policy.authority.name} and exactly one copy; ` +
            `the policy has ${copies.length ? `${copies.length} (${copies.join(', ')})` : 'none'}.`,
        });
        continue;
      }
      const fed = policy.copies[0].feedsFrom;
      if (fed && fed !== policy.authority) {
        findings.push({
          subject: policy,
          message: `${fields}: the copy on ${copies[0]} is fed from ${fed.name}, but a two-way sync with NEWEST_WINS and no split ` +
            `runs between it and the authority, ${policy.authority.name}.`,
          advice: `Leave feedsFrom out of Copy(${copies[0]}), or make the sync one-way.`,
        });
      }
    }
    return findings;
  }
}
