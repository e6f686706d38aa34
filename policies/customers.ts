/**
 * Customers: a customer's name is authoritative in the CRM, which is Tryton (a party's name,
 * `party.party.name`, in Tryton's table `party_party`). The operations tool and the CMS keep
 * copies under their own names, each finding a party by the column that holds its id:
 * `customers.display_name` by `customers.crm_party_id` in the ops tool, `accounts.display_name`
 * by `accounts.crm_party_id` in the CMS (a Directus collection when start:apps runs Directus).
 * Only with `npm run start:apps`, which runs Tryton.
 */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, MissingRows, Platform, Propagation } from '../constructs/src';

export interface CustomersPlatforms {
  readonly tryton: Platform;
  readonly ops: Platform;
  readonly cms: Platform;
}

export class CustomersDomain extends Domain {
  constructor(scope: Construct, id: string, { tryton, ops, cms }: CustomersPlatforms) {
    super(scope, id, { governedBy: 'Sales operations', description: 'Who the customers are, by name.' });

    const customer = new Concept(this, 'Customer', { description: 'A customer: a party in the CRM.' });
    customer.addField('name', tryton.at('party.party.name'), ops.at('customers.display_name'), cms.at('accounts.display_name'));
    customer.keyedBy({
      keys: [tryton.at('party.party.id'), ops.at('customers.crm_party_id'), cms.at('accounts.crm_party_id')],
      missingRows: MissingRows.CREATE, // a party made in Tryton appears in the ops tool and the CMS
      protectKeys: true, // crm_party_id is the sync's: nobody re-points a row at another party
    });

    new AuthorityPolicy(this, 'customer-naming', {
      concept: customer,
      authority: tryton,
      origin: tryton,
      copies: [Copy.readOnly(ops), Copy.readOnly(cms)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      correction: CorrectionPath.at(tryton, { how: 'open the party and edit its name', contact: '#sales-ops' }),
    });
  }
}
