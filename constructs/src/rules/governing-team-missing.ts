import type { AuthorityModel } from '../authority-model';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A Domain or policy with a blank governing team (second question of the final checklist). */
export class GoverningTeamMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'governing-team-missing',
      summary: 'A domain or policy names no team that governs the process behind its data.',
      explanation:
        'The best system of record is the one whose team owns the process, data quality and operational ' +
        'responsibility. Without a governing team, nobody reviews the policy\'s plans or decides when ' +
        'values diverge: "which team governs the process behind it?" is on the final checklist.',
      advice: 'Name the governing team: new Domain(scope, id, { governedBy: \'Team name\' }), or governedBy on the policy.',
      level: RuleLevel.ERROR,
      // Suppressible, with a reason, like every documentation rule.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const blank = (s: string | undefined) => !s || s.trim() === '';
    const findings: RuleFinding[] = [];
    for (const domain of model.domains.filter((d) => blank(d.governedBy))) {
      findings.push({
        subject: domain,
        message: 'the domain names no governing team (governedBy is blank).',
        advice: `Set governedBy on the Domain "${domain.node.id}" to the team that governs its process and reviews its plans.`,
      });
    }
    for (const policy of model.policies.filter((p) => blank(p.governedBy))) {
      const domain = model.domainOf(policy);
      if (domain && blank(domain.governedBy)) continue; // reported once, on the domain
      findings.push({
        subject: policy,
        message: 'the policy names no governing team (governedBy is blank).',
        advice: 'Set governedBy on the policy to the team that governs these fields, or leave it out to use the domain\'s team.',
      });
    }
    return findings;
  }
}
