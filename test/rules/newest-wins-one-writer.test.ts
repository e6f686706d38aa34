import { Copy, Divergence, Duration, Propagation, Rules } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: NEWEST_WINS on a copy people may override locally (the override and the authority\'s changes are ordered)', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops renames campaigns for routing during launches' })],
      divergence: Divergence.NEWEST_WINS,
    });
  }));
});

test('compliant: NEWEST_WINS on a two-way sync (both sides write)', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }), divergence: Divergence.NEWEST_WINS });
  }));
});

test('compliant: a read-only copy with another rule', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { divergence: Divergence.AUTHORITY_WINS });
  }));
});

test('non-compliant: NEWEST_WINS where every copy is read-only or enrich-only and values flow one way', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.enrichOnly(p.cms)], divergence: Divergence.NEWEST_WINS },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expectError(result, 'newest-wins-one-writer', 'campaigns/campaign-naming',
    'campaign.name: divergence NEWEST_WINS, but only crm writes it: the copies on ops (read-only), cms (enrich-only) take no edits ' +
    'and values flow one way, so no value on a copy is ever newer than the authority\'s.');
  expectError(result, 'newest-wins-one-writer', 'campaigns/campaign-naming', 'Copy.localOverride(ops, { reason, expires })');
});

test('it may be suppressed, with a reason', () => {
  expectClean(synth((app, p) => {
    const { policy } = campaigns(app, p, { divergence: Divergence.NEWEST_WINS });
    Rules.suppress(policy, 'newest-wins-one-writer', 'overrides on ops arrive next quarter (OPS-42)');
  }));
});
