import { Copy, Divergence } from '../../constructs/src';
import { campaigns, expectClean, expectWarning, synth } from './harness';

test('compliant: a chain behind a read-only copy', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms, { feedsFrom: p.ops })] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  }));
});

test('non-compliant (warning): a copy chained behind a local override; synth goes on', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops renames for routing' }), Copy.readOnly(p.cms, { feedsFrom: p.ops })],
      divergence: Divergence.MANUAL_REVIEW,
    }, { holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expectWarning(result, 'fed-from-override', 'campaigns/campaign-naming',
    'the copy on cms is fed from ops, whose copy allows local overrides: local edits there reach cms as if authoritative.');
  expectWarning(result, 'fed-from-override', 'campaigns/campaign-naming', 'Feed cms from crm (leave feedsFrom out).');
});
