/**
 * A Directus platform that names its storage database: one policy protects a copy there in both
 * layers (Directus permissions and the PostgreSQL guard under them), and sync routes reach it
 * through that database.
 */
import { Testing } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../constructs/src';

const pg = (name: string) => PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' });

function synth(cmsOwns = false, storage = true) {
  const app = Testing.app();
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM', connection: pg('crm') });
  const cms = new Platform({
    name: 'cms', kind: PlatformKind.CMS, title: 'the CMS',
    connection: PlatformConnection.directus({
      url: 'http://cms.internal:8055', tokenEnv: 'CMS_TOKEN', editorPolicies: ['Editors'],
      ...(storage ? { storage: { host: 'cms-db.internal', database: 'cms', username: 'directus_owner', passwordEnv: 'CMS_PGPASSWORD' } } : {}),
    }),
  });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', crm.at('campaigns.name'), cms.at('campaigns.name'));
  const [authority, copy] = cmsOwns ? [cms, crm] : [crm, cms];
  new AuthorityPolicy(domain, 'naming', {
    concept: campaign, fields: ['name'], authority, origin: authority, copies: [Copy.readOnly(copy)],
    propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
    correction: CorrectionPath.at(authority, { how: 'edit the campaign' }),
  });
  return JSON.parse(Testing.synth(domain));
}

const protections = (json: any) => Object.values<any>(json.resource.authority_field_protection)
  .map((p) => `${p.platform} ${p.table}(${p.columns}) <- ${p.authority}`).sort();
const routes = (json: any) => Object.values<any>(json.resource.authority_sync_route ?? {}).map((r) => `${r.authority} -> ${r.copy} ${r.table}(${r.columns})`);

test('a copy on Directus is protected in Directus and in its database, and the route delivers into the database', () => {
  const json = synth();
  expect(protections(json)).toEqual(['cms campaigns(name) <- crm', 'cms-db campaigns(name) <- crm', 'crm campaigns(name) <- crm']);
  expect(routes(json)).toEqual(['crm -> cms-db campaigns(name)']);
  const platforms = json.provider.authority[0].platform;
  expect(platforms.map((p: any) => `${p.name}:${Object.keys(p).filter((k) => k !== 'name')}`).sort()).toEqual(['cms-db:postgresql', 'cms:directus', 'crm:postgresql']);
  const cms = platforms.find((p: any) => p.name === 'cms').directus[0];
  expect(cms).not.toHaveProperty('storage'); // the provider's directus block has no storage
  expect(platforms.find((p: any) => p.name === 'cms-db').postgresql[0]).toMatchObject({ host: 'cms-db.internal', password_env: 'CMS_PGPASSWORD' });
  // Both layers tell a person the same thing.
  const hints = new Set(Object.values<any>(json.resource.authority_field_protection).map((p) => p.correction_hint));
  expect(hints.size).toBe(1);
});

test('when Directus owns the fact, routes leave from its database and both its layers record the authority', () => {
  const json = synth(true);
  expect(protections(json)).toEqual(['cms campaigns(name) <- cms', 'cms-db campaigns(name) <- cms-db', 'crm campaigns(name) <- cms']);
  expect(routes(json)).toEqual(['cms-db -> crm campaigns(name)']);
});

test('without its storage, Directus gets no route, and synth says how to give it one', () => {
  expect(routes(synth(false, false))).toEqual([]);
  const app = Testing.app();
  const domain = new Domain(app, 'd', { governedBy: 'T' });
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, connection: pg('crm') });
  const cms = new Platform({ name: 'cms', kind: PlatformKind.CMS, connection: PlatformConnection.directus({ url: 'http://cms', tokenEnv: 'T' }) });
  const c = new Concept(domain, 'Campaign');
  c.addField('name', crm.at('campaigns.name'), cms.at('campaigns.name'));
  const policy = new AuthorityPolicy(domain, 'p', {
    concept: c, authority: crm, origin: crm, copies: [Copy.readOnly(cms)], correction: CorrectionPath.at(crm, { how: 'edit it' }),
  });
  Testing.synth(domain);
  expect(policy.node.metadata.map((m) => String(m.data)).join('\n')).toContain('Give it its storage database');
});

test('a storage without host, database or username is refused naming the attribute', () => {
  expect(() => PlatformConnection.directus({ url: 'http://cms', tokenEnv: 'T', storage: { host: 'h', username: 'u' } as any }))
    .toThrow(/PlatformConnection\.directus.*storage\.database/);
});

test('a platform named like another platform\'s storage is refused as a duplicate name', () => {
  const app = Testing.app();
  const domain = new Domain(app, 'd', { governedBy: 'T' });
  const crm = new Platform({ name: 'cms-db', kind: PlatformKind.CRM, connection: pg('x') });
  const cms = new Platform({ name: 'cms', kind: PlatformKind.CMS, connection: PlatformConnection.directus({ url: 'http://cms', tokenEnv: 'T', storage: { host: 'h', database: 'cms', username: 'u' } }) });
  domain.usePlatform(crm);
  expect(() => domain.usePlatform(cms)).toThrow(/two different platforms are named "cms-db"/);
});
