import { CorrectionPath } from '../../constructs/src';
import { campaigns, expectClean, expectError, platforms, synth } from './harness';

test('compliant: the policy says where to correct', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant: no correction path', () => {
  const result = synth((app, p) => { campaigns(app, p, { correction: undefined }); });
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming',
    'campaign.name: no correction path, so an operator who finds a wrong value is not told where to fix it.');
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', "Add correction: CorrectionPath.at(crm, { how: '...'");
});

test.each([['empty', ''], ['whitespace', '  \t ']])('non-compliant: a correction path whose "how" is %s', (_label, how) => {
  const result = synth((app, p) => { campaigns(app, p, { correction: CorrectionPath.at(p.crm, { how }) }); });
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming',
    'campaign.name: the correction path in crm says nothing ("how" is blank), so an operator who finds a wrong value is not told how to fix it.');
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', 'Write in "how" the steps in the CRM that fix the value');
});

test('a blank "how" is never printed as "Correct it in crm: ."', () => {
  const { crm } = platforms();
  expect(CorrectionPath.at(crm, { how: ' ', contact: '#sales-ops' }).describe()).toBe('Correct it in the CRM. Ask #sales-ops.');
  expect(CorrectionPath.at(crm, { how: 'edit the deal' }).describe()).toBe('Correct it in the CRM: edit the deal.');
});
