/**
 * The example's customers domain (policies/customers.ts) as start:apps runs it: a party's name is
 * Tryton's, copied read-only under other names into the ops tool (PostgreSQL) and the CMS (a
 * Directus): each copy is protected where people edit it and guarded in its database, and a
 * mapped route from Tryton's table reaches each copy's database, creating the rows it lacks.
 */
import { Testing } from 'cdktf';
import { Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { CustomersDomain } from '../policies/customers';

const storage = (name: string) => ({ host: `${name}.internal`, database: name, username: 'owner', passwordEnv: `${name.toUpperCase()}_PGPASSWORD` });

function synth(): any {
  const app = Testing.app();
  const tryton = new Platform({
    name: 'tryton', kind: PlatformKind.CRM, title: 'the CRM (Tryton)',
    connection: PlatformConnection.tryton({ url: 'http://tryton.internal:8000', database: 'tryton', passwordEnv: 'TRYTON_PASSWORD', storage: storage('tryton') }),
  });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql(storage('ops')) });
  const cms = new Platform({
    name: 'cms', kind: PlatformKind.CMS, title: 'the CMS',
    connection: PlatformConnection.directus({ url: 'http://cms.internal:8055', tokenEnv: 'CMS_TOKEN', editorPolicies: ['Editors'], storage: storage('cms') }),
  });
  return JSON.parse(Testing.synth(new CustomersDomain(app, 'customers', { tryton, ops, cms })));
}

const json = synth();

test('each copy of a party\'s name is protected in its own names: the ops tool\'s table, the Directus collection and the table under it', () => {
  const protections = Object.values<any>(json.resource.authority_field_protection)
    .map((p) => `${p.platform} ${p.table}(${p.columns}) <- ${p.authority}`).sort();
  expect(protections).toEqual([
    'cms accounts(crm_party_id) <- tryton',
    'cms accounts(display_name) <- tryton',
    'cms-db accounts(crm_party_id) <- tryton',
    'cms-db accounts(display_name) <- tryton',
    'ops customers(crm_party_id) <- tryton',
    'ops customers(display_name) <- tryton',
    'tryton party.party(name) <- tryton',
    'tryton-db party_party(name) <- tryton-db',
  ]);
  const note = Object.values<any>(json.resource.authority_field_protection).find((p) => p.platform === 'cms' && p.columns[0] === 'display_name').correction_hint;
  expect(note).toContain('Tryton');
  expect(note).toContain('open the party and edit its name');
});

test('one mapped route per copy platform leaves Tryton\'s table, each creating the rows its copy lacks', () => {
  const routes = Object.values<any>(json.resource.authority_sync_route ?? {})
    .map((r) => `${r.authority} ${r.table}.${r.record_key_column}(${r.columns}) -> ${r.copy} ${r.copy_table}.${r.copy_key_column}(${r.copy_columns}) ${r.missing_rows}`)
    .sort();
  expect(routes).toEqual([
    'tryton-db party_party.id(name) -> cms-db accounts.crm_party_id(display_name) create',
    'tryton-db party_party.id(name) -> ops customers.crm_party_id(display_name) create',
  ]);
});
