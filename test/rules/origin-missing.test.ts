import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: the policy declares its origin', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('compliant: no policy origin, but every field declares where it originates', () => {
  expectClean(synth((app, p) => {
    const { campaign } = campaigns(app, p, { origin: undefined });
    campaign.field('name').originatesIn(p.crm);
  }));
});

test('non-compliant: nobody says where the data is created', () => {
  const result = synth((app, p) => { campaigns(app, p, { origin: undefined }); });
  expectError(result, 'origin-missing', 'campaigns/campaign-naming', 'campaign.name: the policy does not say where the data is created.');
  expectError(result, 'origin-missing', 'campaigns/campaign-naming', "Add origin: <platform> to the policy (often crm, when the data is born there)");
});
