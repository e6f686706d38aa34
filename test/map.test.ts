/**
 * The authority map of the example organization (policies/), from the model alone: the four
 * answers for every governed fact, the location index, the JSON checked by its schema (and a
 * broken document refused), and the wiki, ODCS and OpenLineage renderings of the same data.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, Domain, Ownership, Platform, PlatformConnection, PlatformKind, ProtectionStrength } from '../constructs/src';
import { buildMap } from '../map/build';
import { organizationMap } from '../map/organization';
import { mapSchemaErrors } from '../map/schema';
import { mapOdcs, CORRECTION_PATH_TYPE } from '../map/odcs';
import { mapOpenLineage } from '../map/openlineage';
import { mapMarkdown } from '../map/markdown';
import { runCli } from '../cli/authority';
import { captureIo } from './map-support';

const map = organizationMap();
const fact = (id: string) => map.facts.find((f) => f.id === id)!;

test('every governed fact of the organization is on the map, with stable ids', () => {
  expect(map.facts.map((f) => f.id).sort()).toEqual([
    'account.billing_state', 'account.owner', 'campaign.name', 'campaign.routing_state', 'content.title', 'ticket.status',
  ]);
  expect(map.domains.map((d) => d.id)).toEqual(['campaigns', 'content', 'operations', 'accounts', 'billing', 'support']);
  expect(map.platforms.map((p) => p.id).sort()).toEqual(['bi', 'cms', 'crm', 'erp', 'ops', 'support']);
});

test('campaign.name: originates and is decided in the CRM, corrected there, copied read-only, the CRM wins', () => {
  const a = fact('campaign.name').answers;
  expect(a.origin).toMatchObject({ origin: 'crm', authority: 'crm', authorityLocation: 'crm:public.campaigns.name', governedBy: 'Marketing operations' });
  expect(a.correction).toMatchObject({
    platform: 'crm', how: 'open the campaign and edit its name',
    runbook: 'https://wiki.example.com/runbooks/campaign-names', contact: '#marketing-ops',
  });
  expect(a.copies.copies.map((c) => [c.platform, c.edits, c.nature, c.mayEdit, c.protected])).toEqual([
    ['ops', 'read_only', 'projection', false, true],
    ['cms', 'read_only', 'projection', false, true],
    ['bi', 'read_only', 'consumer', false, true],
  ]);
  expect(a.divergence).toMatchObject({ propagation: 'one_way', direction: 'crm -> ops, cms, bi', maxLag: '5m', rule: 'authority_wins' });
  expect(a.divergence.says).toBe('Values flow one way, crm -> ops, cms, bi, a copy lagging at most 5m. ' +
    'When values differ, the CRM (crm) wins: the sync overwrites the copy with the authority\'s value.');
});

test('every place a fact lives is indexed in both spellings, naming authority or copy', () => {
  expect(map.locations['ops:campaigns.name']).toEqual({ fact: 'campaign.name', platform: 'ops', role: 'copy', location: 'ops:public.campaigns.name' });
  expect(map.locations['ops:public.campaigns.name']).toEqual(map.locations['ops:campaigns.name']);
  expect(map.locations['crm:campaigns.name'].role).toBe('authority');
  const holders = map.facts.reduce((n, f) => n + 1 + f.answers.copies.copies.length, 0);
  expect(Object.keys(map.locations)).toHaveLength(2 * holders);
});

test('the JSON map matches its schema; a broken document is refused, saying where', async () => {
  expect(mapSchemaErrors(map)).toEqual([]);
  const io = captureIo();
  expect(await runCli(['map', '--format', 'json'], io)).toBe(0);
  const printed = JSON.parse(io.stdout.join(''));
  expect(mapSchemaErrors(printed)).toEqual([]);
  expect(printed).toEqual(JSON.parse(JSON.stringify(map)));

  const broken = JSON.parse(JSON.stringify(map));
  delete broken.facts[0].answers.origin;
  broken.facts[1].answers.divergence.rule = 'loudest_wins';
  broken.locations['ops:campaigns.name'].role = 'owner';
  const errors = mapSchemaErrors(broken);
  expect(errors).toEqual(expect.arrayContaining([
    "/facts/0/answers: must have required property 'origin'",
    '/facts/1/answers/divergence/rule: must be equal to one of the allowed values',
    '/locations/ops:campaigns.name/role: must be equal to one of the allowed values',
  ]));
});

test('a fact decided by two policies is refused, naming both', () => {
  const app = new App();
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL });
  for (const id of ['one', 'two']) {
    const d = new Domain(app, id, { governedBy: 'Team' });
    const c = new Concept(d, 'Campaign');
    c.addField('name', crm.at('campaigns.name'), ops.at(`${id}.name`));
    new AuthorityPolicy(d, 'naming', { concept: c, authority: crm, copies: [Copy.readOnly(ops)] });
  }
  expect(() => buildMap(Ownership.ofApp(app))).toThrow('Fact "campaign.name" is decided twice, by one/naming and by two/naming');
});

test('a local override says why and until when people may edit the copy', () => {
  const app = new App();
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM' });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, title: 'the operations tool' });
  const d = new Domain(app, 'campaigns', { governedBy: 'Marketing' });
  const c = new Concept(d, 'Campaign');
  c.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  new AuthorityPolicy(d, 'naming', { concept: c, authority: crm, copies: [Copy.localOverride(ops, { reason: 'launch week renames', expires: '2027-01-31' })] });
  const copy = buildMap(Ownership.ofApp(app)).facts[0].answers.copies.copies[0];
  expect(copy).toMatchObject({ edits: 'local_override', mayEdit: true, reason: 'launch week renames', expires: '2027-01-31' });
  expect(copy.says).toContain('people may override the value there locally because launch week renames until 2027-01-31');
});

test('each copy says how strongly its platform holds it and what strength the policy requires', () => {
  const app = new App();
  const connection = PlatformConnection.postgresql({ host: 'db.example.com', database: 'ops', username: 'authority', passwordEnv: 'OPS_PASSWORD' });
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM' });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, title: 'the operations tool', connection });
  const bi = new Platform({ name: 'bi', kind: PlatformKind.BI, title: 'the BI' });
  const d = new Domain(app, 'campaigns', { governedBy: 'Marketing' });
  const c = new Concept(d, 'Campaign');
  c.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'), bi.at('campaigns.name'));
  new AuthorityPolicy(d, 'naming', {
    concept: c, authority: crm, requiredStrength: ProtectionStrength.ENFORCED,
    copies: [Copy.localOverride(ops, { reason: 'launch week renames', expires: '2027-01-31' }), Copy.readOnly(bi)],
  });
  const map = buildMap(Ownership.ofApp(app));
  const [onOps, onBi] = map.facts[0].answers.copies.copies;
  expect(onOps).toMatchObject({ strength: 'enforced', requiredStrength: 'enforced', reason: 'launch week renames', expires: '2027-01-31' });
  expect(onOps.says).toContain('Strength: enforced (the policy requires enforced).');
  // Not connected where the map is built: its strength is unknown, the requirement still shows.
  expect(onBi).not.toHaveProperty('strength');
  expect(onBi.says).toContain('The policy requires enforced protection.');
  expect(mapSchemaErrors(map)).toEqual([]);
  // Without a requirement, any strength will do, and the words say nothing of it.
  expect(fact('campaign.name').answers.copies.copies.every((copy) => copy.requiredStrength === 'manual' && !copy.says.includes('requires'))).toBe(true);
});

test('markdown: a section per domain and the four answers per fact', () => {
  const md = mapMarkdown(map);
  for (const d of map.domains) expect(md).toContain(`## Domain \`${d.id}\` — ${d.governedBy}`);
  for (const f of map.facts) {
    expect(md).toContain(`### \`${f.id}\``);
    expect(md).toContain(f.answers.correction.says);
    expect(md).toContain(f.answers.divergence.says);
  }
  expect(md).toContain('| ops | ops:public.campaigns.name | projection | read only | crm | yes |');
});

test('ODCS: one contract per domain with its team, roles, and the correction path as an authoritative definition', async () => {
  const docs = mapOdcs(map);
  expect(Object.keys(docs)).toEqual(map.domains.map((d) => d.id));
  const c = docs.campaigns;
  expect(c).toMatchObject({ apiVersion: 'v3.1.0', kind: 'DataContract', id: 'authority-campaigns', status: 'active', team: { name: 'Marketing operations' } });
  expect(c.roles.map((r) => [r.role, r.access])).toEqual([['crm-editors', 'read-write'], ['ops-editors', 'read'], ['cms-editors', 'read'], ['bi-editors', 'read']]);
  expect(c.authoritativeDefinitions).toEqual([expect.objectContaining({
    type: CORRECTION_PATH_TYPE, url: 'https://wiki.example.com/runbooks/campaign-names', description: fact('campaign.name').answers.correction.says,
  })]);
  const opsName = c.schema.find((s) => s.name === 'ops.public.campaigns')!.properties[0];
  expect(opsName.customProperties).toEqual(expect.arrayContaining([
    { property: 'fact', value: 'campaign.name' }, { property: 'holds', value: 'copy' }, { property: 'authority', value: 'crm' },
    { property: 'allowedEdits', value: 'read_only' }, { property: 'divergence', value: 'authority_wins' },
  ]));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-odcs-'));
  const io = captureIo();
  expect(await runCli(['map', '--format=odcs', '--out', path.join(dir, 'contracts')], io)).toBe(0);
  expect(fs.readdirSync(path.join(dir, 'contracts')).sort()).toEqual(map.domains.map((d) => `${d.id}.odcs.json`).sort());

  // A file where the folder should be: one line saying so, exit 1, no stack trace.
  fs.writeFileSync(path.join(dir, 'a-file'), '');
  const blocked = captureIo();
  expect(await runCli(['map', '--out', path.join(dir, 'a-file', 'map.json')], blocked)).toBe(1);
  expect(blocked.stderr.join('')).toBe(`authority map: --out ${path.join(dir, 'a-file', 'map.json')}: cannot write there (a file stands where a folder is needed); name a file or folder you may write.`);
});

test('OpenLineage: each sync route carries column lineage from its source column, and the ownership', () => {
  const events = mapOpenLineage(map, '2026-12-01T00:00:00.000Z');
  const copies = map.facts.reduce((n, f) => n + f.answers.copies.copies.length, 0);
  expect(events).toHaveLength(copies); // one copied table per route in this organization
  const toOps = events.find((e) => e.job.name === 'sync-route:crm->ops:public.campaigns')!;
  expect(toOps).toMatchObject({ eventTime: '2026-12-01T00:00:00.000Z', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent' });
  const out = toOps.outputs[0];
  expect(out).toMatchObject({ namespace: 'authority://ops', name: 'public.campaigns' });
  expect(out.facets.columnLineage.fields.name.inputFields).toEqual([expect.objectContaining({
    namespace: 'authority://crm', name: 'public.campaigns', field: 'name',
    transformations: [expect.objectContaining({ type: 'DIRECT', subtype: 'IDENTITY', masking: false })],
  })]);
  expect(out.facets.ownership.owners).toEqual([{ name: 'team:Marketing operations', type: 'GOVERNED_BY' }, { name: 'application:crm', type: 'AUTHORITY' }]);
});

test('map refuses an unknown format, with its usage', async () => {
  const io = captureIo();
  expect(await runCli(['map', '--format', 'yaml'], io)).toBe(2);
  expect(io.stderr.join('')).toContain('--format must be one of json, markdown, odcs, openlineage, html, not "yaml"');
});

test('--format html writes the catalog page: every fact of the map, self-contained', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-catalog-'));
  try {
    const io = captureIo();
    expect(await runCli(['map', '--format', 'html', '--out', path.join(dir, 'catalog.html')], io)).toBe(0);
    const page = fs.readFileSync(path.join(dir, 'catalog.html'), 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    for (const fact of map.facts) expect(page).toContain(fact.id);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
