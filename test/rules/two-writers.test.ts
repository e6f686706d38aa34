import { Copy, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: a local override with a declared divergence rule', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops renames campaigns for routing during launches' })],
      divergence: Divergence.MANUAL_REVIEW,
    });
  }));
});

test('compliant: a two-way sync without a split, with a declared divergence rule', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.NEWEST_WINS,
    });
  }));
});

test('compliant: declaring the default (AUTHORITY_WINS) explicitly is a decision', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'temporary fix-ups' })],
      divergence: Divergence.AUTHORITY_WINS,
    });
  }));
});

test('non-compliant: a local override and no divergence rule', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { copies: [Copy.localOverride(p.ops, { reason: 'ops renames campaigns for routing' })] });
  });
  expectError(result, 'two-writers', 'campaigns/campaign-naming',
    'campaign.name: ops allows local overrides while crm is the authority, and the policy does not say what wins');
  expectError(result, 'two-writers', 'campaigns/campaign-naming', 'Declare divergence in the policy');
});

test('non-compliant: a two-way sync with no split and no divergence rule', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }) });
  });
  expectError(result, 'two-writers', 'campaigns/campaign-naming',
    'two-way propagation between crm and ops with no field split and no declared divergence rule');
  expectError(result, 'two-writers', 'campaigns/campaign-naming', 'Split the fields');
});
