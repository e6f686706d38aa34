import { Copy, Divergence } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

const override = (reason: string, expires?: string) => (app: any, p: any) => {
  campaigns(app, p, { copies: [Copy.localOverride(p.ops, { reason, expires })], divergence: Divergence.MANUAL_REVIEW });
};

// The harness fixes today at 2030-01-15 through the "authority:today" context key.
test('compliant: a reason, and an expiry that is today (allowed through its date)', () => {
  expectClean(synth(override('launch week: ops renames campaigns for routing', '2030-01-15')));
});

test('compliant: a reason and no expiry', () => {
  expectClean(synth(override('ops keeps short names for the routing board')));
});

test('non-compliant: a blank reason', () => {
  const result = synth(override('   '));
  expectError(result, 'local-override', 'campaigns/campaign-naming', 'the local override of campaign.name on ops gives no reason.');
  expectError(result, 'local-override', 'campaigns/campaign-naming', "Copy.localOverride(ops, { reason: '...'");
});

test('non-compliant: an expiry in the past', () => {
  const result = synth(override('launch week', '2030-01-14'));
  expectError(result, 'local-override', 'campaigns/campaign-naming',
    'the local override of campaign.name on ops expired on 2030-01-14 (today is 2030-01-15).');
  expectError(result, 'local-override', 'campaigns/campaign-naming', 'Make the copy on ops read-only again');
});

test('non-compliant: an expiry that is not a date', () => {
  for (const expires of ['2030-02-30', 'next friday', '15/01/2030']) {
    const result = synth(override('launch week', expires));
    expectError(result, 'local-override', 'campaigns/campaign-naming', `expires "${expires}", which is not a date (YYYY-MM-DD).`);
  }
});

describe('today is injectable', () => {
  afterEach(() => { delete process.env.AUTHORITY_TODAY; });

  test('through AUTHORITY_TODAY when the context key is not set', () => {
    process.env.AUTHORITY_TODAY = '2031-01-01';
    const result = synth(override('launch week', '2030-12-31'), { 'authority:today': undefined });
    expectError(result, 'local-override', 'campaigns/campaign-naming', 'expired on 2030-12-31 (today is 2031-01-01)');
  });

  test('the context key wins over the environment', () => {
    process.env.AUTHORITY_TODAY = '2031-01-01';
    expectClean(synth(override('launch week', '2030-12-31'), { 'authority:today': '2030-12-31' }));
  });

  test('a malformed today fails with what to write', () => {
    const result = synth(override('launch week', '2030-12-31'), { 'authority:today': 'tomorrow' });
    expect(result.error).toContain('context "authority:today" is "tomorrow"; it must be a date, YYYY-MM-DD');
  });

  test('without either, the clock decides: an expiry far in the past is expired', () => {
    const result = synth(override('launch week', '2000-01-01'), { 'authority:today': undefined });
    expectError(result, 'local-override', 'campaigns/campaign-naming', 'expired on 2000-01-01');
  });
});
