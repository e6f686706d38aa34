import type { AuthorityModel } from '../authority-model';
import type { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A policy with two copies on one platform. */
export class DuplicateCopyRule extends AuthorityRule {
  constructor() {
    super({
      id: 'duplicate-copy',
      summary: 'A policy declares two copies on the same platform.',
      explanation:
        'Allowed edits are decided once per platform: two copies on one platform give it two answers ' +
        '(say read-only and local override), and people cannot tell whether their edit is allowed.',
      advice: 'Keep one copy per platform in the policy, with the allowed edits you mean.',
      level: RuleLevel.ERROR,
      // Not suppressible: contradictory allowed edits on one platform.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const counts = new Map<Platform, number>();
      policy.copies.forEach((c) => counts.set(c.platform, (counts.get(c.platform) ?? 0) + 1));
      for (const [platform, n] of counts) {
        if (n < 2) continue;
        const kinds = policy.copies.filter((c) => c.platform === platform).map((c) => c.edits.replace(/_/g, '-'));
        findings.push({
          subject: policy,
          message: `${platform.name} holds ${n} copies in this policy (${kinds.join(', ')}).`,
          advice: `Keep one copy on ${platform.name}.`,
        });
      }
    }
    return findings;
  }
}
