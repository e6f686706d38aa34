import { Copy, Divergence, Duration, Propagation } from '../../constructs/src';
import { campaigns, expectClean, expectError, findingText, synth } from './harness';

test('compliant: each field is controlled by exactly one side', () => {
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

test('non-compliant: a field claimed twice, a field claimed by nobody, an unknown field', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['name', 'nmae'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['name', 'routing_state'] });
  });
  const text = findingText(result.error!, 'invalid-split', 'campaigns/campaign-naming');
  expect(text).toContain('"name" is claimed by crm and ops');
  expect(text).toContain('no side controls "routing_state"');
  expect(text).toContain('ops claims "nmae", which the policy does not govern');
  expectError(result, 'invalid-split', 'campaigns/campaign-naming', 'List every governed field exactly once');
});

test('non-compliant: a side that is a read-only copy, or not in the policy at all', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['routing_state'] }, { platform: p.erp, fields: [] }],
      }),
    }, { fields: ['name', 'routing_state'] });
  });
  const text = findingText(result.error!, 'invalid-split', 'campaigns/campaign-naming');
  expect(text).toContain('ops controls routing_state but its copy is read-only: the guard refuses every edit of them there');
  expect(text).toContain('erp is a side but neither the authority nor a copy of this policy');
});
