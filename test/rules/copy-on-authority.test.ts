import { Copy } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: copies only on other platforms', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant: a read-only copy on the authority itself', () => {
  const result = synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.crm), Copy.readOnly(p.ops)] }); });
  expectError(result, 'copy-on-authority', 'campaigns/campaign-naming',
    'campaign.name: crm is the authority and also holds a copy in the same policy.');
  expectError(result, 'copy-on-authority', 'campaigns/campaign-naming', 'Remove the copy on crm from copies.');
});

test('non-compliant on connected platforms too: the finding, not a clash of resource names', () => {
  const result = synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.crm), Copy.readOnly(p.ops)] }); }, {}, { connected: true });
  expectError(result, 'copy-on-authority', 'campaigns/campaign-naming', 'Remove the copy on crm from copies.');
  expect(result.error).not.toContain('There is already a Construct');
});
