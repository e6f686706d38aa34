/**
 * The ownership facts a Domain carries as its `authority_ownership` output: the data the review
 * report diffs and the authority map publishes.
 */
import { App, Testing } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, DomainOwnership, Duration, Ownership, Propagation,
} from '../constructs/src';
import { unpackOwnership } from '../constructs/src/ownership-output';
import { platforms } from './rules/harness';

function model(): { app: App; domain: Domain } {
  const app = Testing.app();
  const { crm, ops, erp, bi } = platforms(true);
  const domain = new Domain(app, 'accounts', { governedBy: 'Revenue ops', description: 'Customer accounts.' });
  const account = new Concept(domain, 'Account', { description: 'A customer.' });
  account.addField('owner', crm.at('accounts.owner'), erp.at('accounts.owner'), ops.at('accounts.owner'));
  account.addField('billing_state', crm.at('accounts.billing_state'), erp.at('accounts.billing_state'), ops.at('accounts.billing_state'));
  account.addField('segment', crm.at('accounts.segment'), bi.at('accounts.segment'));
  new AuthorityPolicy(domain, 'split', {
    concept: account, fields: ['owner', 'billing_state'], authority: crm, origin: crm,
    copies: [Copy.readOnly(erp), Copy.localOverride(ops, { reason: 'regional desks fix typos', expires: '2031-01-31' })],
    propagation: Propagation.oneWay({ maxLag: Duration.minutes(2) }),
    divergence: Divergence.AUTHORITY_WINS,
    correction: CorrectionPath.at(crm, { how: 'edit the account', contact: '#revops' }),
  });
  new AuthorityPolicy(domain, 'rest', {
    concept: account, authority: crm, origin: crm, governedBy: 'Data team', copies: [Copy.readOnly(bi)],
    correction: CorrectionPath.at(crm, { how: 'edit the segment' }),
  });
  return { app, domain };
}

test('each fact names its owner, its copies with what people may do there, and how to correct it', () => {
  const { domain } = model();
  const o = Ownership.ofDomain(domain);
  expect(o).toMatchObject({ formatVersion: 1, domain: 'accounts', governedBy: 'Revenue ops', description: 'Customer accounts.' });
  expect(o.facts.map((f) => `${f.id} <- ${f.authority.platform} (${f.governedBy})`)).toEqual([
    'account.owner <- crm (Revenue ops)',
    'account.billing_state <- crm (Revenue ops)',
    'account.segment <- crm (Data team)', // the record-level default covers what the split leaves
  ]);
  const owner = o.facts[0];
  expect(owner.copies).toEqual([
    { platform: 'erp', location: 'erp:public.accounts.owner', edits: 'read_only', fedFrom: 'crm', protected: true },
    { platform: 'ops', location: 'ops:public.accounts.owner', edits: 'local_override', reason: 'regional desks fix typos', expires: '2031-01-31', fedFrom: 'crm', protected: false },
  ]);
  expect(owner).toMatchObject({
    propagation: 'one_way', maxLag: '2m', divergence: 'authority_wins', origin: 'crm',
    correction: { platform: 'crm', how: 'edit the account', contact: '#revops' },
  });
  expect(owner.correctionHint).toContain('Correct it in the CRM: edit the account.');
  expect(o.facts[2].correction).toEqual({ platform: 'crm', how: 'edit the segment' });
  expect(o.platforms.map((p) => `${p.name}:${p.connection}`).sort()).toEqual(['bi:postgresql', 'crm:postgresql', 'erp:postgresql', 'ops:postgresql']);
});

test('the stack carries the same facts as its output, packed, unprinted, read back whole', () => {
  const { domain } = model();
  const json = JSON.parse(Testing.synth(domain));
  const value: string = json.output[Ownership.OUTPUT_NAME].value;
  expect(value).toMatch(/^deflate:[A-Za-z0-9+/=]+$/);
  expect(json.output[Ownership.OUTPUT_NAME].sensitive).toBe(true); // plans and applies do not print megabytes
  const output: DomainOwnership = JSON.parse(unpackOwnership(value));
  expect(output).toEqual(JSON.parse(JSON.stringify(Ownership.ofDomain(domain))));
  expect(unpackOwnership(value)).not.toMatch(/password/i);
});
