/**
 * Moving a fact's authority from one platform to another (the seeds' case, here campaign.name
 * from the CRM to the operations tool) through a plain apply: while it runs, a probe keeps
 * asking which side accepts a person's edit and which way the sync runs, and fails on any
 * moment where both sides accept edits or the sync runs both ways.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';
import { OPERATOR_ROLE, prepareExamplePlatform } from '../embedded/example-platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, startTestPlatforms, connectedPlatform } from './support/platforms';

let platforms: TestPlatforms;

beforeAll(async () => {
  platforms = await startTestPlatforms();
});

afterAll(async () => {
  await platforms?.stop();
});

/** The campaigns domain with campaign.name owned by `owner` and copied read-only on the other. */
function campaignsOwnedBy(owner: 'crm' | 'ops') {
  return synthDomain((app) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const crm = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const ops = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const [authority, copy] = owner === 'crm' ? [crm, ops] : [ops, crm];
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, fields: ['name'], authority, origin: authority, copies: [Copy.readOnly(copy)],
      correction: CorrectionPath.at(authority, { how: 'edit the campaign name' }),
    });
    return domain;
  });
}

/** Whether a subscription of this database receives campaigns now: the sync runs into it. */
async function receives(db: Client): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
                           WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                             AND r.srrelid = 'public.campaigns'::regclass`)).rowCount! > 0;
}

/** Polls until `check` holds, for at most 15 s. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < 15_000; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return true;
  }
  return false;
}

/** Whether a person may change campaigns.name here now (tried, then rolled back). */
async function personCanEdit(db: Client): Promise<boolean> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL ROLE ${OPERATOR_ROLE}`);
    await db.query("UPDATE campaigns SET name = name || ' (probe)' WHERE id = 1");
    return true;
  } catch {
    return false;
  } finally {
    await db.query('ROLLBACK');
  }
}

test('moving campaign.name from the CRM to the operations tool never lets people edit both', async () => {
  const before = campaignsOwnedBy('crm');
  const tf = new Terraform(before.dir);
  tf.init();
  tf.apply();
  const [crm, ops] = [await platforms.connect('crm'), await platforms.connect('ops')];
  try {
    expect([await personCanEdit(crm), await personCanEdit(ops)]).toEqual([true, false]);
    expect([await receives(crm), await receives(ops)]).toEqual([false, true]);

    // The same stack, re-synthesized with the new owner (same state, same addresses).
    const after = campaignsOwnedBy('ops');
    after.json.terraform.backend = before.json.terraform.backend;
    fs.writeFileSync(path.join(before.dir, 'cdk.tf.json'), JSON.stringify(after.json, null, 2));
    const plan = tf.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain('Plan: 0 to add, 3 to change, 0 to destroy.'); // two protections, one route, all in place
    const words = plan.output.replace(/\s+/g, ' '); // terraform wraps diagnostic details
    expect(words).toContain('Warning: campaign.name: authority crm -> ops on crm public.campaigns');
    expect(words).toContain('crm becomes a read-only copy of ops: people are refused there, and corrections move to ops.');
    expect(words).toContain('ops becomes the authority: people edit the fact there, and it is no longer guarded.');

    // The probe reads the side that gets guarded on both sides of the other: if the CRM was
    // editable before and after the operations tool was, it was editable throughout.
    // Likewise for the sync: ops receives before, the CRM after.
    const overlaps: string[] = [];
    const bothWays: string[] = [];
    const samples = { crmOnly: 0, opsOnly: 0, neither: 0 };
    let running = true;
    const probe = (async () => {
      while (running) {
        const crmBefore = await personCanEdit(crm);
        const opsNow = await personCanEdit(ops);
        const crmAfter = await personCanEdit(crm);
        if (crmBefore && opsNow && crmAfter) overlaps.push(new Date().toISOString());
        const opsReceivedBefore = await receives(ops);
        const crmReceives = await receives(crm);
        const opsReceivesAfter = await receives(ops);
        if (opsReceivedBefore && crmReceives && opsReceivesAfter) bothWays.push(new Date().toISOString());
        if (crmBefore && crmAfter && !opsNow) samples.crmOnly++;
        else if (!crmBefore && !crmAfter && opsNow) samples.opsOnly++;
        else if (!crmBefore && !crmAfter && !opsNow) samples.neither++;
      }
    })();
    const applied = await tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color');
    running = false;
    await probe;

    expect(applied.code).toBe(0);
    expect(overlaps).toEqual([]);
    expect(bothWays).toEqual([]);
    expect(samples.crmOnly).toBeGreaterThan(0); // the probe saw the state before ...
    expect([await personCanEdit(crm), await personCanEdit(ops)]).toEqual([false, true]); // ... and after
    const refused = await crm.query("UPDATE campaigns SET name = 'x' WHERE id = 1").catch((e: Error) => e.message);
    expect(refused).toContain('campaign.name is owned by the OPS (ops). Correct it in the OPS: edit the campaign name.');
    expect(tf.plan().code).toBe(0);

    // Values now flow from the operations tool to the CRM, and no longer the other way.
    expect([await receives(crm), await receives(ops)]).toEqual([true, false]);
    await ops.query(`SET ROLE ${OPERATOR_ROLE}; UPDATE campaigns SET name = 'Renamed in ops' WHERE id = 2; RESET ROLE`);
    expect(await eventually(async () => (await crm.query('SELECT name FROM campaigns WHERE id = 2')).rows[0].name === 'Renamed in ops')).toBe(true);
  } finally {
    tf.destroy(); // the next test starts from bare platforms
    await crm.end();
    await ops.end();
  }
});

