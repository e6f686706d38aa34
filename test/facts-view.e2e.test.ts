/**
 * Each PostgreSQL platform answers "which facts do you hold, and where do I correct them?" itself:
 * the read-only view authority_catalog.facts, kept by the field protections through real terraform, the
 * provider and PostgreSQL, readable by any role, writable by none, and gone with the last protection.
 */
import { Client } from 'pg';
import { PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE } from '../embedded/example-platforms';
import { CampaignsDomain } from '../policies/campaigns';
import { PEOPLE_MAY } from '../provider/platforms/postgresql/facts-view';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, connectedPlatform, startTestPlatforms, tryAs } from './support/platforms';

let platforms: TestPlatforms;
let tf: Terraform;
let ops: Client;
let crm: Client;
let hint: string;

/** What a role that is neither owner nor superuser reads from the view. */
async function factsAs(db: Client): Promise<Record<string, string>[]> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL ROLE ${OPERATOR_ROLE}`);
    return (await db.query('SELECT * FROM authority_catalog.facts')).rows;
  } finally {
    await db.query('ROLLBACK');
  }
}

const schemaExists = async (db: Client) => (await db.query("SELECT to_regnamespace('authority_catalog') IS NOT NULL AS e")).rows[0].e;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  const stack = synthDomain((app) => new CampaignsDomain(app, 'campaigns', {
    crm: connectedPlatform('crm', platforms.crm, PlatformKind.CRM),
    ops: connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL),
  }));
  hint = Object.values<any>(stack.json.resource.authority_field_protection)[0].correction_hint;
  tf = new Terraform(stack.dir);
  [ops, crm] = await Promise.all([platforms.connect('ops'), platforms.connect('crm')]);
  tf.init();
  tf.apply();
});

afterAll(async () => {
  await ops?.end();
  await crm?.end();
  await platforms?.stop();
});

test('each platform lists the facts it holds, its role for each, and where to correct them', async () => {
  const row = { schema_name: 'public', table_name: 'campaigns', column_name: 'name', fact: 'campaign.name', authority: 'crm', correction: hint };
  expect(await factsAs(ops)).toEqual([{ ...row, role: 'copy', people_may: PEOPLE_MAY.copy }]);
  expect(await factsAs(crm)).toEqual([{ ...row, role: 'authority', people_may: PEOPLE_MAY.authority }]);
  expect(hint).toContain('Correct it in the CRM: open the campaign and edit its name.');
});

test('the view is read-only for everyone but the provider, and the registry behind it is not readable', async () => {
  for (const sql of [
    "UPDATE authority_catalog.facts SET authority = 'ops'",
    'DELETE FROM authority_catalog.facts',
    'SELECT * FROM authority_catalog.fact_registry',
    "INSERT INTO authority_catalog.fact_registry VALUES ('a','b','c','d','e','f','g','h','i',NULL)",
  ]) {
    expect((await tryAs(ops, OPERATOR_ROLE, sql))?.message).toMatch(/permission denied|cannot (update|delete)/);
  }
  expect(tf.plan().code).toBe(0);
});

test('a view dropped by hand is drift in the next plan, and apply brings it back', async () => {
  await ops.query('DROP VIEW authority_catalog.facts');
  const plan = tf.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toMatch(/~ hint_shown\s+= false -> true/);
  tf.apply();
  expect(await factsAs(ops)).toHaveLength(1);
  expect(tf.plan().code).toBe(0);
});

test('the last protection on a platform takes the view, its registry and the schema with it', async () => {
  expect(await schemaExists(ops)).toBe(true);
  tf.destroy();
  expect(await schemaExists(ops)).toBe(false);
  expect(await schemaExists(crm)).toBe(false);
});
