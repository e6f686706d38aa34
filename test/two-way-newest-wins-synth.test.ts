/**
 * What the constructs synthesize for a two-way sync without a split decided by NEWEST_WINS: a
 * route each way on every field, both declared two_way and newest_wins, and neither side guarded
 * (both platforms write). Any other rule without a split still makes no routes.
 */
import { Copy, Divergence, Duration, Propagation } from '../constructs/src';
import { campaigns, synth } from './rules/harness';

const twoWay = Propagation.twoWay({ maxLag: Duration.minutes(5) });
const resources = (stacks: Record<string, any>, type: string): any[] => Object.values(stacks).flatMap((s) => Object.values<any>(s.resource?.[type] ?? {}));

test('NEWEST_WINS without a split: a route each way on every field, both two_way and newest_wins, under one key', () => {
  const { stacks, error } = synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS }, { fields: ['name', 'budget'] });
  }, {}, { connected: true });
  expect(error).toBeUndefined();
  const routes = resources(stacks, 'authority_sync_route');
  expect(routes.map((r) => [r.authority, r.copy, r.table, r.columns, r.two_way, r.divergence, r.max_lag]).sort()).toEqual([
    ['crm', 'ops', 'campaigns', ['name', 'budget'], true, 'newest_wins', '5m'],
    ['ops', 'crm', 'campaigns', ['name', 'budget'], true, 'newest_wins', '5m'],
  ]);
  expect(new Set(routes.map((r) => r.key)).size).toBe(1);
});

test('neither side is guarded as a read-only copy: each holds its table as a writer (no override either)', () => {
  const { stacks } = synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.NEWEST_WINS, copies: [Copy.localOverride(p.ops, { reason: 'ops renames for events' })] });
  }, {}, { connected: true });
  const protections = resources(stacks, 'authority_field_protection');
  expect(protections.map((r) => [r.platform, r.authority, r.override_reason]).sort()).toEqual([['crm', 'crm', undefined], ['ops', 'ops', undefined]]);
});

test('another rule without a split: a warning, and no routes (each field needs one sender)', () => {
  const { stacks, warnings } = synth((app, p) => {
    campaigns(app, p, { propagation: twoWay, divergence: Divergence.MANUAL_REVIEW });
  }, {}, { connected: true });
  expect(resources(stacks, 'authority_sync_route')).toEqual([]);
  expect(warnings.map((w) => w.message).join('\n')).toContain(
    'campaigns/campaign-naming: a two-way sync without a split is not configured on the platforms: each field needs one sender. Declare a split, or divergence NEWEST_WINS with one copy.');
});