/** campaign.name on three platforms: the CRM, the CMS (a second database on the CRM's server) and the operations tool. */
function threePlatformsOwnedBy(owner: 'crm' | 'cms') {
  return synthDomain((app) => {
    const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
    const crm = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const ops = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const c = platforms.crm.connection;
    const cms = new Platform({
      name: 'cms', kind: PlatformKind.CMS, title: 'the CMS',
      connection: PlatformConnection.postgresql({ host: c.host, port: c.port, database: 'cms', username: c.username, passwordFile: c.passwordFile }),
    });
    const [authority, other] = owner === 'crm' ? [crm, cms] : [cms, crm];
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', crm.at('campaigns.name'), cms.at('campaigns.name'), ops.at('campaigns.name'));
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, fields: ['name'], authority, origin: authority, copies: [Copy.readOnly(other), Copy.readOnly(ops)],
      correction: CorrectionPath.at(authority, { how: 'edit the campaign name' }),
    });
    return domain;
  });
}

/** How many authority routes deliver campaigns into this database now. */
async function sources(db: Client): Promise<number> {
  return (await db.query(`SELECT count(*)::int AS n FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
                           WHERE s.subname LIKE 'authority\\_%' AND r.srrelid = 'public.campaigns'::regclass`)).rows[0].n;
}

test('moving campaign.name from the CRM to the CMS: the operations tool, a third holder, never receives it from both', async () => {
  await prepareExamplePlatform('cms', platforms.crm.clientConfig());
  const before = threePlatformsOwnedBy('crm');
  const tf = new Terraform(before.dir);
  tf.init();
  tf.apply();
  const [crm, ops] = [await platforms.connect('crm'), await platforms.connect('ops')];
  const cms = new Client(platforms.crm.clientConfig('cms'));
  await cms.connect();
  try {
    expect([await sources(crm), await sources(cms), await sources(ops)]).toEqual([0, 1, 1]);
    const after = threePlatformsOwnedBy('cms');
    after.json.terraform.backend = before.json.terraform.backend;
    fs.writeFileSync(path.join(before.dir, 'cdk.tf.json'), JSON.stringify(after.json, null, 2));

    const twoSources: number[] = [];
    const bothEditable: string[] = [];
    const bothWays: string[] = [];
    let samples = 0;
    let running = true;
    const probe = (async () => {
      while (running) {
        const n = await sources(ops);
        if (n > 1) twoSources.push(n);
        const crmBefore = await personCanEdit(crm);
        const cmsNow = await personCanEdit(cms);
        const crmAfter = await personCanEdit(crm);
        if (crmBefore && cmsNow && crmAfter) bothEditable.push(new Date().toISOString());
        const [cmsBefore, crmNow, cmsAfter] = [await sources(cms), await sources(crm), await sources(cms)];
        if (cmsBefore && crmNow && cmsAfter) bothWays.push(new Date().toISOString());
        samples++;
      }
    })();
    const applied = await tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color');
    running = false;
    await probe;
    expect(applied.code === 0 ? '' : applied.output).toBe('');
    // What keeps the third holder to one source: terraform removes the old route before the
    // protections move, and creates the new one after (both routes hang on the protections).
    const lines = applied.output.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const oldGone = at(/sync-crm-ops-campaigns_\w+: Destruction complete/);
    const newStarts = at(/sync-cms-ops-campaigns_\w+: Creating/);
    expect([oldGone >= 0, newStarts > oldGone]).toEqual([true, true]);
    expect(samples).toBeGreaterThan(10);
    expect(twoSources).toEqual([]);
    expect(bothEditable).toEqual([]);
    expect(bothWays).toEqual([]);
    expect([await sources(crm), await sources(cms), await sources(ops)]).toEqual([1, 0, 1]);
    expect(tf.plan().code).toBe(0);

    await cms.query(`SET ROLE ${OPERATOR_ROLE}; UPDATE campaigns SET name = 'Named in the CMS' WHERE id = 1; RESET ROLE`);
    for (const db of [crm, ops]) {
      expect(await eventually(async () => (await db.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name === 'Named in the CMS')).toBe(true);
    }
    tf.destroy();
  } finally {
    await Promise.all([crm.end(), ops.end(), cms.end()]);
  }
});
