/**
 * A record-level policy is the concept's default authority; field-level policies override it
 * for the fields they name (the seeds' "record-level defaults, field-level authority").
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

test('the record-level default governs every field but the overridden ones, and synth is clean', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-record-'));
  const app = new App({ outdir });
  const [crm, erp, bi] = [connected('crm', PlatformKind.CRM), connected('erp', PlatformKind.ERP), connected('bi', PlatformKind.BI)];
  const domain = new Domain(app, 'accounts', { governedBy: 'Sales operations' });
  const account = new Concept(domain, 'Account');
  for (const field of ['name', 'owner', 'billing_state']) {
    account.addField(field, crm.at(`accounts.${field}`), erp.at(`accounts.${field}`), bi.at(`accounts.${field}`));
  }
  const record = new AuthorityPolicy(domain, 'account-record', {
    concept: account, authority: crm, origin: crm, copies: [Copy.readOnly(erp), Copy.readOnly(bi)],
    correction: CorrectionPath.at(crm, { how: 'edit the account' }),
  });
  const billing = new AuthorityPolicy(domain, 'billing-state', {
    concept: account, fields: ['billing_state'], authority: erp, origin: erp, copies: [Copy.readOnly(crm), Copy.readOnly(bi)],
    correction: CorrectionPath.at(erp, { how: 'post a correcting entry' }),
  });

  expect(record.fields.map((f) => f.name)).toEqual(['name', 'owner']);
  expect(billing.fields.map((f) => f.name)).toEqual(['billing_state']);
  app.synth(); // the rule pack finds no two authorities: the field-level policy is an override
  const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'accounts', 'cdk.tf.json'), 'utf8'));
  const guards = Object.values<any>(json.resource.authority_field_protection)
    .filter((r) => r.platform !== r.authority)
    .map((r) => `${r.platform}.${r.table}(${r.columns.join(',')}) <- ${r.authority}`).sort();
  expect(guards).toEqual([
    'bi.accounts(billing_state) <- erp',
    'bi.accounts(name,owner) <- crm',
    'crm.accounts(billing_state) <- erp',
    'erp.accounts(name,owner) <- crm',
  ]);
  const routes = Object.values<any>(json.resource.authority_sync_route).map((r) => `${r.authority} -> ${r.copy} (${r.columns.join(',')})`).sort();
  expect(routes).toEqual(['crm -> bi (name,owner)', 'crm -> erp (name,owner)', 'erp -> bi (billing_state)', 'erp -> crm (billing_state)']);
});
