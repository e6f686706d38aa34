import { Copy, Platform, PlatformConnection, PlatformKind } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: every copy platform holds the field', () => {
  expectClean(synth((app, p) => { campaigns(app, p); }));
});

test('non-compliant: a copy on a (not connected) platform where the field has no location', () => {
  const result = synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms)] }); });
  expectError(result, 'copy-location-missing', 'campaigns/campaign-naming', 'campaign.name has no location on copy platform cms.');
  expectError(result, 'copy-location-missing', 'campaigns/campaign-naming', "Add cms.at('table.column') to the field on campaigns/Campaign, or drop the copy on cms.");
});

test('non-compliant: a connected copy too (nothing could be protected or synced there)', () => {
  const result = synth((app, p) => {
    const cms = new Platform({
      name: 'cms', kind: PlatformKind.CMS,
      connection: PlatformConnection.postgresql({ host: 'localhost', database: 'cms', username: 'cms' }),
    });
    campaigns(app, p, { copies: [Copy.readOnly(cms)] });
  });
  expectError(result, 'copy-location-missing', 'campaigns/campaign-naming', 'campaign.name has no location on copy platform cms.');
});
