import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: every field held on two platforms has a policy; a field on one platform needs none', () => {
  expectClean(synth((app, p) => {
    const { campaign } = campaigns(app, p);
    campaign.addField('internal_notes', p.ops.at('campaigns.internal_notes'));
  }));
});

test('compliant: a concept whose columns are governed through another concept\'s policy', () => {
  // Reporting re-declares the CRM's campaign name as its own concept; asking for a second policy
  // there would create two authorities, so the columns count as governed.
  expectClean(synth((app, p) => {
    campaigns(app, p);
    const reporting = new Domain(app, 'reporting', { governedBy: 'Analytics' });
    new Concept(reporting, 'CampaignView').addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns.name'));
  }));
});

test('non-compliant: a field held on the CRM and the ops tool with no policy', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p);
    campaign.addField('owner', p.crm.at('campaigns.owner'), p.ops.at('campaigns.owner'));
  });
  expectError(result, 'no-authority', 'campaigns/Campaign', "campaign.owner is held on crm, ops, but no policy declares its authority.");
  expectError(result, 'no-authority', 'campaigns/Campaign', "Add an AuthorityPolicy with concept Campaign and fields ['owner']");
});

test('non-compliant: a concept with no policy at all, in a domain of its own', () => {
  const result = synth((app, p) => {
    campaigns(app, p);
    const billing = new Domain(app, 'billing', { governedBy: 'Finance' });
    new Concept(billing, 'Invoice').addField('status', p.erp.at('invoices.status'), p.crm.at('invoices.status'));
  });
  expectError(result, 'no-authority', 'billing/Invoice', 'invoice.status is held on erp, crm');
});

test('non-compliant: several ungoverned fields of one concept are one finding', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p);
    campaign.addField('owner', p.crm.at('campaigns.owner'), p.ops.at('campaigns.owner'));
    campaign.addField('budget', p.crm.at('campaigns.budget'), p.erp.at('campaigns.budget'));
  });
  expectError(result, 'no-authority', 'campaigns/Campaign',
    'campaign.owner (on crm, ops), campaign.budget (on crm, erp) are each held on several platforms, but no policy declares their authority.');
  expectError(result, 'no-authority', 'campaigns/Campaign', "fields ['owner', 'budget']");
});

// Keeps the imports honest: a policy added for the field makes the finding go away.
test('the finding goes away once the field has a policy', () => {
  expectClean(synth((app, p) => {
    const { domain, campaign } = campaigns(app, p);
    campaign.addField('owner', p.crm.at('campaigns.owner'), p.ops.at('campaigns.owner'));
    new AuthorityPolicy(domain, 'campaign-owner', {
      concept: campaign, fields: ['owner'], authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'reassign the campaign' }),
    });
  }));
});
