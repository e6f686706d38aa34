/**
 * "Cannot be suppressed" holds whatever skips validations: `new App({ skipValidation: true })`
 * (which cdktf's own error footer suggests) and `Testing.synth(stack)` (which skips them unless
 * asked). Each rule that protects data still fails synth, with its finding and without inviting
 * the user to skip it.
 */
import { App, Testing } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Propagation, Rules,
} from '../../constructs/src';
import { AuthorityModelError } from '../../constructs/src/model-error';
import { campaigns, expectError, findingText, mappedTwice, newApp, Platforms, platforms, synthApp } from './harness';

type Build = (app: App, p: Platforms) => Domain;


/** For each rule that cannot be suppressed: a model with one of its findings, and the path it names. */
const MISTAKES: Record<string, { path: string; build: Build }> = {
  'two-authorities': { path: 'content/publishing', build: (app, p) => {
    const { campaign } = campaigns(app, p, {}, { holders: (q) => [q.crm, q.ops, q.cms] });
    const content = new Domain(app, 'content', { governedBy: 'Content team' });
    new AuthorityPolicy(content, 'publishing', {
      concept: campaign, fields: ['name'], authority: p.cms, origin: p.cms, copies: [Copy.readOnly(p.crm)],
      correction: CorrectionPath.at(p.cms, { how: 'edit the entry' }),
    });
    return content;
  } },
  'two-writers': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.localOverride(p.ops, { reason: 'renames' })] }).domain },
  'invalid-split': { path: 'campaigns/campaign-naming', build: (app, p) => campaigns(app, p, {
    copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
    propagation: Propagation.twoWay({ maxLag: Duration.minutes(5), split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['name'] }] }),
    divergence: Divergence.AUTHORITY_WINS,
  }).domain },
  'two-way-newest-wins': { path: 'campaigns/campaign-naming', build: (app, p) => campaigns(app, p, {
    copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms)], propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }), divergence: Divergence.NEWEST_WINS,
  }, { holders: (q) => [q.crm, q.ops, q.cms] }).domain },
  'sync-loop': { path: 'campaigns/campaign-naming', build: (app, p) => campaigns(app, p, {
    copies: [Copy.readOnly(p.ops, { feedsFrom: p.cms }), Copy.readOnly(p.cms, { feedsFrom: p.ops })],
  }, { holders: (q) => [q.crm, q.ops, q.cms] }).domain },
  'undeclared-chain': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.readOnly(p.ops, { feedsFrom: p.erp })] }).domain },
  'copy-on-authority': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.readOnly(p.crm), Copy.readOnly(p.ops)] }).domain },
  'duplicate-copy': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.ops)] }).domain },
  'copy-location-missing': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms)] }).domain },
  'guard-collision': { path: 'sales/deal------------------___-_--___--_--_title', build: (app, p) => {
    const sales = new Domain(app, 'sales', { governedBy: 'Sales operations' });
    ['deal-------------------_-_--_---__-_--title', 'deal------------------___-_--___--_--_title'].forEach((id, i) => {
      const deal = new Concept(sales, `Deal${i}`);
      deal.addField(`f${i}`, p.crm.at(`deals.f${i}`), p.ops.at(`deals.f${i}`));
      new AuthorityPolicy(sales, id, {
        concept: deal, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)], correction: CorrectionPath.at(p.crm, { how: 'edit it' }),
      });
    });
    return sales;
  } },
  'mapped-route-shared': { path: 'promos/promo-names', build: (app, p) => mappedTwice(app, p) },
  'local-override': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { copies: [Copy.localOverride(p.ops, { reason: ' ' })], divergence: Divergence.MANUAL_REVIEW }).domain },
  'correction-path-not-authority': { path: 'campaigns/campaign-naming', build: (app, p) =>
    campaigns(app, p, { correction: CorrectionPath.at(p.ops, { how: 'edit it on the routing board' }) }).domain },
};

test('every rule that cannot be suppressed has a mistake here', () => {
  expect(Object.keys(MISTAKES).sort()).toEqual(Rules.all().filter((r) => !r.suppressible).map((r) => r.id).sort());
});

describe.each(Object.entries(MISTAKES))('%s', (ruleId, { path, build }) => {
  test('fails synth with new App({ skipValidation: true }), naming the finding, not inviting a skip', () => {
    const { app, outdir } = newApp({}, true);
    build(app, platforms(true));
    const result = synthApp(app, outdir);
    expectError(result, ruleId, path, '');
    expect(result.error).not.toMatch(/skipValidation|skip validations/i);
    expect(result.stacks).toEqual({});
  });

  test('fails Testing.synth(stack) without validations', () => {
    const { app } = newApp();
    const domain = build(app, platforms(true));
    let thrown: unknown;
    try {
      Testing.synth(domain);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AuthorityModelError);
    expect(findingText((thrown as Error).message, ruleId, path)).toBeTruthy();
  });
});

test('a model with only suppressible findings still synthesizes with validations skipped (the escape is cdktf\'s, not ours)', () => {
  const { app, outdir } = newApp({}, true);
  campaigns(app, platforms(true), { correction: undefined });
  expect(synthApp(app, outdir).error).toBeUndefined();
});

test('with a data-protecting finding, the message lists the suppressible findings too, all at once', () => {
  const { app, outdir } = newApp({}, true);
  const p = platforms(true);
  campaigns(app, p, { correction: undefined, copies: [Copy.readOnly(p.ops), Copy.readOnly(p.ops)] });
  const result = synthApp(app, outdir);
  expectError(result, 'duplicate-copy', 'campaigns/campaign-naming', '');
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', '');
});
