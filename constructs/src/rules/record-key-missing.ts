import type { AuthorityModel } from '../authority-model';
import type { Platform } from '../platform';
import { namesDiffer } from '../route-mapping';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/** Whether a sync route would carry values from `source` to `copy` (both connected, of kinds a router joins). */
function routed(source: Platform, copy: Platform): boolean {
  const [from, to] = [source.syncEndpoint.connection, copy.syncEndpoint.connection];
  return !!from && !!to && from.canSyncTo(to);
}

/**
 * A copy holds a governed field under another schema, table or column name than the platform it
 * is fed from, and the concept does not say how its records correspond there (keyedBy): no route
 * can find the copy's rows, so values would not flow. Only where a route would run (both platforms
 * connected, of kinds the provider routes between); a model of platforms not connected is not held to it.
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
          if (!from || !to || source === copy.platform || !namesDiffer(from, to) || !routed(source, copy.platform)) continue;
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
