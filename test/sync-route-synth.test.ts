/**
 * What the constructs synthesize for sync routes across a whole model: each route keyed by its
 * policy, and routes of one table in opposite directions (fields of one table owned by different
 * platforms, in different domains) declared as the two halves of a split, which the provider
 * otherwise refuses.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { defineOrganization } from '../policies';

function routesOfOrganization(): any[] {
  const saved = { ...process.env };
  // Connections from the environment, as for your own PostgreSQL: no server needed to synthesize.
  for (const p of ['crm', 'cms', 'ops', 'erp', 'support', 'bi']) process.env[`AUTHORITY_${p.toUpperCase()}_PGHOST`] = `${p}.db.example.internal`;
  try {
    return synthesize();
  } finally {
    process.env = saved;
  }
}

function synthesize(): any[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-routes-'));
  const app = new App({ outdir });
  defineOrganization(app);
  app.synth();
  const stacks = path.join(outdir, 'stacks');
  return fs.readdirSync(stacks).flatMap((s) => Object.values<any>(
    JSON.parse(fs.readFileSync(path.join(stacks, s, 'cdk.tf.json'), 'utf8')).resource?.authority_sync_route ?? {},
  ).map((r) => ({ stack: s, ...r })));
}

const routes = routesOfOrganization();

test('every route is keyed by its policy, unique per authority, copy and table', () => {
  const ids = routes.map((r) => [r.authority, r.copy, r.schema, r.table, r.key].join('/'));
  expect(new Set(ids).size).toBe(ids.length);
  expect(routes.every((r) => typeof r.key === 'string' && r.key.startsWith(`${r.stack}_`))).toBe(true);
});

test('fields of one table owned by different platforms: both directions are declared halves of a split; one-way tables are not', () => {
  const accounts = routes.filter((r) => r.table === 'accounts' && [r.authority, r.copy].sort().join() === 'crm,erp');
  expect(accounts.map((r) => [r.stack, r.authority, r.copy, r.columns, r.two_way]).sort()).toEqual([
    ['accounts', 'crm', 'erp', ['owner'], true],
    ['billing', 'erp', 'crm', ['billing_state'], true],
  ]);
  const oneWay = routes.filter((r) => r.table === 'campaigns' && r.authority === 'crm');
  expect(oneWay.length).toBeGreaterThan(0);
  expect(oneWay.every((r) => r.two_way === undefined)).toBe(true);
});
