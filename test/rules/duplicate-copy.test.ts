import { Copy, Divergence } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: one copy per platform', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant: a read-only and an override copy on the same platform', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.readOnly(p.ops), Copy.localOverride(p.ops, { reason: 'renames' })],
      divergence: Divergence.MANUAL_REVIEW,
    });
  });
  expectError(result, 'duplicate-copy', 'campaigns/campaign-naming', 'ops holds 2 copies in this policy (read-only, local-override).');
  expectError(result, 'duplicate-copy', 'campaigns/campaign-naming', 'Keep one copy on ops.');
});

test('non-compliant on connected platforms too: two read-only copies on one platform are the finding, not a clash of resource names', () => {
  const result = synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.ops)] }); }, {}, { connected: true });
  expectError(result, 'duplicate-copy', 'campaigns/campaign-naming', 'ops holds 2 copies in this policy (read-only, read-only).');
  expect(result.error).not.toContain('There is already a Construct');
});
