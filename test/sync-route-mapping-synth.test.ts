/**
 * Routes between platforms that name a concept's records differently: what the constructs
 * synthesize when the concept declares its record key on each platform (keyedBy), and the checks
 * of keyedBy's props.
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, MissingRows } from '../constructs/src';
import { Platforms, synth } from './rules/harness';

function renamed(app: App, p: Platforms, missingRows?: MissingRows, extra?: (c: Concept) => void, protectKeys?: boolean) {
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'));
  campaign.addField('budget', p.crm.at('campaigns.budget'), p.ops.at('campaigns_view.budget_eur'));
  campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns_view.ext_id')], missingRows, protectKeys });
  extra?.(campaign);
  new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
    correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
  });
}

const routesOf = (stacks: Record<string, any>) => Object.values<any>(stacks).flatMap((s) => Object.values<any>(s.resource?.authority_sync_route ?? {}));

test('a mapped route: published from the authority\'s table, delivered into the copy\'s table and columns by its key column', () => {
  const result = synth((app, p) => renamed(app, p, MissingRows.CREATE), {}, { connected: true });
  expect(result.error).toBeUndefined();
  expect(routesOf(result.stacks)).toEqual([expect.objectContaining({
    authority: 'crm', copy: 'ops', schema: 'public', table: 'campaigns', columns: ['name', 'budget'],
    copy_schema: 'public', copy_table: 'campaigns_view', copy_columns: ['display_name', 'budget_eur'], copy_key_column: 'ext_id', record_key_column: 'id', missing_rows: 'create',
  })]);
  // The copy's protection guards the copy's own names.
  const protections = Object.values<any>(Object.values<any>(result.stacks)[0].resource.authority_field_protection);
  expect(protections.find((x) => x.platform === 'ops' && x.columns.includes('display_name'))).toMatchObject({ table: 'campaigns_view', columns: ['display_name', 'budget_eur'] });
});

const protectionsOf = (stacks: Record<string, any>) => Object.values<any>(stacks).flatMap((s) => Object.values<any>(s.resource?.authority_field_protection ?? {}));

test('protectKeys: the copy\'s key column is the sync\'s, guarded by a protection of its own saying what it is', () => {
  const result = synth((app, p) => renamed(app, p, MissingRows.CREATE, undefined, true), {}, { connected: true });
  const key = protectionsOf(result.stacks).filter((x) => x.platform === 'ops' && x.columns.includes('ext_id'));
  expect(key).toEqual([expect.objectContaining({ table: 'campaigns_view', columns: ['ext_id'], authority: 'crm', fact: 'campaign.name, campaign.budget' })]);
  expect(key[0].correction_hint).toBe('ext_id says which record of the CRM (crm) this row copies (its id); the sync sets it when it makes the row and ' +
    'campaign.name, campaign.budget follow it. Changing it here would copy another record into this row. If the row belongs to another record, correct it in the CRM.');
  const fields = protectionsOf(result.stacks).find((x) => x.platform === 'ops' && x.columns.includes('display_name'));
  expect(key[0].key).not.toBe(fields.key);
});

test.each([
  ['by default, rows created', MissingRows.CREATE, undefined, false],
  ['protectKeys: false', MissingRows.CREATE, false, false],
  ['protectKeys: true with reported rows', MissingRows.REPORT, true, true],
])('key column guarded or not: %s', (_what, missingRows, protectKeys, guarded) => {
  const result = synth((app, p) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'));
    campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns_view.ext_id')], missingRows, protectKeys });
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
    });
  }, {}, { connected: true });
  expect(result.error).toBeUndefined();
  expect(protectionsOf(result.stacks).some((x) => x.columns.includes('ext_id'))).toBe(guarded);
});

test('a copy that allows local overrides, or keeps the key under the authority\'s name, gets no key protection', () => {
  const result = synth((app, p) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'), p.cms.at('campaigns.name'));
    campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns_view.ext_id'), p.cms.at('campaigns.id')], missingRows: MissingRows.CREATE, protectKeys: true });
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: p.crm, origin: p.crm,
      copies: [Copy.localOverride(p.ops, { reason: 'regional names', expires: '2099-01-01' }), Copy.readOnly(p.cms)],
      divergence: Divergence.AUTHORITY_WINS,
      correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
    });
  }, {}, { connected: true });
  expect(result.error).toBeUndefined();
  expect(protectionsOf(result.stacks).filter((x) => x.columns.includes('ext_id') || (x.platform === 'cms' && x.columns.includes('id')))).toEqual([]);
});

test('missing rows are reported unless the model says to create them', () => {
  const result = synth((app, p) => renamed(app, p), {}, { connected: true });
  expect(routesOf(result.stacks)[0].missing_rows).toBe('report');
});

test('same names stay an unmapped route, key declared or not', () => {
  const result = synth((app, p) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns.name'));
    campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns.id')] });
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
    });
  }, {}, { connected: true });
  const [route] = routesOf(result.stacks);
  expect(route).toMatchObject({ table: 'campaigns', columns: ['name'] });
  expect(route.copy_table).toBeUndefined();
});

test('a key column outside the copy\'s table makes no route, and says why', () => {
  const result = synth((app, p) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'));
    campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('other.ext_id')] });
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
    });
  }, {}, { connected: true });
  expect(routesOf(result.stacks)).toEqual([]);
  expect(result.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining(
    'campaign.name is not synced from crm:public.campaigns.name to ops:public.campaigns_view.display_name: the key column ops:public.other.ext_id is not in the table of ops:public.campaigns_view.display_name'));
});

test('keyedBy checks its props at runtime', () => {
  const bad = (props: unknown, twice = false): string => {
    try {
      synth((app, p) => {
        const c = new Concept(new Domain(app, 'd', { governedBy: 'x' }), 'Campaign');
        if (twice) c.keyedBy({ keys: [p.crm.at('a.id'), p.ops.at('b.id')] });
        c.keyedBy(typeof props === 'function' ? props(p) : props as any);
      });
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  expect(bad(undefined)).toContain('d/Campaign: keyedBy: props must be an object of named settings; got nothing.');
  expect(bad({ keys: 'crm.campaigns.id' })).toContain('keys must be a list of FieldLocations');
  expect(bad((p: Platforms) => ({ keys: [p.crm.at('a.id')] }))).toContain('keys must be at least two locations');
  expect(bad((p: Platforms) => ({ keys: [p.crm.at('a.id'), p.crm.at('b.id')] }))).toContain('keys has two locations on platform "crm"');
  expect(bad((p: Platforms) => ({ keys: [p.crm.at('a.id'), p.ops.at('b.id')], missingRows: 'always' }))).toContain('missingRows must be one of MissingRows\'s values; got the string "always". Use MissingRows.REPORT, MissingRows.CREATE.');
  expect(bad((p: Platforms) => ({ keys: [p.crm.at('a.id'), p.ops.at('b.id')] }), true)).toContain('keyedBy is declared twice');
  expect(bad((p: Platforms) => ({ keys: [p.crm.at('a.id'), p.ops.at('b.id')], protectKeys: 'yes' }))).toContain('d/Campaign: keyedBy: protectKeys must be true or false; got the string "yes".');
});

test('a transfer of a mapped route keeps its address: the provider replaces it, the old direction removed first', () => {
  const stack = (authority: 'crm' | 'ops') => synth((app, p) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'));
    campaign.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns_view.crm_id')] });
    const [owner, other] = authority === 'crm' ? [p.crm, p.ops] : [p.ops, p.crm];
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: owner, origin: owner, copies: [Copy.readOnly(other)],
      correction: CorrectionPath.at(owner, { how: 'edit the campaign', contact: '#marketing-ops' }),
    });
  }, {}, { connected: true }).stacks;
  const names = (authority: 'crm' | 'ops') => Object.keys(Object.values<any>(stack(authority))[0].resource.authority_sync_route);
  expect(names('crm')).toEqual(names('ops'));
  expect(routesOf(stack('ops'))[0]).toMatchObject({ authority: 'ops', copy: 'crm', table: 'campaigns_view', copy_table: 'campaigns', copy_key_column: 'id', record_key_column: 'crm_id' });
});
