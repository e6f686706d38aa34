/**
 * `authority explain --live` on a real applied stack: real terraform, the real provider, two real
 * PostgreSQL servers. Applied, the copy's protection reads enforced and the route streaming; a
 * guard disabled by hand reads drifted, from the provider's own read in a refresh-only plan.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Ownership, PlatformKind, Propagation } from '../constructs/src';
import { runCli } from '../cli/authority';
import { buildMap } from '../map/build';
import { liveStatus } from '../map/live';
import type { AuthorityMap } from '../map/map-types';
import { SynthesizedStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, connectedPlatform, startTestPlatforms } from './support/platforms';
import { captureIo } from './map-support';

let platforms: TestPlatforms;
let ops: Client;
let stack: SynthesizedStack;
let tf: Terraform;
let map: AuthorityMap;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  ops = await platforms.connect('ops');
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
    map = buildMap(Ownership.ofApp(app));
    return domain;
  });
  tf = new Terraform(stack.dir);
  tf.init();
  tf.apply();
});

afterAll(async () => {
  if (tf) tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  await ops?.end();
  await platforms?.stop();
});

test('applied: the copy is enforced, the authority recorded, the route streaming', () => {
  const s = liveStatus(map, 'campaign.name', stack.dir, stack.dir);
  expect(s.protections).toEqual([
    { platform: 'crm', table: 'public.campaigns', role: 'authority', state: 'enforced' },
    { platform: 'ops', table: 'public.campaigns', role: 'copy', state: 'enforced' },
  ]);
  expect(s.routes).toEqual([{ from: 'crm', to: 'ops', table: 'public.campaigns', state: 'streaming' }]);
});

test('a guard disabled by hand shows as drifted in explain --live, and the stack is left as it was', async () => {
  const guard = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.campaigns'::regclass AND tgname LIKE 'authority_guard%'")).rows[0].tgname as string;
  await ops.query(`ALTER TABLE campaigns DISABLE TRIGGER ${ops.escapeIdentifier(guard)}`);
  const state = tf.stateText();

  expect(liveStatus(map, 'campaign.name', stack.dir, stack.dir).protections.find((p) => p.platform === 'ops')!.state).toBe('drifted');

  // The CLI on the example organization's model, reading this stack as its campaigns domain.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-live-'));
  fs.symlinkSync(path.dirname(path.dirname(stack.dir)), path.join(project, 'cdktf.out'));
  const io = captureIo(project);
  expect(await runCli(['explain', 'ops:campaigns.name', '--live'], io)).toBe(0);
  const text = io.stdout.join('\n');
  expect(text).toContain('protection on ops public.campaigns (copy): DRIFTED (changed by hand outside terraform; apply repairs it)');
  expect(text).toContain('protection on crm public.campaigns (authority): recorded');
  // The provider reads the route as not enabled too while the copy's protection is off.
  expect(text).toContain('sync route crm -> ops public.campaigns: DRIFTED');
  expect(text).toContain('protection on cms public.campaigns (copy): not applied yet'); // the example's CMS copy is not in this stack

  expect(tf.stateText()).toBe(state); // refresh-only, to a scratch plan: nothing written
  tf.apply();
  expect(liveStatus(map, 'campaign.name', stack.dir, stack.dir).protections.find((p) => p.platform === 'ops')!.state).toBe('enforced');
});
