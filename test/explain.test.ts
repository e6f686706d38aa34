/**
 * `authority explain`: the four answers about one fact, asked by fact id or by column, in words
 * and as JSON, and may_i_write's yes/no with where to write instead.
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Ownership, Platform, PlatformKind } from '../constructs/src';
import { runCli } from '../cli/authority';
import { askedWords, explain, knownFactsWords, mayIWrite, protectionSays, routeSays } from '../map/answers';
import { buildMap } from '../map/build';
import { callMcpTool } from '../map/mcp-tools';
import { organizationMap } from '../map/organization';
import { captureIo } from './map-support';

const map = organizationMap();

test('explain a copy\'s column: it is a copy, the CRM decides, correct it there, the CRM wins', async () => {
  const io = captureIo();
  expect(await runCli(['explain', 'ops:campaigns.name'], io)).toBe(0);
  const text = io.stdout.join('\n');
  expect(text).toContain('ops:public.campaigns.name holds campaign.name: it is a copy, not the authority.');
  expect(text).toContain('Where it originates\n  campaign.name originates in the CRM (crm), which is also its authority at crm:public.campaigns.name, governed by Marketing operations.');
  expect(text).toContain('Where to correct it\n  Correct campaign.name in the CRM (crm): open the campaign and edit its name. Runbook: https://wiki.example.com/runbooks/campaign-names. Ask #marketing-ops.');
  expect(text).toContain('- The operations tool (ops) at ops:public.campaigns.name is a projection fed from the CRM (crm); read-only');
  expect(text).toContain('- The BI layer (bi) at bi:public.campaigns.name is a consumer');
  expect(text).toContain('When values differ\n  Values flow one way, crm -> ops, cms, bi, a copy lagging at most 5m. When values differ, the CRM (crm) wins');
});

test('explain --json prints the map\'s answers for the fact', async () => {
  const io = captureIo();
  expect(await runCli(['explain', 'account.billing_state', '--json'], io)).toBe(0);
  const printed = JSON.parse(io.stdout.join(''));
  expect(printed).toEqual(JSON.parse(JSON.stringify(explain(map, 'account.billing_state'))));
  expect(printed.answers).toEqual(map.facts.find((f) => f.id === 'account.billing_state')!.answers);
  expect(printed.answers.origin).toMatchObject({ authority: 'erp', governedBy: 'Finance' });
});

test('an unknown fact or column is a message with near names, not a stack trace', async () => {
  const io = captureIo();
  expect(await runCli(['explain', 'ops:campaigns.nme'], io)).toBe(1);
  const err = io.stderr.join('');
  expect(err).toContain('"ops:campaigns.nme" is neither a governed fact nor a platform location the map knows');
  expect(err).toContain('"ops:campaigns.name"');
  expect(err).not.toMatch(/\n\s+at /);
  const usage = captureIo();
  expect(await runCli(['explain'], usage)).toBe(2);
  expect(usage.stderr.join('')).toContain('name one fact (concept.field) or one column (platform:table.column)');
});

test('may I write: yes on the authority; no on a copy, with where to write instead', () => {
  expect(mayIWrite(map, 'crm', 'campaigns.name')).toMatchObject({ fact: 'campaign.name', allowed: true });
  const no = mayIWrite(map, 'ops', 'campaigns.name');
  expect(no).toMatchObject({ fact: 'campaign.name', platform: 'ops', allowed: false, writeInstead: { platform: 'crm', how: 'open the campaign and edit its name' } });
  expect(no.why).toMatch(/^No: The operations tool \(ops\) .* read-only: nobody edits it there/);
  expect(mayIWrite(map, 'support', 'campaign.name')).toMatchObject({ allowed: false, writeInstead: { platform: 'crm' } });
  expect(() => mayIWrite(map, 'warehouse', 'campaigns.name')).toThrow('The map knows no platform "warehouse"; known platforms: crm, ops, cms, bi, erp, support.');
});

test('a local override may be written until it expires, then no longer', () => {
  const app = new App();
  const crm = new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM' });
  const ops = new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, title: 'the operations tool' });
  const d = new Domain(app, 'campaigns', { governedBy: 'Marketing' });
  const c = new Concept(d, 'Campaign');
  c.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  new AuthorityPolicy(d, 'naming', {
    concept: c, authority: crm, copies: [Copy.localOverride(ops, { reason: 'launch week renames', expires: '2027-01-31' })],
    correction: CorrectionPath.at(crm, { how: 'edit the campaign' }),
  });
  const m = buildMap(Ownership.ofApp(app));
  expect(mayIWrite(m, 'ops', 'campaigns.name', '2027-01-31')).toMatchObject({ allowed: true });
  const after = mayIWrite(m, 'ops', 'campaigns.name', '2027-02-01');
  expect(after).toMatchObject({ allowed: false, writeInstead: { platform: 'crm', how: 'edit the campaign' } });
  expect(after.why).toContain('Its local override expired on 2027-01-31.');
});

test('live status in words: the lag now against max lag, a route not connected, the review queue, overrides', () => {
  const route = { from: 'crm', to: 'ops', table: 'public.campaigns', state: 'streaming' as const, maxLag: '5m' };
  expect(routeSays({ ...route, now: { connected: true, lagSeconds: 0.42, applyErrors: 0 } })).toBe('sync route crm -> ops public.campaigns: streaming; lag now 0.4 s (max 5m)');
  expect(routeSays({ ...route, now: { connected: true, lagSeconds: 420, applyErrors: 0 } })).toBe('sync route crm -> ops public.campaigns: streaming; lag now 7 min (max 5m), BEHIND its max lag');
  expect(routeSays({ ...route, now: { connected: false, applyErrors: 2 } })).toBe(
    'sync route crm -> ops public.campaigns: streaming; not connected to crm: lag unknown (max 5m); 2 changes the copy failed to apply');
  expect(routeSays({ ...route, now: { connected: true, lagSeconds: 0, applyErrors: 0, review: { queue: 'authority_records.review_queue', open: 2, resolving: 1, oldestSeconds: 3 * 3600 } } }))
    .toBe('sync route crm -> ops public.campaigns: streaming; lag now 0 s (max 5m); 2 conflicts wait for review in authority_records.review_queue (oldest 3 h); 1 resolved value waits for the sync to write it');
  expect(protectionSays({ platform: 'ops', table: 'public.offers', role: 'copy', state: 'enforced', strength: 'enforced', overrides: { count: 2, oldestSeconds: 5 * 86400, by: ['alice', 'bob'], expired: 0 } }))
    .toBe('protection on ops public.offers (copy): enforced, strength enforced; 2 values overridden locally (oldest 5 days, by alice, bob)');
});

test('an unknown name is quoted safely: control characters escaped, long input cut, long fact lists counted', () => {
  const hostile = `campaign\u001b[2J.name${'x'.repeat(500)}`;
  let message = '';
  try {
    explain(map, hostile);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('\\u001b[2J');
  expect(message).not.toContain('\u001b');
  expect(message).toContain(`(${hostile.length} characters)`);
  expect(message.length).toBeLessThan(1000);
  expect(askedWords('ops:campaigns.nme')).toBe('"ops:campaigns.nme"');
  const many = { ...map, facts: Array.from({ length: 40 }, (_, i) => ({ ...map.facts[0], id: `concept${i}.field` })) };
  expect(knownFactsWords(many)).toBe(
    `known facts include ${many.facts.slice(0, 12).map((f) => f.id).join(', ')} and 28 more (npx authority map lists them all).`,
  );
  expect(knownFactsWords(map)).toBe(`known facts: ${map.facts.map((f) => f.id).join(', ')}.`);
});

test('an unknown name is quoted safely: C1 controls, bidirectional overrides and line separators escaped too', () => {
  // U+009B is CSI for terminals that honour 8-bit controls; U+202E turns the rest of the line around.
  const said = askedWords('campaign\u009b2J\u202e.name\u2028x');
  expect(said).toBe('"campaign\\u009b2J\\u202e.name\\u2028x"');
  expect(said).not.toMatch(/[\u0080-\u009f\u202e\u2028]/);
  expect(askedWords(`\u009b${'x'.repeat(100)}`, 10)).toBe('"\\u009bxxxxxxxxx…" (101 characters)');
});

test('an MCP call to an unknown tool gets its name back quoted safely', async () => {
  await expect(callMcpTool(map, 'who\u001b[2J\u009bowns')).rejects.toThrow('No tool "who\\u001b[2J\\u009bowns"; tools: who_owns');
});
