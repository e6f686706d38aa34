/**
 * Resource addresses come from construct paths, so a plan in review shows only what changed:
 * unrelated edits (another policy declared first, platforms used in another order, a new copy of
 * another fact) leave every existing address and its configuration as they were.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';

function connected(name: string, kind: PlatformKind): Platform {
  return new Platform({ name, kind, connection: PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' }) });
}

/** The campaigns domain's resources, address -> configuration; `unrelated` adds other code around it. */
function campaigns(unrelated: boolean): Record<string, unknown> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-addresses-'));
  const app = new App({ outdir });
  const [crm, ops, cms] = [connected('crm', PlatformKind.CRM), connected('ops', PlatformKind.INTERNAL_TOOL), connected('cms', PlatformKind.CMS)];
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  if (unrelated) {
    // Declared first, on a platform the original does not use, with platforms in another order.
    const region = new Concept(domain, 'Region');
    region.addField('label', cms.at('regions.label'), ops.at('regions.label'), crm.at('regions.label'));
    new AuthorityPolicy(domain, 'region-labels', {
      concept: region, authority: cms, origin: cms, copies: [Copy.readOnly(crm), Copy.readOnly(ops)],
      correction: CorrectionPath.at(cms, { how: 'edit the region' }),
    });
  }
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign, fields: ['name'], authority: crm, origin: crm, copies: [Copy.readOnly(ops)],
    correction: CorrectionPath.at(crm, { how: 'edit the campaign name' }),
  });
  app.synth();
  const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'campaigns', 'cdk.tf.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  const found: Record<string, unknown> = {};
  for (const [type, resources] of Object.entries<Record<string, any>>(json.resource)) {
    for (const [name, config] of Object.entries(resources)) {
      const { '//': _metadata, depends_on: dependsOn, ...rest } = config;
      found[`${type}.${name}`] = { ...rest, depends_on: [...(dependsOn ?? [])].sort() };
    }
  }
  return found;
}

test('unrelated code around a policy leaves its resources\' addresses and configuration unchanged', () => {
  const before = campaigns(false);
  const after = campaigns(true);
  expect(Object.keys(before).length).toBe(3); // two protections and a route
  for (const [address, config] of Object.entries(before)) expect([address, after[address]]).toEqual([address, config]);
  expect(Object.keys(after).length).toBeGreaterThan(Object.keys(before).length);
});
