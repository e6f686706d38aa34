import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: the policy says where to correct', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant: no correction path', () => {
  const result = synth((app, p) => { campaigns(app, p, { correction: undefined }); });
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming',
    'campaign.name: no correction path, so an operator who finds a wrong value is not told where to fix it.');
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', "Add correction: CorrectionPath.at(crm, { how: '...'");
});
