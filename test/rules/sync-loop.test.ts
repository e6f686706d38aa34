import { AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, findingText, synth } from './harness';

test('compliant: a chain authority -> copy -> copy flows one way', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms, { feedsFrom: p.ops })] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  }));
});

test('compliant: the back-and-forth of one declared two-way sync is not a loop', () => {
  // Two-way without a split adds edges both ways; that pair is what the policy declares (and
  // two-writers demands its divergence rule), so it is not reported as a loop.
  expectClean(synth((app, p) => {
    campaigns(app, p, { propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }), divergence: Divergence.MANUAL_REVIEW });
  }));
});

test('compliant: a two-way sync with a split flows one way per field', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['routing_state'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['name', 'routing_state'] });
  }));
});

test('non-compliant: a loop spanning two domains of one app', () => {
  const result = synth((app, p) => {
    // campaigns: crm -> ops for campaigns.name
    campaigns(app, p);
    // operations re-declares the same columns as its own concept and syncs ops -> crm
    const ops = new Domain(app, 'operations', { governedBy: 'Operations' });
    const routing = new Concept(ops, 'Routing');
    routing.addField('campaign_name', p.ops.at('campaigns.name'), p.crm.at('campaigns.name'));
    new AuthorityPolicy(ops, 'routing-names', {
      concept: routing, authority: p.ops, origin: p.ops, copies: [Copy.readOnly(p.crm)],
      correction: CorrectionPath.at(p.ops, { how: 'rename it on the routing board' }),
    });
  });
  const text = findingText(result.error!, 'sync-loop', 'operations/routing-names');
  expect(text).toContain(
    'values loop: crm:public.campaigns.name -> ops:public.campaigns.name (campaigns/campaign-naming) -> crm:public.campaigns.name (operations/routing-names).',
  );
  expectError(result, 'sync-loop', 'operations/routing-names', 'Break the loop');
});

test('non-compliant: copies fed from each other inside one policy', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.readOnly(p.ops, { feedsFrom: p.cms }), Copy.readOnly(p.cms, { feedsFrom: p.ops })],
    }, { holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expectError(result, 'sync-loop', 'campaigns/campaign-naming',
    'values loop: cms:public.campaigns.name -> ops:public.campaigns.name (campaigns/campaign-naming) -> cms:public.campaigns.name (campaigns/campaign-naming).');
});

test('non-compliant: a three-platform loop through a two-way sync and two one-way syncs', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.readOnly(p.ops)],
      propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.NEWEST_WINS,
    });
    const content = new Domain(app, 'content', { governedBy: 'Content team' });
    const a = new Concept(content, 'QueueName');
    a.addField('name', p.ops.at('campaigns.name'), p.cms.at('campaigns.name'));
    new AuthorityPolicy(content, 'queue-to-cms', {
      concept: a, authority: p.ops, origin: p.ops, copies: [Copy.readOnly(p.cms)],
      correction: CorrectionPath.at(p.ops, { how: 'x' }),
    });
    const b = new Concept(content, 'CmsName');
    b.addField('name', p.cms.at('campaigns.name'), p.crm.at('campaigns.name'));
    new AuthorityPolicy(content, 'cms-to-crm', {
      concept: b, authority: p.cms, origin: p.cms, copies: [Copy.readOnly(p.crm)],
      correction: CorrectionPath.at(p.cms, { how: 'x' }),
    });
  });
  expectError(result, 'sync-loop', 'content/cms-to-crm',
    'cms:public.campaigns.name -> crm:public.campaigns.name (content/cms-to-crm) -> ops:public.campaigns.name (campaigns/campaign-naming) -> cms:public.campaigns.name (content/queue-to-cms)');
});

test('non-compliant: copies of one policy fed from each other, on connected platforms (the finding, not a clash of route names)', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops, { feedsFrom: p.cms }), Copy.readOnly(p.cms, { feedsFrom: p.ops })] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  }, {}, { connected: true });
  expectError(result, 'sync-loop', 'campaigns/campaign-naming',
    'values loop: cms:public.campaigns.name -> ops:public.campaigns.name (campaigns/campaign-naming) -> cms:public.campaigns.name (campaigns/campaign-naming).');
  expect(result.error).not.toContain('There is already a Construct');
});
