/** Billing: billing state belongs to the ERP (finance governs it); the CRM and BI hold copies. */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Propagation } from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class BillingDomain extends Domain {
  constructor(scope: Construct, id: string, { erp, crm, bi }: OrganizationPlatforms) {
    super(scope, id, { governedBy: 'Finance', description: 'Billing and payment state.' });

    const billing = new Concept(this, 'Account', { description: 'Whether a customer account is paid up.' });
    billing.addField('billing_state', erp.at('accounts.billing_state'), crm.at('accounts.billing_state'), bi.at('accounts.billing_state'));

    new AuthorityPolicy(this, 'billing-state', {
      concept: billing,
      authority: erp,
      origin: erp,
      copies: [Copy.readOnly(crm), Copy.readOnly(bi)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(30) }),
      correction: CorrectionPath.at(erp, { how: 'post a correcting entry on the account', runbook: 'https://wiki.example.com/runbooks/billing', contact: '#finance' }),
    });
  }
}
