/**
 * A Tryton platform that names its storage database: a field is placed in Tryton's names
 * (`party.party.name`: the model holds dots, Tryton has no schema), a copy there is protected by
 * Tryton's access rules and by the guard on the model's table (`party_party`), and routes reach
 * it through that table, mapped by the keys the concept declares in Tryton's names.
 */
import { Testing } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, MissingRows, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../constructs/src';

const pg = (name: string) => PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' });
const trytonConnection = (storage: boolean) => PlatformConnection.tryton({
  url: 'http://erp.internal:8000', database: 'tryton', passwordEnv: 'TRYTON_PASSWORD',
  ...(storage ? { storage: { host: 'erp-db.internal', database: 'tryton', username: 'tryton', passwordEnv: 'TRYTON_PGPASSWORD' } } : {}),
});

function synth(trytonOwns: boolean, storage = true) {
  const app = Testing.app();
  const domain = new Domain(app, 'customers', { governedBy: 'Sales operations' });
  const tryton = new Platform({ name: 'tryton', kind: PlatformKind.CRM, title: 'the CRM (Tryton)', connection: trytonConnection(storage) });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, connection: pg('ops') });
  const customer = new Concept(domain, 'Customer');
  customer.addField('name', tryton.at('party.party.name'), ops.at('customers.display_name'));
  customer.keyedBy({ keys: [tryton.at('party.party.id'), ops.at('customers.crm_party_id')], missingRows: MissingRows.CREATE });
  const [authority, copy] = trytonOwns ? [tryton, ops] : [ops, tryton];
  new AuthorityPolicy(domain, 'naming', {
    concept: customer, authority, origin: authority, copies: [Copy.readOnly(copy)],
    propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
    correction: CorrectionPath.at(authority, { how: 'rename the party' }),
  });
  return JSON.parse(Testing.synth(domain));
}

const protections = (json: any) => Object.values<any>(json.resource.authority_field_protection)
  .map((p) => `${p.platform} ${p.schema}.${p.table}(${p.columns}) <- ${p.authority}`).sort();
const routes = (json: any) => Object.values<any>(json.resource.authority_sync_route ?? {})
  .map((r) => `${r.authority} ${r.table}.${r.record_key_column}(${r.columns}) -> ${r.copy} ${r.copy_table}.${r.copy_key_column}(${r.copy_columns}) ${r.missing_rows}`);

test('a fact Tryton owns leaves from its model\'s table, mapped into the copy\'s names by the external-id column', () => {
  const json = synth(true);
  expect(protections(json)).toEqual([
    'ops public.customers(display_name) <- tryton',
    'tryton public.party.party(name) <- tryton',
    'tryton-db public.party_party(name) <- tryton-db',
  ]);
  expect(routes(json)).toEqual(['tryton-db party_party.id(name) -> ops customers.crm_party_id(display_name) create']);
  const platforms = json.provider.authority[0].platform;
  expect(platforms.find((p: any) => p.name === 'tryton').tryton[0]).not.toHaveProperty('storage');
  expect(platforms.find((p: any) => p.name === 'tryton-db').postgresql[0]).toMatchObject({ host: 'erp-db.internal', password_env: 'TRYTON_PGPASSWORD' });
});

test('a copy in Tryton is protected by its access rules and by the guard on the model\'s table, and the route delivers there', () => {
  const json = synth(false);
  expect(protections(json)).toEqual([
    'ops public.customers(display_name) <- ops',
    'tryton public.party.party(name) <- ops',
    'tryton-db public.party_party(name) <- ops',
  ]);
  expect(routes(json)).toEqual(['ops customers.crm_party_id(display_name) -> tryton-db party_party.id(name) create']);
});

test('without its storage, Tryton gets no route, and is still protected by its access rules', () => {
  const json = synth(false, false);
  expect(routes(json)).toEqual([]);
  expect(protections(json)).toContain('tryton public.party.party(name) <- ops');
});
