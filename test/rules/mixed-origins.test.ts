import { Copy, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: a record-level policy whose fields all originate in its origin', () => {
  expectClean(synth((app, p) => {
    const { campaign } = campaigns(app, p, {}, { fields: ['name', 'budget'] });
    campaign.field('name').originatesIn(p.crm);
    campaign.field('budget').originatesIn(p.crm);
  }));
});

test('non-compliant: a record-level policy over fields created in different systems', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p, {}, { fields: ['name', 'budget'] });
    campaign.field('name').originatesIn(p.crm);
    campaign.field('budget').originatesIn(p.erp);
  });
  expectError(result, 'mixed-origins', 'campaigns/campaign-naming',
    'record-level policy over campaign, but its fields originate in different systems (name in crm; budget in erp), while the policy says its data is created in crm.');
  expectError(result, 'mixed-origins', 'campaigns/campaign-naming',
    "The record has no single owner: replace it with field-level policies, one per origin (crm: ['name'], erp: ['budget'])");
});

test('non-compliant: a field-level policy whose field originates elsewhere than the policy says', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p);
    campaign.field('name').originatesIn(p.cms);
  });
  expectError(result, 'mixed-origins', 'campaigns/campaign-naming',
    'the fields of this policy originate in different systems (name in cms), while the policy says its data is created in crm.');
});

test('a field originates in one place: declaring two origins throws', () => {
  synth((app, p) => {
    const { campaign } = campaigns(app, p);
    campaign.field('name').originatesIn(p.crm);
    expect(() => campaign.field('name').originatesIn(p.cms)).toThrow('campaigns/Campaign: campaign.name already originates in "crm"');
  });
});

test('compliant: a two-way split whose sides control the fields created on them', () => {
  expectClean(synth((app, p) => {
    const { campaign } = campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the escalation' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['owner'] }, { platform: p.ops, fields: ['escalation'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['owner', 'escalation'] });
    campaign.field('owner').originatesIn(p.crm);
    campaign.field('escalation').originatesIn(p.ops);
  }));
});

test('non-compliant: within one side of a split, fields created in different systems', () => {
  const result = synth((app, p) => {
    const { campaign } = campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the escalation' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['owner'] }, { platform: p.ops, fields: ['escalation', 'queue'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['owner', 'escalation', 'queue'] });
    campaign.field('owner').originatesIn(p.crm);
    campaign.field('escalation').originatesIn(p.ops);
    campaign.field('queue').originatesIn(p.erp);
  });
  expectError(result, 'mixed-origins', 'campaigns/campaign-naming',
    'the fields ops controls in the split originate in different systems (escalation in ops; queue in erp).');
});
