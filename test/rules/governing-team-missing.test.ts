import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: the policy inherits its domain\'s team', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('compliant: the policy names its own team', () => {
  expectClean(synth((app, p) => { campaigns(app, p, { governedBy: 'Campaign operations' }); }));
});

test('non-compliant: a domain with a blank team (reported once, on the domain)', () => {
  const result = synth((app, p) => { campaigns(app, p, {}, { governedBy: '  ' }); });
  expectError(result, 'governing-team-missing', 'campaigns', 'the domain names no governing team (governedBy is blank).');
  expectError(result, 'governing-team-missing', 'campaigns', 'Set governedBy on the Domain "campaigns"');
  expect(result.error).not.toContain('[authority/governing-team-missing] campaigns/campaign-naming');
});

test('non-compliant: a policy that blanks its team', () => {
  const result = synth((app, p) => { campaigns(app, p, { governedBy: '' }); });
  expectError(result, 'governing-team-missing', 'campaigns/campaign-naming', 'the policy names no governing team');
});
