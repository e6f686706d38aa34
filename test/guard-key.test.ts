/**
 * A protection's key names its guard on the platform: two policies' keys on one table must differ
 * whatever their ids look like, stay put across a change of authority, and stay readable.
 */
import { guardKey, MAX_GUARD_KEY_LENGTH } from '../constructs/src/guard-key';
import { HOSTILE_NAMES } from './support/hostile-names';

/** The adapter's test for a key it keeps readable (provider/platforms/postgresql/adapter.ts mechanismName). */
const READABLE = /^[a-z0-9_]+$/;

test.each([
  ['ids that differ only in "-" and "_"', ['deals', 'deal-title'], ['deals', 'deal_title']],
  ['ids that differ only in case', ['deals', 'Deal'], ['deals', 'deal']],
  ['the same words split differently between domain and policy', ['sales', 'x_y'], ['sales_x', 'y']],
  ['a dot where the other has a space', ['sales', 'a.b'], ['sales', 'a b']],
  ['a split side and a policy named like it', ['sales', 'deal', 'from', 'crm'], ['sales', 'deal_from_crm']],
  ['a long common head, different tails', ['sales', `${'x'.repeat(60)}-a`], ['sales', `${'x'.repeat(60)}-b`]],
])('%s get different keys', (_label, a, b) => {
  expect(guardKey(a)).not.toBe(guardKey(b));
});

test('a key is the path, readable, and a digest of the exact path', () => {
  expect(guardKey(['campaigns', 'campaign-naming'])).toMatch(/^campaigns_campaign_naming_[0-9a-f]{8}$/);
  expect(guardKey(['campaigns', 'campaign-naming'])).toBe(guardKey(['campaigns', 'campaign-naming']));
});

test.each<[string, string]>([
  ...HOSTILE_NAMES.map((h): [string, string] => [h.label, h.name]),
  ['only punctuation', '--__--'],
  ['a very long id', 'policy-'.repeat(40)],
])('a policy named with %s gets a key the adapter keeps readable, at most 47 characters', (_label, name) => {
  const key = guardKey(['domain', name]);
  expect(key).toMatch(READABLE);
  expect(key.length).toBeLessThanOrEqual(MAX_GUARD_KEY_LENGTH);
  expect('authority_guard_'.length + key.length).toBeLessThanOrEqual(63);
});

test('keys of 10 000 policies on one table, all named alike but for "-" and "_", are all different', () => {
  const keys = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    keys.add(guardKey(['sales', `deal${i.toString(2).replace(/0/g, '-').replace(/1/g, '_')}title`]));
  }
  expect(keys.size).toBe(10_000);
});
