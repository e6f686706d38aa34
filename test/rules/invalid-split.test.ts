import { Testing } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../../constructs/src';
import { campaigns, expectClean, expectError, findingText, newApp, synth, synthApp } from './harness';

test('compliant: each field is controlled by exactly one side', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['routing_state'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['name', 'routing_state'] });
  }));
});

test('non-compliant: a field claimed twice, a field claimed by nobody, an unknown field', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      copies: [Copy.localOverride(p.ops, { reason: 'ops runs the routing state' })],
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['name', 'nmae'] }],
      }),
      divergence: Divergence.AUTHORITY_WINS,
    }, { fields: ['name', 'routing_state'] });
  });
  const text = findingText(result.error!, 'invalid-split', 'campaigns/campaign-naming');
  expect(text).toContain('"name" is claimed by crm and ops');
  expect(text).toContain('no side controls "routing_state"');
  expect(text).toContain('ops claims "nmae", which the policy does not govern');
  expectError(result, 'invalid-split', 'campaigns/campaign-naming', 'List every governed field exactly once');
});

test('compliant: a read-only copy as a side is guarded only for the fields the other side controls', () => {
  const connected = (name: string, kind: PlatformKind) =>
    new Platform({ name, kind, connection: PlatformConnection.postgresql({ host: 'h', database: name, username: 'u' }) });
  const [crm, ops] = [connected('crm', PlatformKind.CRM), connected('ops', PlatformKind.INTERNAL_TOOL)];
  const { app, outdir } = newApp();
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  campaign.addField('routing_state', crm.at('campaigns.routing_state'), ops.at('campaigns.routing_state'));
  new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign, authority: crm, origin: crm, copies: [Copy.readOnly(ops)],
    propagation: Propagation.twoWay({ maxLag: Duration.minutes(5), split: [{ platform: crm, fields: ['name'] }, { platform: ops, fields: ['routing_state'] }] }),
    correction: CorrectionPath.at(crm, { how: 'edit it' }),
  });
  const stack = JSON.parse(Testing.synth(domain, true));
  expect(synthApp(app, outdir).error).toBeUndefined();
  const resources = Object.values<any>(stack.resource.authority_field_protection)
    .map((r) => `${r.platform}.${r.table}(${r.columns.join(',')}) <- ${r.authority}: ${r.correction_hint}`).sort();
  expect(resources).toEqual([
    'crm.campaigns(name) <- crm: campaign.name is owned by crm (crm). Correct it in crm: edit it.',
    'crm.campaigns(routing_state) <- ops: campaign.routing_state is owned by ops (ops). Correct it in ops.',
    'ops.campaigns(name) <- crm: campaign.name is owned by crm (crm). Correct it in crm: edit it.',
    'ops.campaigns(routing_state) <- ops: campaign.routing_state is owned by ops (ops). Correct it in ops.',
  ]);
});

test('non-compliant: a side that is not in the policy at all', () => {
  const result = synth((app, p) => {
    campaigns(app, p, {
      propagation: Propagation.twoWay({
        maxLag: Duration.minutes(5),
        split: [{ platform: p.crm, fields: ['name'] }, { platform: p.ops, fields: ['routing_state'] }, { platform: p.erp, fields: [] }],
      }),
    }, { fields: ['name', 'routing_state'] });
  });
  const text = findingText(result.error!, 'invalid-split', 'campaigns/campaign-naming');
  expect(text).toContain('erp is a side but neither the authority nor a copy of this policy');
});
