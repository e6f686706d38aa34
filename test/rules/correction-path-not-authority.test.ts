import { Copy, CorrectionPath, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: the correction path leads to the authority', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('compliant: in a two-way split, the side that controls fields may be the correction path', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['routing_state'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
      correction: CorrectionPath.at(p.ops, { how: 'move it on the routing board' }),
    }, { fields: ['name', 'routing_state'] });
  }));
});

test('non-compliant: the correction path points at a copy', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { correction: CorrectionPath.at(p.ops, { how: 'edit it in the ops tool' }) });
  });
  expectError(result, 'correction-path-not-authority', 'campaigns/campaign-naming',
    'campaign.name: the correction path points at ops, which holds a copy (read-only); the authority is crm.');
  expectError(result, 'correction-path-not-authority', 'campaigns/campaign-naming',
    'Use CorrectionPath.at(crm, { how }): a fix on ops is overwritten by the next sync or refused by its guard.');
});

test('non-compliant: the correction path points at a platform outside the policy', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { correction: CorrectionPath.at(p.erp, { how: 'raise it with finance' }) });
  });
  expectError(result, 'correction-path-not-authority', 'campaigns/campaign-naming',
    'points at erp, which is neither the authority (crm) nor a copy in this policy');
});
