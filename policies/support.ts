/** Support: ticket lifecycle belongs to the support desk; BI reports on it. */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Propagation } from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class SupportDomain extends Domain {
  constructor(scope: Construct, id: string, { support, bi }: OrganizationPlatforms) {
    super(scope, id, { governedBy: 'Customer support', description: 'Ticket lifecycle.' });

    const ticket = new Concept(this, 'Ticket', { description: 'A customer support ticket.' });
    ticket.addField('status', support.at('tickets.status'), bi.at('tickets.status'));

    new AuthorityPolicy(this, 'ticket-lifecycle', {
      concept: ticket,
      authority: support,
      origin: support,
      copies: [Copy.readOnly(bi)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      correction: CorrectionPath.at(support, { how: 'change the ticket status in the desk', contact: '#support-leads' }),
    });
  }
}
