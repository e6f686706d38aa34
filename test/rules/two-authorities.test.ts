import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain } from '../../constructs/src';
import { campaigns, expectClean, expectError, findingText, synth } from './harness';

test('compliant: two domains, each the authority for its own facts', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p);
    const content = new Domain(app, 'content', { governedBy: 'Content team' });
    const page = new Concept(content, 'Content');
    page.addField('title', p.cms.at('content.title'), p.ops.at('content_queue.title'));
    new AuthorityPolicy(content, 'publishing', {
      concept: page, authority: p.cms, origin: p.cms, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.cms, { how: 'edit the entry and publish it again' }),
    });
  }));
});

test('non-compliant: a second domain declares another authority for campaign.name', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p, {}, { holders: (q) => [q.crm, q.ops, q.cms] });
    const content = new Domain(app, 'content', { governedBy: 'Content team' });
    new AuthorityPolicy(content, 'publishing', {
      concept: campaign, fields: ['name'], authority: p.cms, origin: p.cms, copies: [Copy.readOnly(p.crm)],
      correction: CorrectionPath.at(p.cms, { how: 'edit the entry' }),
    });
  });
  expectError(result, 'two-authorities', 'content/publishing',
    'campaign.name has 2 authorities (crm in campaigns/campaign-naming, cms in content/publishing).');
  expectError(result, 'two-authorities', 'content/publishing', 'Keep one policy per field');
});

test('non-compliant: two policies with the same authority still govern one field twice', () => {
  const result = synth((app, p) => {
    const { domain, campaign } = campaigns(app, p);
    new AuthorityPolicy(domain, 'campaign-naming-again', {
      concept: campaign, fields: ['name'], authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit it' }),
    });
  });
  expectError(result, 'two-authorities', 'campaigns/campaign-naming-again', 'is governed by 2 policies');
});

test('non-compliant: two concepts map the same column, each with its own policy', () => {
  const result = synth((app, p) => {
    campaigns(app, p);
    const ops = new Domain(app, 'operations', { governedBy: 'Operations' });
    const routing = new Concept(ops, 'Routing');
    routing.addField('campaign_name', p.ops.at('campaigns.name'), p.cms.at('content.campaign_name'));
    new AuthorityPolicy(ops, 'routing', {
      concept: routing, authority: p.ops, origin: p.ops, copies: [Copy.readOnly(p.cms)],
      correction: CorrectionPath.at(p.ops, { how: 'edit the routing board' }),
    });
  });
  const text = findingText(result.error!, 'two-authorities', 'operations/routing');
  expect(text).toContain('ops:public.campaigns.name is governed by 2 policies');
  expect(text).toContain('campaigns/campaign-naming as campaign.name, authority crm');
  expect(text).toContain('Model the column once');
});
