import { campaigns, expectClean, expectWarning, synth } from './harness';

test('compliant: the authority holds the field', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant (warning): the field is only located on the copy; synth goes on', () => {
  const result = synth((app, p) => { campaigns(app, p, {}, { holders: (q) => [q.ops] }); });
  expectWarning(result, 'authority-location-missing', 'campaigns/campaign-naming', 'campaign.name has no location on the authority, crm.');
  expectWarning(result, 'authority-location-missing', 'campaigns/campaign-naming', "Add crm.at('table.column') to the field on campaigns/Campaign.");
});
