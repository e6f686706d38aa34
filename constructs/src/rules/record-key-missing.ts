import type { AuthorityModel } from '../authority-model';
import { namesDiffer } from '../route-mapping';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A copy holds a governed field under another schema, table or column name than the platform it
 * is fed from, and the concept does not say how its records correspond there (keyedBy): no route
 * can find the copy's rows, so values would not flow.
 */
export class RecordKeyMissingRule extends AuthorityRule {
  constructor() {
    super({
      id: 'record-key-missing',
      summary: 'A copy keeps a field under other names than its source, and the concept declares no record key for them.',
      explanation:
        'Real systems name the same fact differently (a CRM\'s party.name is a CMS\'s accounts.display_name) and know each ' +
        'other\'s records by an external-id column. A sync can carry values between different names only when the model says ' +
        'which column on the copy holds the authority\'s key; without it the copy\'s rows cannot be found and nothing flows.',
      advice: 'Declare the key on each platform: concept.keyedBy({ keys: [crm.at(\'table.id\'), ops.at(\'table.crm_id\')] }).',
      level: RuleLevel.WARNING,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const key = policy.concept.recordKey;
      for (const copy of policy.copies) {
        for (const field of policy.fields) {
          const source = copy.feedsFrom ?? policy.ownerOf(field);
          const [from, to] = [field.locationOn(source), field.locationOn(copy.platform)];
          if (!from || !to || source === copy.platform || !namesDiffer(from, to)) continue;
          const lacking = [source, copy.platform].filter((p) => !key?.keyOn(p));
          if (lacking.length === 0) continue;
          findings.push({
            subject: policy,
            message: `${field} is ${from} on ${source.name} but ${to} on ${copy.platform.name}, and ${policy.concept.node.path} ` +
              `declares no record key on ${lacking.map((p) => p.name).join(' and ')}: values cannot flow to ${copy.platform.name}.`,
            advice: `Add ${lacking.map((p) => `${p.name}.at('table.key_column')`).join(' and ')} to ${policy.concept.node.path}.keyedBy({ keys }).`,
          });
        }
      }
    }
    return findings;
  }
}
