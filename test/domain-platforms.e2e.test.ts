/**
 * Removing a domain's last policy on a platform: terraform removes its protections and route
 * there through the provider's connection, so the Domain keeps the platform declared
 * (`platforms`) until that apply has run; without it, plan says what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformKind } from '../constructs/src';
import { SynthesizedStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, connectedPlatform, startTestPlatforms } from './support/platforms';

let platforms: TestPlatforms;
beforeAll(async () => { platforms = await startTestPlatforms(); }, 120_000);
afterAll(async () => { await platforms?.stop(); });

function domain(app: App, withPolicy: boolean, keep: boolean): Domain {
  const crm = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
  const ops = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
  const d = new Domain(app, 'campaigns', { governedBy: 'Marketing operations', ...(keep ? { platforms: [crm, ops] } : {}) });
  if (withPolicy) {
    const campaign = new Concept(d, 'Campaign');
    campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
    new AuthorityPolicy(d, 'naming', {
      concept: campaign, authority: crm, origin: crm, copies: [Copy.readOnly(ops)], correction: CorrectionPath.at(crm, { how: 'edit it' }),
    });
  }
  return d;
}

/** The same stack folder (and state) with the domain synthesized anew. */
function resynth(stack: SynthesizedStack, build: (app: App) => Domain): void {
  const next = synthDomain(build);
  fs.copyFileSync(path.join(next.dir, 'cdk.tf.json'), path.join(stack.dir, 'cdk.tf.json'));
  const json = JSON.parse(fs.readFileSync(path.join(stack.dir, 'cdk.tf.json'), 'utf8'));
  json.terraform.backend.local.path = path.join(stack.dir, 'terraform.tfstate');
  fs.writeFileSync(path.join(stack.dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
}

const guards = async () => {
  const ops = await platforms.connect('ops');
  try {
    return (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority_guard_%'")).rowCount;
  } finally {
    await ops.end();
  }
};

test('with the platforms kept, the last policy\'s protections and route are removed; without them, plan says to keep them', async () => {
  const stack = synthDomain((app) => domain(app, true, false));
  const tf = new Terraform(stack.dir);
  tf.init();
  tf.ok('apply', '-auto-approve', '-input=false', '-no-color');
  expect(await guards()).toBe(1);

  resynth(stack, (app) => domain(app, false, false));
  const refused = tf.run('plan', '-input=false', '-no-color');
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain('No platform named');
  expect(refused.output).toContain('keep the platform declared until an apply has removed them');

  resynth(stack, (app) => domain(app, false, true));
  const applied = tf.ok('apply', '-auto-approve', '-input=false', '-no-color');
  expect(applied.output).toMatch(/0 added, 0 changed, 3 destroyed/);
  expect(await guards()).toBe(0);
  expect(tf.ok('plan', '-detailed-exitcode', '-input=false', '-no-color').code).toBe(0);
});

test('platforms must be Platform objects', () => {
  expect(() => new Domain(new App(), 'd', { governedBy: 'T', platforms: ['ops' as unknown as Platform] })).toThrow(/platforms\[0\].*a Platform/);
});
