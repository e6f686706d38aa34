/**
 * Which pairs of platforms can carry a sync route: the constructs make routes only between kinds
 * the provider has a router for, and warn (saying why) instead of synthesizing a route the
 * provider would refuse at plan.
 */
import { App } from 'cdktf';
import {
  AuthorityPolicy, AuthorityProviderPlatform, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';
import { KINDS, routerPair } from '../provider/platforms';
import { synthApp, newApp } from './rules/harness';

/** A connection of a kind the provider has no router for (as a kind being added would be). */
class OtherKindConnection extends PlatformConnection {
  public readonly providerKind = 'directus';
  public toProviderPlatform(name: string): AuthorityProviderPlatform {
    return { name };
  }
}

const postgresql = () => PlatformConnection.postgresql({ host: 'db.internal', database: 'crm', username: 'owner' });

test('a PostgreSQL platform can sync to a PostgreSQL platform, not to one of another kind', () => {
  expect(postgresql().canSyncTo(postgresql())).toBe(true);
  expect(postgresql().canSyncTo(new OtherKindConnection())).toBe(false);
  expect(new OtherKindConnection().canSyncTo(postgresql())).toBe(false);
});

test('the constructs allow exactly the pairs of kinds the provider has a router for', () => {
  const connections: Record<string, PlatformConnection> = {
    postgresql: postgresql(), directus: PlatformConnection.directus({ url: 'https://cms.example.com', tokenEnv: 'CMS_TOKEN' }),
    tryton: PlatformConnection.tryton({ url: 'https://erp.example.com', database: 'erp', passwordEnv: 'ERP_PASSWORD' }),
  };
  expect(Object.keys(connections).sort()).toEqual(KINDS.map((k) => k.name).sort()); // a new kind joins this test
  for (const sender of KINDS) {
    for (const receiver of KINDS) {
      expect([sender.name, receiver.name, connections[sender.name].canSyncTo(connections[receiver.name])])
        .toEqual([sender.name, receiver.name, routerPair(sender.name, receiver.name) !== undefined]);
    }
  }
});

function campaigns(copyConnection: PlatformConnection) {
  const { app, outdir } = newApp();
  build(app, copyConnection);
  return synthApp(app, outdir);
}

function build(app: App, copyConnection: PlatformConnection): void {
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, connection: postgresql() });
  const cms = new Platform({ name: 'cms', kind: PlatformKind.CMS, connection: copyConnection });
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', crm.at('campaigns.name'), cms.at('campaigns.name'));
  new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign, fields: ['name'], authority: crm, origin: crm, copies: [Copy.readOnly(cms)],
    correction: CorrectionPath.at(crm, { how: 'edit the campaign name', contact: '#marketing-ops' }),
  });
}

test('a copy of a kind no router reaches gets no route, and synth says why', () => {
  const result = campaigns(new OtherKindConnection());
  expect(result.error).toBeUndefined();
  expect(result.stacks.campaigns.resource.authority_sync_route).toBeUndefined();
  const why = result.warnings.map((w) => w.message).find((m) => m.includes('is not synced from crm to cms'));
  expect(why).toContain('no sync route carries values from a postgresql platform to a directus one');
});

test('a PostgreSQL copy of a PostgreSQL authority gets its route', () => {
  const result = campaigns(postgresql());
  expect(result.error).toBeUndefined();
  expect(Object.values<any>(result.stacks.campaigns.resource.authority_sync_route).map((r) => [r.authority, r.copy, r.columns]))
    .toEqual([['crm', 'cms', ['name']]]);
  expect(result.warnings.filter((w) => w.message.includes('is not synced'))).toEqual([]);
});
