/**
 * `authority explain --live` on a real applied stack: real terraform, the real provider, two real
 * PostgreSQL servers. Applied, the copy's protection reads enforced and the route streaming with
 * its lag now; a guard disabled by hand reads drifted, from the provider's own read in a
 * refresh-only plan; values overridden locally and conflicts waiting for review are counted from
 * the platform, the same in explain and in the MCP tool live_status.
 */
import * as path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Ownership, PlatformKind, Propagation, ProtectionStrength,
} from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { runCli } from '../cli/authority';
import { authorityMcpServer } from '../cli/mcp-command';
import { buildMap } from '../map/build';
import { liveStatus } from '../map/live';
import type { AuthorityMap } from '../map/map-types';
import { SynthesizedStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';
import { waitFor } from './support/wait';
import { captureIo } from './map-support';

const { platforms, crm, ops } = useTestPlatforms({
  release: () => {
    if (tf) tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  },
});
let stack: SynthesizedStack;
let tf: Terraform;
let map: AuthorityMap;

beforeAll(async () => {
  // Offers: ops may override titles locally. Quotes: differing titles wait for a person (one differs already).
  await crm.query(`CREATE TABLE offers (id int PRIMARY KEY, title text); INSERT INTO offers VALUES (1, 'Spring'), (2, 'Summer');
                   CREATE TABLE quotes (id int PRIMARY KEY, title text); INSERT INTO quotes VALUES (1, 'Q1'), (2, 'Q2')`);
  await ops.query(`CREATE TABLE offers (id int PRIMARY KEY, title text); INSERT INTO offers VALUES (1, 'Spring'), (2, 'Summer');
                   CREATE TABLE quotes (id int PRIMARY KEY, title text); INSERT INTO quotes VALUES (1, 'Q1 (ops)'), (2, 'Q2');
                   GRANT SELECT, UPDATE ON offers, quotes TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  stack = synthDomain((app) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const crm = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', crm.at('campaigns.name'), opsPlatform.at('campaigns.name'));
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: crm, origin: crm, copies: [Copy.readOnly(opsPlatform)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
      correction: CorrectionPath.at(crm, { how: 'edit the campaign name' }),
    });
    const offer = new Concept(domain, 'Offer');
    offer.addField('title', crm.at('offers.title'), opsPlatform.at('offers.title'));
    new AuthorityPolicy(domain, 'offer-titles', {
      concept: offer, authority: crm, origin: crm, divergence: Divergence.AUTHORITY_WINS, requiredStrength: ProtectionStrength.ENFORCED,
      copies: [Copy.localOverride(opsPlatform, { reason: 'ops renames offers for local events', expires: '2099-12-31' })],
      correction: CorrectionPath.at(crm, { how: 'rename the offer' }),
    });
    const quote = new Concept(domain, 'Quote');
    quote.addField('title', crm.at('quotes.title'), opsPlatform.at('quotes.title'));
    new AuthorityPolicy(domain, 'quote-titles', {
      concept: quote, authority: crm, origin: crm, copies: [Copy.readOnly(opsPlatform)], divergence: Divergence.MANUAL_REVIEW,
      correction: CorrectionPath.at(crm, { how: 'edit the quote' }),
    });
    map = buildMap(Ownership.ofApp(app));
    return domain;
  });
  tf = new Terraform(stack.dir);
  tf.init();
  tf.apply();
});

const stacksDir = () => path.dirname(stack.dir);

test('applied: the copy is enforced, the authority recorded, the route streaming, with its lag now against max lag', async () => {
  // A change at the authority arrives: the route streams, and its lag is read from the platforms.
  await crm.query("UPDATE campaigns SET name = 'Renamed at the CRM' WHERE id = 1");
  await waitFor('the rename to reach ops', async () => (await ops.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name === 'Renamed at the CRM', 30_000);
  const s = await liveStatus(map, 'campaign.name', stacksDir());
  expect(s.protections).toEqual([
    expect.objectContaining({ platform: 'crm', table: 'public.campaigns', role: 'authority', state: 'enforced', says: 'protection on crm public.campaigns (authority): recorded' }),
    expect.objectContaining({ platform: 'ops', table: 'public.campaigns', role: 'copy', state: 'enforced', strength: 'enforced' }),
  ]);
  const [route] = s.routes;
  expect(route).toMatchObject({ from: 'crm', to: 'ops', table: 'public.campaigns', state: 'streaming', maxLag: '5m', now: { connected: true, applyErrors: 0 } });
  expect(route.now!.lagSeconds).toBeGreaterThanOrEqual(0);
  expect(route.now!.lagSeconds).toBeLessThan(300); // caught up: the rename arrived
  expect(route.says).toMatch(/^sync route crm -> ops public\.campaigns: streaming; lag now [\d.]+ s \(max 5m\)$/);
});

test('values overridden locally: how many, the oldest, by whom, and the strength; in explain and in the MCP tool alike', async () => {
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE offers SET title = 'Spring (ops event)' WHERE id = 1")).toBeUndefined();
  const login = (await ops.query('SELECT session_user AS who')).rows[0].who as string;
  const s = await liveStatus(map, 'offer.title', stacksDir());
  const onOps = s.protections.find((p) => p.platform === 'ops')!;
  expect(onOps).toMatchObject({ state: 'enforced', strength: 'enforced', overrides: { count: 1, expired: 0 } });
  expect(onOps.overrides!.by).toHaveLength(1);
  expect(onOps.overrides!.by[0]).toContain(login);
  expect(onOps.says).toMatch(/^protection on ops public\.offers \(copy\): enforced, strength enforced; 1 value overridden locally \(oldest [\d.]+ s, by /);
  expect(onOps.says.endsWith(`by ${onOps.overrides!.by[0]})`)).toBe(true);

  // The same words from the CLI (the test's own organization, read from its synthesized folder) and the MCP tool.
  const io = captureIo();
  expect(await runCli(['explain', 'ops:offers.title', '--live', '--app', path.dirname(stacksDir())], io)).toBe(0);
  const text = io.stdout.join('\n');
  expect(text).toContain('Strength: enforced (the policy requires enforced).');
  expect(text).toContain('  protection on ops public.offers (copy): enforced, strength enforced; 1 value overridden locally (oldest ');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await authorityMcpServer(map, { stacksDir: stacksDir() }).connect(serverSide);
  const client = new McpClient({ name: 'live', version: '1.0.0' });
  await client.connect(clientSide);
  try {
    const r: any = await client.callTool({ name: 'live_status', arguments: { subject: 'offer.title' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.protections.find((p: any) => p.platform === 'ops').overrides).toMatchObject({ count: 1, by: onOps.overrides!.by });
    expect(r.content[0].text).toContain('protection on ops public.offers (copy): enforced, strength enforced; 1 value overridden locally');
  } finally {
    await client.close();
  }
});

test('conflicts that wait for review are counted on the route, in words and as data', async () => {
  const s = await liveStatus(map, 'quote.title', stacksDir());
  expect(s.routes[0].now?.review).toMatchObject({ queue: 'authority_records.review_queue', open: 1, resolving: 0 });
  expect(s.routes[0].says).toContain('1 conflict waits for review in authority_records.review_queue');
  const io = captureIo();
  expect(await runCli(['explain', 'quote.title', '--live', '--json', '--app', path.dirname(stacksDir())], io)).toBe(0);
  const json = JSON.parse(io.stdout.join(''));
  expect(json.live.routes[0].now.review.open).toBe(1);
  expect(json.live.routes[0].now.lagSeconds).toBeGreaterThanOrEqual(0);
});

test('a guard disabled by hand shows as drifted in explain --live, and the stack is left as it was', async () => {
  const guard = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.campaigns'::regclass AND tgname LIKE 'authority_guard%'")).rows[0].tgname as string;
  await ops.query(`ALTER TABLE campaigns DISABLE TRIGGER ${ops.escapeIdentifier(guard)}`);
  const state = tf.stateText();

  expect((await liveStatus(map, 'campaign.name', stacksDir())).protections.find((p) => p.platform === 'ops')!.state).toBe('drifted');

  // The CLI on the test's own organization, read from the folder it synthesized.
  const io = captureIo();
  expect(await runCli(['explain', 'ops:campaigns.name', '--live', '--app', path.dirname(stacksDir())], io)).toBe(0);
  const text = io.stdout.join('\n');
  expect(text).toContain('protection on ops public.campaigns (copy): DRIFTED (changed by hand outside terraform; apply repairs it), strength enforced');
  expect(text).toContain('protection on crm public.campaigns (authority): recorded');
  // The provider reads the route as not enabled too while the copy's protection is off.
  expect(text).toContain('sync route crm -> ops public.campaigns: DRIFTED');

  expect(tf.stateText()).toBe(state); // refresh-only, to a scratch plan: nothing written
  tf.apply();
  expect((await liveStatus(map, 'campaign.name', stacksDir())).protections.find((p) => p.platform === 'ops')!.state).toBe('enforced');
});
