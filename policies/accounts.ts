/** Accounts: account ownership is authoritative in the CRM (sales ops governs it). */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Propagation } from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class AccountsDomain extends Domain {
  constructor(scope: Construct, id: string, { crm, erp, support, bi }: OrganizationPlatforms) {
    super(scope, id, { governedBy: 'Sales operations', description: 'Who owns each customer account.' });

    const account = new Concept(this, 'Account', { description: 'The salesperson who owns a customer account.' });
    account.addField('owner', crm.at('accounts.owner'), erp.at('accounts.owner'),
      support.at('accounts.owner'), bi.at('accounts.owner'));

    new AuthorityPolicy(this, 'account-ownership', {
      concept: account,
      authority: crm,
      origin: crm,
      copies: [Copy.readOnly(erp), Copy.readOnly(support), Copy.readOnly(bi)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(10) }),
      correction: CorrectionPath.at(crm, { how: 'reassign the account owner', contact: '#sales-ops' }),
    });
  }
}
