/**
 * Callers the TypeScript types do not reach (JavaScript, or Python and others through jsii) get a
 * clear error naming the construct path or factory, the prop, and what to pass, never a TypeError.
 */
import { App } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Platform, PlatformKind, Propagation,
} from '../constructs/src';

/** A domain with a concept "Campaign" holding name on crm and ops, for a policy to be declared in. */
function setting() {
  const app = new App();
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL });
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  const policy = (props: Record<string, unknown>) => new AuthorityPolicy(domain, 'naming', {
    concept: campaign, fields: ['name'], authority: crm, copies: [Copy.readOnly(ops)], ...props,
  } as any);
  return { crm, ops, domain, campaign, policy };
}

const any = (x: unknown) => x as any;

const CASES: [string, (s: ReturnType<typeof setting>) => unknown, RegExp][] = [
  // AuthorityPolicy props
  ['policy without props', (s) => new AuthorityPolicy(s.domain, 'p', any(undefined)),
    /^campaigns\/p: props must be an object of named settings; got nothing\.$/],
  ['propagation {}', (s) => s.policy({ propagation: {} }),
    /^campaigns\/naming: propagation must be a Propagation; got an empty object\. Pass Propagation\.oneWay\(\{ maxLag \}\)/],
  ['propagation as a string', (s) => s.policy({ propagation: 'one_way' }),
    /^campaigns\/naming: propagation must be a Propagation; got the string "one_way"\./],
  ['copies [{}]', (s) => s.policy({ copies: [{}] }),
    /^campaigns\/naming: copies\[0\] must be a Copy; got an empty object\. Pass Copy\.readOnly\(platform\)/],
  ['copies as one Copy, not a list', (s) => s.policy({ copies: Copy.readOnly(s.ops) }),
    /^campaigns\/naming: copies must be a list of copies; got a Copy\. Pass \[ \.\.\. \], even for one\.$/],
  ['authority by name', (s) => s.policy({ authority: 'crm' }),
    /^campaigns\/naming: authority must be a Platform; got the string "crm"\. Pass the Platform object/],
  ['origin by name', (s) => s.policy({ origin: 'crm' }), /^campaigns\/naming: origin must be a Platform; got the string "crm"\./],
  ['fields as a string', (s) => s.policy({ fields: 'name' }),
    /^campaigns\/naming: fields must be a list of field names; got the string "name"\. Pass \[ \.\.\. \], even for one\.$/],
  ['a field name that is a number', (s) => s.policy({ fields: [42] }), /^campaigns\/naming: fields\[0\] must be a string; got the number 42\.$/],
  ['an unknown divergence', (s) => s.policy({ divergence: 'crm_wins' }),
    /^campaigns\/naming: divergence must be one of Divergence's values; got the string "crm_wins"\. Use Divergence\.AUTHORITY_WINS, Divergence\.AUTHORITY_UNLESS_BLANK/],
  ['the divergence\'s enum key, not its value', (s) => s.policy({ divergence: 'AUTHORITY_WINS' }),
    /^campaigns\/naming: divergence must be one of Divergence's values; got the string "AUTHORITY_WINS"\./],
  ['correction as plain options', (s) => s.policy({ correction: { how: 'edit it' } }),
    /^campaigns\/naming: correction must be a CorrectionPath; got an object with how\. Pass CorrectionPath\.at/],
  ['no concept', (s) => s.policy({ concept: undefined }), /^campaigns\/naming: concept must be a Concept; got nothing\./],
  ['governedBy as a number', (s) => s.policy({ governedBy: 7 }), /^campaigns\/naming: governedBy must be a string; got the number 7\.$/],
  // Propagation
  ['maxLag as a number of seconds', () => Propagation.oneWay(any({ maxLag: 300 })),
    /^Propagation\.oneWay: maxLag must be a Duration; got the number 300\. Pass Duration\.minutes\(5\)/],
  ['maxLag as text', () => Propagation.oneWay(any({ maxLag: '5m' })), /^Propagation\.oneWay: maxLag must be a Duration; got the string "5m"\./],
  ['oneWay without options', () => Propagation.oneWay(any(undefined)), /^Propagation\.oneWay: options must be an object of named settings; got nothing\.$/],
  ['twoWay with a split side by platform name', () => Propagation.twoWay(any({ maxLag: Duration.minutes(5), split: [{ platform: 'crm', fields: ['name'] }] })),
    /^Propagation\.twoWay: split\[0\]\.platform must be a Platform; got the string "crm"\./],
  ['twoWay with split fields as a string', (s) => Propagation.twoWay(any({ maxLag: Duration.minutes(5), split: [{ platform: s.crm, fields: 'name' }] })),
    /^Propagation\.twoWay: split\[0\]\.fields must be a list of field names; got the string "name"\./],
  ['derived refreshEvery as a number', () => Propagation.derived(any({ refreshEvery: 60 })),
    /^Propagation\.derived: refreshEvery must be a Duration; got the number 60\./],
  // Copy
  ['a copy on a platform by name', () => Copy.readOnly(any('ops')), /^Copy\.readOnly: platform must be a Platform; got the string "ops"\./],
  ['feedsFrom by name', (s) => Copy.enrichOnly(s.ops, any({ feedsFrom: 'crm' })), /^Copy\.enrichOnly\(ops\): feedsFrom must be a Platform; got the string "crm"\./],
  ['a local override without options', (s) => Copy.localOverride(s.ops, any(undefined)),
    /^Copy\.localOverride\(ops\): options must be an object of named settings; got nothing\.$/],
  ['a local override whose reason is a number', (s) => Copy.localOverride(s.ops, any({ reason: 5 })), /^Copy\.localOverride\(ops\): reason must be a string; got the number 5\.$/],
  // CorrectionPath
  ['a correction path on a platform by name', () => CorrectionPath.at(any('crm'), { how: 'x' }), /^CorrectionPath\.at: platform must be a Platform; got the string "crm"\./],
  ['a correction path without options', (s) => CorrectionPath.at(s.crm, any(undefined)), /^CorrectionPath\.at\(crm\): options must be an object of named settings; got nothing\.$/],
  ['a correction path whose how is a number', (s) => CorrectionPath.at(s.crm, any({ how: 3 })), /^CorrectionPath\.at\(crm\): how must be a string; got the number 3\.$/],
  // Duration
  ['a duration as text', () => Duration.minutes(any('5')), /^Duration\.minutes\("5"\): a duration is a finite number of minutes, zero or more\.$/],
  ['a negative duration', () => Duration.seconds(-1), /^Duration\.seconds\(-1\): a duration is a finite number of seconds, zero or more\.$/],
  // Platform, Domain, Concept
  ['a platform kind by its enum key', () => new Platform(any({ name: 'crm', kind: 'CRM' })),
    /^Platform "crm": kind must be one of PlatformKind's values; got the string "CRM"\. Use PlatformKind\.CRM, PlatformKind\.CMS/],
  ['a platform without a name', () => new Platform(any({ kind: PlatformKind.CRM })), /^new Platform: name must be a string; got nothing\.$/],
  ['a connection as plain settings', () => new Platform(any({ name: 'crm', kind: PlatformKind.CRM, connection: { host: 'h' } })),
    /^Platform "crm": connection must be a PlatformConnection; got an object with host\. Pass PlatformConnection\.postgresql/],
  ['a domain without props', () => new Domain(new App(), 'sales', any(undefined)), /^sales: props must be an object of named settings; got nothing\.$/],
  ['a field location as text', (s) => s.campaign.addField('budget', any('crm.campaigns.budget')),
    /^campaigns\/Campaign: addField\("budget"\): location 1 must be a FieldLocation; got the string "crm\.campaigns\.budget"\. Pass platform\.at\("table\.column"\)\.$/],
  ['originatesIn by name', (s) => s.campaign.field('name').originatesIn(any('crm')),
    /^campaigns\/Campaign: campaign\.name\.originatesIn: platform must be a Platform; got the string "crm"\./],
];

test.each(CASES)('%s: a clear error, not a TypeError', (_label, build, message) => {
  const s = setting();
  let thrown: unknown;
  try {
    build(s);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Error);
  expect(thrown).not.toBeInstanceOf(TypeError);
  expect((thrown as Error).message).toMatch(message);
});

test('the valid forms of the same props pass', () => {
  const s = setting();
  const policy = s.policy({
    propagation: Propagation.twoWay({ maxLag: Duration.minutes(5), split: [{ platform: s.crm, fields: ['name'] }] }),
    divergence: Divergence.NEWEST_WINS,
    correction: CorrectionPath.at(s.crm, { how: 'edit it' }),
    origin: s.crm,
  });
  expect(policy.divergence).toBe('newest_wins');
});
