/**
 * The example organization (policies/) synthesizes cleanly into one stack per domain, with
 * one field protection per copy table, and the campaigns domain's Terraform JSON is pinned.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { defineOrganization } from '../policies';
import { unpackOwnership } from '../constructs/src/ownership-output';

const PLATFORMS = ['crm', 'cms', 'ops', 'erp', 'support', 'bi'];

function synthOrganization(): Record<string, any> {
  const saved = { ...process.env };
  // Connections from the environment, as for your own PostgreSQL: stable across machines.
  for (const p of PLATFORMS) {
    process.env[`AUTHORITY_${p.toUpperCase()}_PGHOST`] = `${p}.db.example.internal`;
    process.env[`AUTHORITY_${p.toUpperCase()}_PGUSER`] = `${p}_owner`;
  }
  process.env.AUTHORITY_CRM_PGSSLMODE = 'verify-full';
  process.env.AUTHORITY_CRM_PGSSLROOTCERT = '/etc/ssl/crm-ca.pem';
  try {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-org-'));
    const app = new App({ outdir });
    defineOrganization(app);
    app.synth();
    const stacks = path.join(outdir, 'stacks');
    return Object.fromEntries(fs.readdirSync(stacks).map((s) => {
      const json = JSON.parse(fs.readFileSync(path.join(stacks, s, 'cdk.tf.json'), 'utf8'));
      delete json.terraform.backend; // an absolute path of this machine
      return [s, json];
    }));
  } finally {
    process.env = saved;
  }
}

const stacks = synthOrganization();
const protections = (stack: string) => Object.values<any>(stacks[stack].resource?.authority_field_protection ?? {});

test('connections come from the environment: TLS settings included, the password only by the name of its variable', () => {
  const crm = stacks.campaigns.provider.authority[0].platform.find((p: any) => p.name === 'crm').postgresql[0];
  expect(crm).toEqual({
    host: 'crm.db.example.internal', database: 'crm', username: 'crm_owner',
    sslmode: 'verify-full', sslrootcert: '/etc/ssl/crm-ca.pem', password_env: 'AUTHORITY_CRM_PGPASSWORD',
  });
});

test('one stack per domain', () => {
  expect(Object.keys(stacks).sort()).toEqual(['accounts', 'billing', 'campaigns', 'content', 'operations', 'support']);
});

test('one protection per holder table: each copy guarded, each authority recorded, naming the owner', () => {
  const summary = Object.keys(stacks).sort().flatMap((s) => protections(s).map((r) =>
    `${s}: ${r.platform} ${r.table}(${r.columns.join(',')}) <- ${r.authority}${r.platform === r.authority ? ' (authority)' : ''}`)).sort();
  expect(summary).toEqual([
    'accounts: bi accounts(owner) <- crm',
    'accounts: crm accounts(owner) <- crm (authority)',
    'accounts: erp accounts(owner) <- crm',
    'accounts: support accounts(owner) <- crm',
    'billing: bi accounts(billing_state) <- erp',
    'billing: crm accounts(billing_state) <- erp',
    'billing: erp accounts(billing_state) <- erp (authority)',
    'campaigns: bi campaigns(name) <- crm',
    'campaigns: cms campaigns(name) <- crm',
    'campaigns: crm campaigns(name) <- crm (authority)',
    'campaigns: ops campaigns(name) <- crm',
    'content: cms content(title) <- cms (authority)',
    'content: ops content(title) <- cms',
    'operations: bi campaigns(routing_state) <- ops',
    'operations: ops campaigns(routing_state) <- ops (authority)',
    'support: bi tickets(status) <- support',
    'support: support tickets(status) <- support (authority)',
  ]);
});

test('the authority\'s record waits for its copies, so a transfer guards the new copy before releasing the old', () => {
  const resources = stacks.campaigns.resource.authority_field_protection;
  const [authorityId] = Object.entries<any>(resources).find(([, r]) => r.platform === 'crm')!;
  const copies = Object.entries<any>(resources).filter(([, r]) => r.platform !== 'crm').map(([id]) => `authority_field_protection.${id}`);
  expect(resources[authorityId].depends_on.sort()).toEqual(copies.sort());
  // One key for the policy on every platform (its path, readable, and a digest of it): a transfer updates in place.
  const keys = [...new Set(Object.values<any>(resources).map((r) => r.key))];
  expect(keys).toEqual([expect.stringMatching(/^campaigns_campaign_naming_[0-9a-f]{8}$/)]);
});

test('every copy is fed by a sync route from its authority', () => {
  const routes = Object.keys(stacks).sort().flatMap((s) => Object.values<any>(stacks[s].resource?.authority_sync_route ?? {})
    .map((r) => `${s}: ${r.authority} -> ${r.copy} ${r.table}(${r.columns.join(',')})`)).sort();
  expect(routes).toEqual([
    'accounts: crm -> bi accounts(owner)',
    'accounts: crm -> erp accounts(owner)',
    'accounts: crm -> support accounts(owner)',
    'billing: erp -> bi accounts(billing_state)',
    'billing: erp -> crm accounts(billing_state)',
    'campaigns: crm -> bi campaigns(name)',
    'campaigns: crm -> cms campaigns(name)',
    'campaigns: crm -> ops campaigns(name)',
    'content: cms -> ops content(title)',
    'operations: ops -> bi campaigns(routing_state)',
    'support: support -> bi tickets(status)',
  ]);
});

test('a stack configures only the platforms its policies use, with the password by variable name', () => {
  const platforms = stacks.campaigns.provider.authority[0].platform;
  expect(platforms.map((p: any) => p.name).sort()).toEqual(['bi', 'cms', 'crm', 'ops']);
  expect(platforms.find((p: any) => p.name === 'ops').postgresql[0]).toEqual({
    host: 'ops.db.example.internal', database: 'ops', username: 'ops_owner', password_env: 'AUTHORITY_OPS_PGPASSWORD',
  });
});

test('the campaigns domain synthesizes to this Terraform JSON', () => {
  // The ownership output is packed (ownership-output.test.ts): unpacked here, so the snapshot reads.
  const output = stacks.campaigns.output.authority_ownership;
  const legible = { ...stacks.campaigns, output: { ...stacks.campaigns.output, authority_ownership: { ...output, value: JSON.parse(unpackOwnership(output.value)) } } };
  expect(legible).toMatchSnapshot();
});
