/**
 * Enforcement strength: each protection says how strongly its platform holds it, the kinds'
 * strengths live in one place (Contract), and a policy requiring "enforced" is refused at synth
 * (and by the provider at plan) on a platform that cannot provide it. Also the local override's
 * synthesized attributes and the plan's words about it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import {
  AuthorityPolicy, Concept, Contract, Copy, CorrectionPath, Divergence, Domain, Platform, PlatformConnection, PlatformKind, ProtectionStrength,
} from '../constructs/src';
import { strengthRefusals } from '../provider/resources/field-protection';
import { ageText, overrideWarnings } from '../provider/resources/override-messages';
import { expiryInstant } from '../constructs/src/contract';
import { KINDS } from '../provider/platforms';

const registeredKinds = () => KINDS.map((k) => k.name);

const pg = (name: string, kind: PlatformKind) =>
  new Platform({ name, kind, connection: PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' }) });
const cms = (storage = false) => new Platform({
  name: 'cms', kind: PlatformKind.CMS,
  connection: PlatformConnection.directus({
    url: 'https://cms.example.com', tokenEnv: 'T', ...(storage ? { storage: { host: 'cms-db.internal', database: 'cms', username: 'owner' } } : {}),
  }),
});

function offers(copy: (p: { ops: Platform; cms: Platform }) => Copy, requiredStrength?: ProtectionStrength, storage = false) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-strength-'));
  const app = new App({ outdir });
  const crm = pg('crm', PlatformKind.CRM);
  const platforms = { ops: pg('ops', PlatformKind.INTERNAL_TOOL), cms: cms(storage) };
  const domain = new Domain(app, 'offers', { governedBy: 'Sales operations' });
  const offer = new Concept(domain, 'Offer');
  offer.addField('title', crm.at('offers.title'), platforms.ops.at('offers.title'), platforms.cms.at('offers.title'));
  const c = copy(platforms);
  const other = c.platform === platforms.ops ? Copy.readOnly(platforms.cms) : Copy.readOnly(platforms.ops);
  const build = () => new AuthorityPolicy(domain, 'offer-titles', {
    concept: offer, authority: crm, origin: crm, copies: [c, other], divergence: Divergence.AUTHORITY_WINS, requiredStrength,
    correction: CorrectionPath.at(crm, { how: 'rename the offer' }),
  });
  return { app, outdir, build };
}

const protections = (outdir: string) =>
  Object.values<any>(JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'offers', 'cdk.tf.json'), 'utf8')).resource.authority_field_protection);

test('the kinds\' strengths are in one place: PostgreSQL enforces both; Directus enforces read-only copies, not overrides; unknown kinds are manual', () => {
  expect(Contract.strengths()).toEqual(['enforced', 'advisory', 'manual']);
  expect([Contract.protectionStrength('postgresql'), Contract.protectionStrength('postgresql', true)]).toEqual(['enforced', 'enforced']);
  expect([Contract.protectionStrength('directus'), Contract.protectionStrength('directus', true)]).toEqual(['enforced', 'manual']);
  expect([Contract.protectionStrength('tryton'), Contract.protectionStrength('tryton', true)]).toEqual(['enforced', 'manual']);
  // Every registered kind is listed: a kind left out would read as "manual" and be refused where a policy requires "enforced".
  for (const kind of registeredKinds()) expect({ kind, strength: Contract.protectionStrength(kind) }).toEqual({ kind, strength: 'enforced' });
  expect(Contract.protectionStrength('hubspot')).toBe('manual');
});

test('a local override on PostgreSQL synthesizes a protection with its reason and expiry; required strength is emitted only when asked', () => {
  const { app, outdir, build } = offers(({ ops }) => Copy.localOverride(ops, { reason: 'ops renames for events', expires: '2099-01-31' }));
  build();
  app.synth();
  const ops = protections(outdir).find((p) => p.platform === 'ops');
  expect(ops).toMatchObject({ override_reason: 'ops renames for events', override_expires: '2099-01-31', columns: ['title'] });
  expect(ops.required_strength).toBeUndefined();
});

test('a policy requiring enforced protection is refused at synth for an override on Directus, naming the policy and the platform', () => {
  const { build } = offers(({ cms }) => Copy.localOverride(cms, { reason: 'editors tweak titles' }), ProtectionStrength.ENFORCED);
  expect(build).toThrow(/^offers\/offer-titles: the policy requires enforced protection, but cms \(directus\) holds a local override only as "manual"/);
});

test('without the requirement an override on Directus is a manual step: no protection there, and a warning says so', () => {
  const { app, outdir, build } = offers(({ cms }) => Copy.localOverride(cms, { reason: 'editors tweak titles' }));
  const policy = build();
  app.synth();
  expect(protections(outdir).map((p) => p.platform).sort()).toEqual(['crm', 'ops']);
  const warnings = policy.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
  expect(warnings.join('\n')).toContain('the local override on cms is a manual step');
});

test('an override on a Directus that names its storage is held by the database under it: enforced, no Directus protection, no warning', () => {
  const { app, outdir, build } = offers(({ cms }) => Copy.localOverride(cms, { reason: 'editors tweak titles', expires: '2099-01-31' }), ProtectionStrength.ENFORCED, true);
  const policy = build();
  app.synth();
  expect(policy.copies.find((c) => c.platform.name === 'cms')?.strength).toBe(ProtectionStrength.ENFORCED);
  expect(protections(outdir).filter((p) => p.platform.startsWith('cms')).map((p) => [p.platform, p.override_reason, p.override_expires, p.required_strength]))
    .toEqual([['cms-db', 'editors tweak titles', '2099-01-31', 'enforced']]);
  expect(policy.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data)).join('\n')).not.toContain('manual step');
});

test('an override on a Tryton that names its storage is held by its database the same way', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-strength-'));
  const app = new App({ outdir });
  const crm = pg('crm', PlatformKind.CRM);
  const erp = new Platform({
    name: 'erp', kind: PlatformKind.ERP,
    connection: PlatformConnection.tryton({ url: 'http://erp.internal:8000', database: 'erp', passwordEnv: 'P', storage: { host: 'erp-db.internal', database: 'erp', username: 'owner' } }),
  });
  const domain = new Domain(app, 'offers', { governedBy: 'Sales operations' });
  const offer = new Concept(domain, 'Offer');
  offer.addField('title', crm.at('offers.title'), erp.at('sale.offer.title'));
  const policy = new AuthorityPolicy(domain, 'offer-titles', {
    concept: offer, authority: crm, origin: crm, copies: [Copy.localOverride(erp, { reason: 'sales adjust titles' })],
    divergence: Divergence.AUTHORITY_WINS, requiredStrength: ProtectionStrength.ENFORCED, correction: CorrectionPath.at(crm, { how: 'rename the offer' }),
  });
  app.synth();
  expect(policy.copies[0].strength).toBe(ProtectionStrength.ENFORCED);
  expect(protections(outdir).filter((p) => p.platform.startsWith('erp')).map((p) => [p.platform, p.table, p.override_reason]))
    .toEqual([['erp-db', 'sale_offer', 'sales adjust titles']]);
});

test('a required strength on read-only copies both kinds enforce synthesizes, and the provider\'s plan check agrees', () => {
  const { app, outdir, build } = offers(({ ops }) => Copy.readOnly(ops), ProtectionStrength.ENFORCED);
  build();
  app.synth();
  const copies = protections(outdir).filter((p) => p.platform !== 'crm');
  expect(copies.map((p) => p.required_strength)).toEqual(['enforced', 'enforced']);
  for (const p of copies) expect(strengthRefusals(p, p.platform === 'cms' ? 'directus' : 'postgresql')).toEqual([]);
});

test('the provider refuses at plan an override on a kind without one, and a required strength the kind cannot give', () => {
  const refused = strengthRefusals({ platform: 'cms', override_reason: 'x', required_strength: 'enforced' }, 'directus');
  expect(refused.map((d) => d.attribute)).toEqual([['override_reason'], ['required_strength']]);
  expect(refused[1].summary).toBe('Platform "cms" (directus) holds a local override as "manual", and the policy requires "enforced"');
  expect(strengthRefusals({ platform: 'ops', override_reason: 'x', required_strength: 'enforced' }, 'postgresql')).toEqual([]);
  expect(strengthRefusals({ platform: 'x', required_strength: 'advisory' }, 'unknown-kind')[0].attribute).toEqual(['required_strength']);
});

test('expiries: a date ends at the end of that day in UTC; a timestamp needs a zone; impossible days are refused', () => {
  expect(expiryInstant('2026-05-01')?.toISOString()).toBe('2026-05-02T00:00:00.000Z');
  expect(expiryInstant('2026-05-01T12:00:00+02:00')?.toISOString()).toBe('2026-05-01T10:00:00.000Z');
  expect(expiryInstant('2026-02-30')).toBeUndefined();
  expect(expiryInstant('2026-05-01T12:00:00')).toBeUndefined();
  expect(expiryInstant('next week')).toBeUndefined();
});

test('plan words: overridden values and their age, an expiry within 7 days, an expiry passed', () => {
  expect([ageText(40), ageText(3600 * 5 + 10), ageText(86400 * 3 + 5)]).toEqual(['40 seconds', '5 hours', '3 days']);
  const now = new Date('2026-05-01T00:00:00Z');
  const value = { record: '{"id": 1}', field: 'title', value: '"Mine"', authorityValue: '"Theirs"', by: 'sam (as operator)', at: '', ageSeconds: 7200, expired: false };
  const base = { fact: 'offer.title', where: 'ops public.offers', authority: 'crm', reason: 'events', values: [value], now };
  const soon = overrideWarnings({ ...base, expiresAt: '2026-05-04T00:00:00.000Z' });
  expect(soon.map((d) => d.summary)).toEqual([
    'offer.title: 1 value overridden locally on ops public.offers, the oldest 2 hours ago',
    'offer.title: the local override on ops public.offers expires in 3 days (2026-05-04T00:00:00.000Z)',
  ]);
  expect(soon[0].detail).toContain('{"id": 1} title = "Mine" (crm has "Theirs"), by sam (as operator), 2 hours ago');
  expect(overrideWarnings({ ...base, expiresAt: '2026-06-01T00:00:00.000Z' })).toHaveLength(1); // a month ahead: no expiry warning
  const passed = overrideWarnings({ ...base, values: [], expiresAt: '2026-04-30T00:00:00.000Z' });
  expect(passed.map((d) => d.summary)).toEqual(['offer.title: the local override on ops public.offers expired at 2026-04-30T00:00:00.000Z']);
});
