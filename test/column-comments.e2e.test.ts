/**
 * A protected column of a copy says, in its own comment, who the authority is and where to correct
 * it (as the real `psql \d+` shows), through real terraform, the provider and PostgreSQL: an edited
 * comment is drift that apply repairs, a hostile correction text is stored as text, and destroy
 * gives the column back exactly the comment it had, or none.
 */
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { PlatformKind } from '../constructs/src';
import { CampaignsDomain } from '../policies/campaigns';
import { columnCommentText } from '../provider/platforms/postgresql/comment-sql';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { TestPlatforms, connectedPlatform, startTestPlatforms } from './support/platforms';

/** A correction text that would end the statement, a dollar quote or a format() if spliced in. */
const HOSTILE_HINT = "Fix it in the CRM'; DROP TABLE campaigns; -- $$ $authority$ %L %I \\ \"quoted\"\nnext line";
/** What the column said before authority protected it. */
const OWN_COMMENT = "The campaign's display name \\ shown to \"customers\"\n(second line)";

let platforms: TestPlatforms;
let stack: SynthesizedStack;
let tf: Terraform;
let ops: Client;

const commentOf = async (db: Client, column = 'name') => (await db.query<{ c: string | null }>(
  `SELECT col_description('public.campaigns'::regclass, attnum) AS c FROM pg_attribute
    WHERE attrelid = 'public.campaigns'::regclass AND attname = $1`, [column])).rows[0].c;

/** `psql -c '\d+ campaigns'` on the copy's database, as a person runs it. */
function psqlDescribe(): string {
  const c = platforms.ops.clientConfig('ops');
  try {
    return execFileSync('psql', ['-X', '-h', c.host, '-p', String(c.port), '-U', c.user, '-d', 'ops', '-c', '\\d+ campaigns'], {
      env: { ...process.env, PGPASSWORD: c.password, PGCONNECT_TIMEOUT: '10' }, encoding: 'utf8',
    });
  } catch (e) {
    throw new Error(`psql failed (install the PostgreSQL client, e.g. apt-get install -y postgresql-client): ${(e as Error).message}`);
  }
}

beforeAll(async () => {
  platforms = await startTestPlatforms();
  stack = synthDomain((app) => new CampaignsDomain(app, 'campaigns', {
    crm: connectedPlatform('crm', platforms.crm, PlatformKind.CRM),
    ops: connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL),
  }));
  rewriteStack(stack, (json) => {
    for (const p of Object.values<any>(json.resource.authority_field_protection)) p.correction_hint = HOSTILE_HINT;
  });
  tf = new Terraform(stack.dir);
  ops = await platforms.connect('ops');
  await ops.query(`COMMENT ON COLUMN campaigns.name IS ${ops.escapeLiteral(OWN_COMMENT)}`);
  tf.init();
  tf.apply();
});

afterAll(async () => {
  await ops?.end();
  await platforms?.stop();
});

test('the protected column names its authority and the correction path, also in psql \\d+; the hostile text ran nothing', async () => {
  const expected = columnCommentText({ authority: 'crm', correctionHint: HOSTILE_HINT });
  expect(expected).toBe(`Read-only copy; authority: crm. ${HOSTILE_HINT}`);
  expect(await commentOf(ops)).toBe(expected);
  expect(await commentOf(ops, 'routing_state')).toBeNull(); // not protected: untouched
  expect((await ops.query("SELECT count(*)::int AS n FROM campaigns")).rows[0].n).toBe(2);
  const described = psqlDescribe();
  expect(described).toMatch(/\n name\s+\|.*\| Read-only copy; authority: crm\. Fix it in the CRM'; DROP TABLE campaigns;/);
  // The authority's own column keeps its comment: nothing is a copy there.
  const crm = await platforms.connect('crm');
  try {
    expect(await commentOf(crm)).toBeNull();
  } finally {
    await crm.end();
  }
  expect(tf.plan().code).toBe(0);
});

test('a comment edited by hand is drift in the next plan, and apply puts it back', async () => {
  await ops.query("COMMENT ON COLUMN campaigns.name IS 'edit names here'");
  const plan = tf.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toMatch(/~ hint_shown\s+= false -> true/);
  expect(plan.output).toContain('campaign.name: what ops shows about the fact on ops public.campaigns was edited by hand');
  tf.apply();
  expect(await commentOf(ops)).toBe(columnCommentText({ authority: 'crm', correctionHint: HOSTILE_HINT }));
  await ops.query('COMMENT ON COLUMN campaigns.name IS NULL');
  expect(tf.plan().code).toBe(2);
  tf.apply();
  expect(tf.plan().code).toBe(0);
});

test('destroy gives the column back exactly its own comment, and a column that had none gets none', async () => {
  tf.destroy();
  expect(await commentOf(ops)).toBe(OWN_COMMENT);
  await ops.query('COMMENT ON COLUMN campaigns.name IS NULL');
  tf.apply();
  expect(await commentOf(ops)).toContain('Read-only copy; authority: crm.');
  tf.destroy();
  expect(await commentOf(ops)).toBeNull();
});
