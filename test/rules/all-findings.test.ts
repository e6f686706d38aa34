/** A user with several mistakes sees all of them in one synth, across Domains, and nothing is written. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Rules } from '../../constructs/src';
import { campaigns, countFindings, expectError, newApp, platforms, synth, synthApp } from './harness';

test('three mistakes in two domains: three findings in one failed synth, and no stack written', () => {
  const { app, outdir } = newApp();
  const p = platforms();
  campaigns(app, p, { correction: undefined }); // 1. no correction path
  const billing = new Domain(app, 'billing', { governedBy: 'Finance' });
  const invoice = new Concept(billing, 'Invoice');
  invoice.addField('status', p.erp.at('invoices.status'), p.crm.at('invoices.status'));
  invoice.addField('amount', p.erp.at('invoices.amount'), p.crm.at('invoices.amount')); // 2. no authority for amount
  new AuthorityPolicy(billing, 'invoice-status', {
    concept: invoice, fields: ['status'], authority: p.erp, origin: p.erp,
    copies: [Copy.readOnly(p.crm, { feedsFrom: p.ops })], // 3. fed from outside the policy
    correction: CorrectionPath.at(p.erp, { how: 'post a correcting entry' }),
  });

  const written = () => fs.existsSync(path.join(outdir, 'stacks')) ? fs.readdirSync(path.join(outdir, 'stacks')) : [];
  let message = '';
  try {
    app.synth();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(written()).toEqual([]);
  fs.rmSync(outdir, { recursive: true, force: true });

  expect(countFindings(message)).toBe(3);
  const result = { error: message, annotations: [], warnings: [], stacks: {} };
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', 'Add correction');
  expectError(result, 'no-authority', 'billing/Invoice', "fields ['amount']");
  expectError(result, 'undeclared-chain', 'billing/invoice-status', 'fed from ops');
  expect(message).toContain('The authority model breaks rules in 3 places (every Domain of the app is checked together)');
  expect(message).toContain('possible for no-authority, correction-path-missing; the others protect data and cannot be suppressed');
  // Listed by construct path, so a person can fix the model file by file.
  expect([...message.matchAll(/^\[authority\/[a-z-]+\] (\S+):/gm)].map((m) => m[1])).toEqual([
    'billing/Invoice', 'billing/invoice-status', 'campaigns/campaign-naming',
  ]);
});

test('errors and warnings together: the failure lists the warnings too', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { correction: undefined }, { holders: (q) => [q.crm, q.ops, q.bi] });
  });
  expect(countFindings(result.error!)).toBe(2);
  expect(result.error).toContain('Also 1 warning, which does not fail synth:');
  expect(result.error).toContain('[authority/unlabeled-holder] (warning) campaigns/campaign-naming: bi holds campaign.name');
});

test('warnings only: synth succeeds, each warning annotated once on its construct (not once per Domain)', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {}, { holders: (q) => [q.crm, q.ops, q.bi] });
    campaigns(app, p, {}, { id: 'second', table: 'promotions', holders: (q) => [q.crm, q.ops, q.cms] });
  });
  expect(result.error).toBeUndefined();
  const ours = result.warnings.filter((w) => w.message.startsWith('[authority/'));
  expect(ours.map((w) => w.constructPath).sort()).toEqual(['campaigns/campaign-naming', 'second/campaign-naming']);
});

test('Rules.check reports every finding without synthesizing', () => {
  const { app } = newApp();
  const p = platforms();
  const { policy } = campaigns(app, p, { correction: undefined, origin: undefined });
  Rules.suppress(policy, 'origin-missing', 'collected next quarter');
  const report = Rules.check(app);
  expect(report.errors.map((f) => f.ruleId)).toEqual(['correction-path-missing']);
  expect(report.suppressed.map((f) => [f.ruleId, f.suppressedBecause])).toEqual([['origin-missing', 'collected next quarter']]);
});

test('Testing.synth runs the pack when asked to run validations', () => {
  const { app } = newApp();
  const { domain } = campaigns(app, platforms(), { correction: undefined });
  expect(() => Testing.synth(domain, true)).toThrow('[authority/correction-path-missing] campaigns/campaign-naming');
  expect(() => Testing.synth(domain)).not.toThrow();
});

test('a compliant app synthesizes its stacks', () => {
  const { app, outdir } = newApp();
  campaigns(app, platforms());
  const result = synthApp(app, outdir);
  expect(result.error).toBeUndefined();
});

describe('the pack runs once per synth, whatever the number of Domains', () => {
  afterEach(() => jest.restoreAllMocks());

  test('three Domains, one run; a second synth runs it again', () => {
    const { app, outdir } = newApp();
    const p = platforms();
    campaigns(app, p, {}, { id: 'one', table: 't1' });
    campaigns(app, p, {}, { id: 'two', table: 't2' });
    campaigns(app, p, {}, { id: 'three', table: 't3' });
    const check = jest.spyOn(Rules, 'check');
    app.synth();
    expect(check).toHaveBeenCalledTimes(1);
    app.synth();
    expect(check).toHaveBeenCalledTimes(2);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('a failed synth leaves nothing stale: fix the model, synth again, and it passes', () => {
    const { app, outdir } = newApp();
    const { policy } = campaigns(app, platforms(), { correction: undefined });
    campaigns(app, platforms(), {}, { id: 'two', table: 't2' });
    expect(() => app.synth()).toThrow('[authority/correction-path-missing] campaigns/campaign-naming');
    Rules.suppress(policy, 'correction-path-missing', 'runbook being written');
    expect(() => app.synth()).not.toThrow();
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
