import { Copy, CorrectionPath, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: the BI layer holds a read-only copy fed one way', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.bi)] }, { holders: (q) => [q.crm, q.ops, q.bi] });
  }));
});

test('non-compliant: the BI layer as the authority', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      authority: p.bi, origin: p.bi, correction: CorrectionPath.at(p.bi, { how: 'edit the dashboard' }),
      copies: [Copy.readOnly(p.crm), Copy.readOnly(p.ops)],
    }, { holders: (q) => [q.crm, q.ops, q.bi] });
  });
  expectError(result, 'reporting-authority', 'campaigns/campaign-naming',
    'campaign.name: the authority is bi, a bi platform (a consumer of data, not operational truth).');
  expectError(result, 'reporting-authority', 'campaigns/campaign-naming', 'Make the operational system that governs the process the authority');
});

test('non-compliant: an editable copy in the BI layer', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.readOnly(p.ops), Copy.localOverride(p.bi, { reason: 'analysts fix names in reports' })],
      divergence: Divergence.AUTHORITY_WINS,
    }, { holders: (q) => [q.crm, q.ops, q.bi] });
  });
  expectError(result, 'reporting-authority', 'campaigns/campaign-naming', 'bi is a bi platform with an editable copy (local override)');
  expectError(result, 'reporting-authority', 'campaigns/campaign-naming', 'Make the copy on bi read-only (Copy.readOnly)');
});

test('non-compliant: a two-way sync that writes back from a spreadsheet-like consumer', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.readOnly(p.bi)],
      propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }),
      divergence: Divergence.NEWEST_WINS,
    }, { holders: (q) => [q.crm, q.bi] });
  });
  expectError(result, 'reporting-authority', 'campaigns/campaign-naming', 'two-way propagation writes back from bi');
});
