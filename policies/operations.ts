/** Operations: routing state is authoritative in the internal operations tool; BI reports on it. */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Propagation } from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class OperationsDomain extends Domain {
  constructor(scope: Construct, id: string, { ops, bi }: OrganizationPlatforms) {
    super(scope, id, { governedBy: 'Operations', description: 'Workflow routing.' });

    const campaign = new Concept(this, 'Campaign', { description: 'Where a campaign stands in the operations workflow.' });
    campaign.addField('routing_state', ops.at('campaigns.routing_state'), bi.at('campaigns.routing_state'));

    new AuthorityPolicy(this, 'routing-state', {
      concept: campaign,
      authority: ops,
      origin: ops,
      copies: [Copy.readOnly(bi)],
      propagation: Propagation.oneWay({ maxLag: Duration.hours(1) }),
      correction: CorrectionPath.at(ops, { how: 'move the campaign on the routing board', contact: '#ops' }),
    });
  }
}
