/** Each domain's pg state schema is its own: names that differ only in case or punctuation never share state. */
import { stateSchema } from '../review/apply-state';

test('a plain domain keeps its readable schema', () => {
  expect(stateSchema('campaigns')).toBe('authority_state_campaigns');
  expect(stateSchema('Campaigns')).toMatch(/^authority_state_campaigns_[0-9a-f]{12}$/);
});

test('domains that differ only in case, punctuation or past 63 bytes get different schemas, each a bare identifier', () => {
  const long = 'x'.repeat(60);
  const domains = ['a_b', 'a-b', 'A_b', 'a.b', `${long}1`, `${long}2`, 'naïve'];
  const schemas = domains.map(stateSchema);
  expect(new Set(schemas).size).toBe(domains.length);
  for (const s of schemas) {
    expect(s).toMatch(/^authority_state_[a-z0-9_]+$/);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(63);
  }
});
