import { Copy, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

const twoWay = Propagation.twoWay({ maxLag: Duration.minutes(5) });

test('compliant: a two-way sync without a split, NEWEST_WINS, between the authority and one copy', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS });
  }));
});

test('compliant: another rule, or a split, is not this rule\'s business', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.MANUAL_REVIEW, copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms)] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  }));
});

test('non-compliant: two copies (a side does not pass on what arrived by replication, so the copies would never see each other\'s writes)', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS, copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms)] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expectError(result, 'two-way-newest-wins', 'campaigns/campaign-naming',
    'campaign.name: a two-way sync with NEWEST_WINS and no split runs between crm and exactly one copy; the policy has 2 (ops, cms).');
});

test('non-compliant: no copy', () => {
  expectError(synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS, copies: [] });
  }), 'two-way-newest-wins', 'campaigns/campaign-naming', 'the policy has none.');
});

test('non-compliant: the copy is fed from another platform', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS, copies: [Copy.readOnly(p.ops, { feedsFrom: p.cms })] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expectError(result, 'two-way-newest-wins', 'campaigns/campaign-naming',
    'campaign.name: the copy on ops is fed from cms, but a two-way sync with NEWEST_WINS and no split runs between it and the authority, crm.');
});
