/**
 * Campaigns: campaign naming is authoritative in the CRM. The operations tool, the CMS and the
 * BI layer hold read-only copies (and Tryton, when `npm run start:apps` runs it: a campaign is a
 * party category there); an operator who finds a wrong name fixes it in the CRM.
 */
import { Construct } from 'constructs';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Propagation,
} from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class CampaignsDomain extends Domain {
  constructor(scope: Construct, id: string, platforms: Pick<OrganizationPlatforms, 'crm' | 'ops'> & Partial<OrganizationPlatforms>) {
    super(scope, id, { governedBy: 'Marketing operations', description: 'Campaign metadata and naming.' });
    const { crm, ops, cms, bi } = platforms;

    const campaign = new Concept(this, 'Campaign', { description: 'A marketing campaign.' });
    const { tryton } = platforms;
    campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'),
      ...(cms ? [cms.at('campaigns.name')] : []), ...(bi ? [bi.at('campaigns.name')] : []),
      // In Tryton a campaign is the party category of the parties it brought in, with the campaign's id.
      ...(tryton ? [tryton.at('party.category.name')] : []));
    if (tryton) campaign.keyedBy({ keys: [crm.at('campaigns.id'), tryton.at('party.category.id')] });

    new AuthorityPolicy(this, 'campaign-naming', {
      concept: campaign,
      fields: ['name'],
      authority: crm,
      origin: crm,
      governedBy: 'Marketing operations',
      copies: [Copy.readOnly(ops), ...(cms ? [Copy.readOnly(cms)] : []), ...(bi ? [Copy.readOnly(bi)] : []), ...(tryton ? [Copy.readOnly(tryton)] : [])],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.AUTHORITY_WINS,
      correction: CorrectionPath.at(crm, {
        how: 'open the campaign and edit its name',
        runbook: 'https://wiki.example.com/runbooks/campaign-names',
        contact: '#marketing-ops',
      }),
    });
  }
}
