import type { AuthorityModel } from '../authority-model';
import type { AuthorityPolicy } from '../authority-policy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * Two policies route one table between the same two platforms, and one of the routes maps it
 * into other names on the copy. A copy receives a mapped table in one staging table of the
 * authority's name and maps it from there by one trigger, so the second route would take the
 * first one's place (the provider refuses it at plan).
 */
export class MappedRouteSharedRule extends AuthorityRule {
  constructor() {
    super({
      id: 'mapped-route-shared',
      summary: 'Two policies route one table between the same platforms, and one maps it into other names.',
      explanation:
        'A route across differing names delivers the authority\'s table into a staging table of its name on the copy, and one ' +
        'trigger maps it from there into the copy\'s table. One table between two platforms can therefore carry one mapped route: ' +
        'a second policy\'s route of the same table would replace the first\'s mapping, and its fields would stop flowing.',
      advice: 'Govern the table\'s fields that go to this copy in one policy, or keep them under the same names on the copy.',
      level: RuleLevel.ERROR,
      // Not suppressible: the provider refuses it anyway.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const byAddress = new Map<string, { policy: AuthorityPolicy; target?: string }[]>();
    for (const policy of model.policies) {
      for (const r of policy._plannedRoutes().values()) {
        const address = JSON.stringify([r.source.syncEndpoint.name, r.copy.syncEndpoint.name, r.schema, r.table]);
        const target = r.mapping ? `${r.mapping.schema}.${r.mapping.table}` : undefined;
        byAddress.set(address, [...byAddress.get(address) ?? [], { policy, target }]);
      }
    }
    const findings: RuleFinding[] = [];
    for (const [address, routes] of byAddress) {
      const mapped = routes.find((r) => r.target);
      if (routes.length < 2 || !mapped) continue;
      const [source, copy, schema, table] = JSON.parse(address) as string[];
      const others = routes.filter((r) => r !== mapped).map((r) => r.policy.node.path);
      findings.push({
        subject: mapped.policy,
        message: `its route of ${source}'s ${schema}.${table} to ${copy} maps it into ${mapped.target}, and ${others.join(', ')} ` +
          `route${others.length > 1 ? '' : 's'} the same table between the same platforms: only one of them would flow.`,
        advice: `Govern these fields in one policy (${[mapped.policy.node.path, ...others].join(', ')}), or keep them under the same names on ${copy}.`,
      });
    }
    return findings;
  }
}
