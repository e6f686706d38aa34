import type { AuthorityModel } from '../authority-model';
import { AllowedEdits } from '../copy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** A reporting, BI, spreadsheet, export or warehouse platform treated as operational truth. */
export class ReportingAuthorityRule extends AuthorityRule {
  constructor() {
    super({
      id: 'reporting-authority',
      summary: 'A reporting or export platform is an authority, holds an editable copy, or writes back through a two-way sync.',
      explanation:
        'Dashboards, spreadsheets, BI layers, warehouses and exports are where people look, not where truth ' +
        'should be edited: they consume, aggregate and lag. Treating them as the authority, or letting edits ' +
        'there flow back, leads to stale edits and reconciliation pain ' +
        '(mistakes 2 and 5: the most visible tool as source of truth; reporting layers as operational truth).',
      advice:
        'Make the operational system that governs the process the authority, and give the reporting ' +
        'platform a read-only copy fed one way (Propagation.oneWay, derived or reportOnly).',
      level: RuleLevel.ERROR,
      // Suppressible: a platform's kind can mislabel a tool a team really runs its process in.
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      if (policy.authority.isReporting) {
        findings.push({
          subject: policy,
          message: `${fields}: the authority is ${policy.authority.name}, a ${policy.authority.kind} platform (a consumer of data, not operational truth).`,
        });
      }
      for (const copy of policy.copies.filter((c) => c.platform.isReporting && c.edits === AllowedEdits.LOCAL_OVERRIDE)) {
        findings.push({
          subject: policy,
          message: `${fields}: ${copy.platform.name} is a ${copy.platform.kind} platform with an editable copy (local override): people would edit a report.`,
          advice: `Make the copy on ${copy.platform.name} read-only (Copy.readOnly) and send corrections to ${policy.authority.name}.`,
        });
      }
      if (model.isTwoWay(policy)) {
        const writers = model.writersOf(policy).filter((p) =>
          p !== policy.authority && p.isReporting && model.copyOn(policy, p)?.edits !== AllowedEdits.LOCAL_OVERRIDE);
        for (const platform of writers) {
          findings.push({
            subject: policy,
            message: `${fields}: two-way propagation writes back from ${platform.name}, a ${platform.kind} platform, into operational systems.`,
            advice: `Feed ${platform.name} one way (Propagation.oneWay or Propagation.reportOnly) and keep edits in ${policy.authority.name}.`,
          });
        }
      }
    }
    return findings;
  }
}
