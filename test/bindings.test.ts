/**
 * The L1 bindings in constructs/src/l1 never drift from the provider's schema: what they can
 * synthesize is compared with the schema the real provider serves to terraform.
 */
import { App, TerraformStack } from 'cdktf';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuthorityProvider, FieldProtection, SyncRoute } from '../constructs/src';
import { linkMirror, writeLockFile } from '../tooling/provider-mirror';
import { Terraform } from './support/terraform';

interface Block {
  attributes?: Record<string, { required?: boolean; optional?: boolean; computed?: boolean }>;
  block_types?: Record<string, { block: Block; max_items?: number }>;
}

/** Attributes a configuration may set (required or optional), and which of them are required. */
function settable(block: Block) {
  const attrs = Object.entries(block.attributes ?? {}).filter(([, a]) => a.required || a.optional);
  return {
    all: attrs.map(([k]) => k).sort(),
    required: attrs.filter(([, a]) => a.required).map(([k]) => k).sort(),
  };
}

let served: { provider: { block: Block }; resource_schemas: Record<string, { block: Block }> };
let synthesized: any;

beforeAll(() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-bindings-'));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'bindings');
  new AuthorityProvider(stack, 'authority', {
    platform: [{
      name: 'ops',
      postgresql: [{ host: 'h', port: 1, database: 'd', username: 'u', passwordEnv: 'E', passwordFile: 'f', connectTimeout: 3, waitTimeout: 5, replicationHost: 'r', replicationPort: 2, sslmode: 'require', sslrootcert: 'ca.pem', replicationSslrootcert: 'ca2.pem' }],
    }, {
      name: 'cms',
      directus: [{ url: 'https://cms.example.com', tokenEnv: 'T', tokenFile: 't', editorPolicies: ['Editors'], connectTimeout: 4 }],
    }, {
      name: 'crm',
      tryton: [{ url: 'https://erp.example.com', database: 'd', user: 'u', passwordEnv: 'P', passwordFile: 'p', editorGroups: ['Sales'], connectTimeout: 4 }],
    }],
  });
  new FieldProtection(stack, 'every-attribute', {
    platform: 'ops', schema: 's', table: 't', columns: ['c'], authority: 'crm', key: 'k', fact: 'x.c', syncPrincipal: 'sync', correctionHint: 'h',
    overrideReason: 'r', overrideExpires: '2030-01-01', requiredStrength: 'enforced',
  });
  new FieldProtection(stack, 'required-only', {
    platform: 'ops', table: 't', columns: ['c'], authority: 'crm', syncPrincipal: 'sync', correctionHint: 'h',
  });
  new SyncRoute(stack, 'route-every-attribute', { authority: 'crm', copy: 'ops', schema: 's', table: 't', columns: ['c'], key: 'k', twoWay: false, divergence: 'authority_unless_blank', maxLag: '5m',
    copySchema: 'cs', copyTable: 'ct', copyColumns: ['cc'], copyKeyColumn: 'ck', recordKeyColumn: 'rk', missingRows: 'create' });
  new SyncRoute(stack, 'route-required-only', { authority: 'crm', copy: 'ops', table: 't', columns: ['c'] });
  app.synth();
  const dir = path.join(outdir, 'stacks', 'bindings');
  linkMirror(dir);
  writeLockFile(dir);
  const tf = new Terraform(dir, { TF_CLI_CONFIG_FILE: path.join(dir, 'none.tfrc') });
  fs.writeFileSync(path.join(dir, 'none.tfrc'), '');
  tf.init();
  const schemas = JSON.parse(tf.ok('providers', 'schema', '-json').stdout).provider_schemas;
  served = schemas['authority.local/authority/authority'];
  synthesized = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
  expect(tf.ok('validate', '-no-color').output).toContain('The configuration is valid');
});

test('FieldProtection sets exactly the attributes the provider accepts', () => {
  const resource = synthesized.resource.authority_field_protection;
  const full = Object.values<any>(resource).find((r) => r.schema === 's');
  const { all } = settable(served.resource_schemas.authority_field_protection.block);
  expect(Object.keys(full).filter((k) => k !== '//').sort()).toEqual(all);
});

test('FieldProtection requires exactly what the provider requires', () => {
  const resource = synthesized.resource.authority_field_protection;
  const minimal = Object.values<any>(resource).find((r) => r.schema === undefined);
  const { required } = settable(served.resource_schemas.authority_field_protection.block);
  expect(Object.keys(minimal).filter((k) => k !== '//').sort()).toEqual(required);
});

test('SyncRoute sets exactly the attributes the provider accepts', () => {
  const full = Object.values<any>(synthesized.resource.authority_sync_route).find((r) => r.schema === 's');
  const { all } = settable(served.resource_schemas.authority_sync_route.block);
  expect(Object.keys(full).filter((k) => k !== '//').sort()).toEqual(all);
});

test('SyncRoute requires exactly what the provider requires', () => {
  const minimal = Object.values<any>(synthesized.resource.authority_sync_route).find((r) => r.schema === undefined);
  const { required } = settable(served.resource_schemas.authority_sync_route.block);
  expect(Object.keys(minimal).filter((k) => k !== '//').sort()).toEqual(required);
});

test('AuthorityProvider sets exactly the provider configuration the provider accepts', () => {
  const config = synthesized.provider.authority[0];
  const platformBlock = served.provider.block.block_types!.platform.block;
  const postgresBlock = platformBlock.block_types!.postgresql.block;
  const directusBlock = platformBlock.block_types!.directus.block;
  const keys = new Set<string>(config.platform.flatMap((p: object) => Object.keys(p)));
  expect([...keys].sort()).toEqual([...settable(platformBlock).all, ...Object.keys(platformBlock.block_types!)].sort());
  expect(Object.keys(config.platform[0].postgresql[0]).sort()).toEqual(settable(postgresBlock).all);
  expect(Object.keys(config.platform[1].directus[0]).sort()).toEqual(settable(directusBlock).all);
  expect(Object.keys(config.platform[2].tryton[0]).sort()).toEqual(settable(platformBlock.block_types!.tryton.block).all);
  expect(Object.keys(served.provider.block.attributes ?? {})).toEqual([]);
});
