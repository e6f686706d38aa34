/**
 * Routes between systems that name a concept's records differently: the CRM's campaigns(id, name)
 * flows into the operations tool's campaigns_view(ext_id, display_name), whose rows know the CRM's
 * record by ext_id. Built with the constructs (Concept.keyedBy), applied with real terraform and
 * the real provider on two PostgreSQL 18 servers: values flow, renames propagate, rows the copy
 * lacks are reported or created per the declared policy, the guard refuses people, plan after
 * apply is empty, hand edits are drift, and destroy leaves the catalogs as found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, MissingRows, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE } from '../embedded/example-platforms';
import { SynthesizedStack, synthDomain } from './support/stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';
import { HOSTILE_NAMES } from './support/hostile-names';

const { platforms, crm, ops } = useTestPlatforms();

interface Names { schema: string; table: string; key: string; name: string; copySchema: string; copyTable: string; copyKey: string; copyName: string }

const PLAIN: Names = { schema: 'public', table: 'drives', key: 'id', name: 'name', copySchema: 'public', copyTable: 'drives_view', copyKey: 'ext_id', copyName: 'display_name' };

function campaignsDomain(n: Names, missingRows: MissingRows, id = 'campaigns', divergence?: Divergence): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, id, { governedBy: 'Marketing operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const campaign = new Concept(domain, 'Campaign');
    campaign.addField('name', crmPlatform.at(`${n.schema}.${n.table}.${n.name}`), opsPlatform.at(`${n.copySchema}.${n.copyTable}.${n.copyName}`));
    campaign.keyedBy({ keys: [crmPlatform.at(`${n.schema}.${n.table}.${n.key}`), opsPlatform.at(`${n.copySchema}.${n.copyTable}.${n.copyKey}`)], missingRows,
      protectKeys: missingRows === MissingRows.CREATE }); // the rows the route makes are the sync's, their key too
    new AuthorityPolicy(domain, 'campaign-naming', {
      concept: campaign, authority: crmPlatform, origin: crmPlatform, copies: [Copy.readOnly(opsPlatform)], divergence,
      correction: CorrectionPath.at(crmPlatform, { how: 'open the campaign and edit its name', contact: '#marketing-ops' }),
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return { stack, tf };
}

/** Everything a route may touch on a server, comments, schemas, tables and triggers included. */
async function catalogs(db: Client): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    publications: await q('SELECT pubname FROM pg_publication ORDER BY 1'),
    subscriptions: await q('SELECT subname FROM pg_subscription ORDER BY 1'),
    slots: await q('SELECT slot_name FROM pg_replication_slots ORDER BY 1'),
    schemas: await q("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_(toast_)?temp_' ORDER BY 1"),
    tables: await q("SELECT relnamespace::regnamespace::text AS schema, relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace >= 16384 ORDER BY 1, 2"),
    triggers: await q('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1'),
    functions: await q("SELECT proname FROM pg_proc WHERE proname LIKE 'authority\\_%' ORDER BY 1"),
    descriptions: await q('SELECT classoid::regclass::text AS catalog, objoid::text AS oid, objsubid, description FROM pg_description WHERE objoid >= 16384 ORDER BY 1, 2, 3'),
    sharedDescriptions: await q('SELECT classoid::regclass::text AS catalog, objoid::text AS oid, description FROM pg_shdescription WHERE objoid >= 16384 ORDER BY 1, 2'),
  };
}

const words = (s: string) => s.replace(/\s+/g, ' ');
const q = (db: Client, s: string) => db.escapeIdentifier(s);
const tableOf = (db: Client, schema: string, table: string) => `${q(db, schema)}.${q(db, table)}`;

async function copyRows(n: Names): Promise<Record<string, string | null>> {
  const found = await ops.query(`SELECT ${q(ops, n.copyKey)}::text AS k, ${q(ops, n.copyName)} AS v FROM ${tableOf(ops, n.copySchema, n.copyTable)} ORDER BY 1`);
  return Object.fromEntries(found.rows.map((r) => [r.k, r.v]));
}

async function createTables(n: Names): Promise<void> {
  if (n.schema !== 'public') await crm.query(`CREATE SCHEMA ${q(crm, n.schema)}`);
  if (n.copySchema !== 'public') await ops.query(`CREATE SCHEMA ${q(ops, n.copySchema)}; GRANT USAGE ON SCHEMA ${q(ops, n.copySchema)} TO ${OPERATOR_ROLE}`);
  const source = tableOf(crm, n.schema, n.table);
  const target = tableOf(ops, n.copySchema, n.copyTable);
  await crm.query(`CREATE TABLE ${source} (${q(crm, n.key)} int PRIMARY KEY, ${q(crm, n.name)} text, budget int)`);
  await crm.query(`INSERT INTO ${source} VALUES (1, 'Spring', 10), (2, 'Summer', 20), (3, 'Autumn', 30)`);
  // The copy knows the CRM's record by a text column of its own, beside columns the CRM never sends.
  await ops.query(`CREATE TABLE ${target} (local_id serial PRIMARY KEY, ${q(ops, n.copyKey)} text UNIQUE, ${q(ops, n.copyName)} text, note text)`);
  await ops.query(`INSERT INTO ${target} (${q(ops, n.copyKey)}, ${q(ops, n.copyName)}, note) VALUES ('1', 'Spring (old)', 'x'), ('2', 'Summer', 'y'), ('99', 'Ours only', 'z')`);
  await ops.query(`GRANT SELECT, INSERT, UPDATE ON ${target} TO ${OPERATOR_ROLE}`);
}

test('CRM drives(id, name) -> ops drives_view(ext_id, display_name), missing rows reported: values flow, renames propagate, people are refused, drift is repaired, destroy leaves the catalogs as found', async () => {
  const n = PLAIN;
  await createTables(n);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const { stack, tf } = campaignsDomain(n, MissingRows.REPORT);
  const [route] = Object.values<any>(stack.json.resource.authority_sync_route);
  expect(route).toMatchObject({ table: 'drives', columns: ['name'], copy_table: 'drives_view', copy_columns: ['display_name'], copy_key_column: 'ext_id', record_key_column: 'id', missing_rows: 'report' });

  const plan = tf.plan();
  expect(plan.code).toBe(2);
  expect(words(plan.output)).toContain("public.drives: 1 row on ops differs from crm in name; this apply replaces it with crm's values");
  expect(words(plan.output)).toContain('public.drives: 1 row of crm is missing on ops');
  tf.apply();
  // Settled through the mapping; the copy's own row and columns are left alone; the missing one is not created.
  expect(await copyRows(n)).toEqual({ 1: 'Spring', 2: 'Summer', 99: 'Ours only' });
  const again = tf.plan();
  expect(again.code).toBe(0);
  expect(words(again.output)).toContain('public.drives: 1 record of crm has no row in public.drives_view on ops');

  // A rename at the CRM flows; a record the copy lacks is counted, not created.
  await crm.query("UPDATE drives SET name = 'Spring 2027' WHERE id = 1");
  await crm.query("INSERT INTO drives VALUES (4, 'Winter', 40)");
  await crm.query("UPDATE drives SET name = 'Summer 2027' WHERE id = 2");
  expect(await eventually(() => copyRows(n), (r) => r[2] === 'Summer 2027')).toEqual({ 1: 'Spring 2027', 2: 'Summer 2027', 99: 'Ours only' });
  expect(words(tf.plan().output)).toContain('public.drives: 2 records of crm have no row in public.drives_view on ops');
  // Once the copy has the row, changes reach it.
  await ops.query("INSERT INTO drives_view (ext_id, note) VALUES ('3', 'made by ops')");
  await crm.query("UPDATE drives SET name = 'Autumn 2027' WHERE id = 3");
  expect(await eventually(() => copyRows(n), (r) => r[3] === 'Autumn 2027')).toMatchObject({ 3: 'Autumn 2027' });

  // People on the copy are refused and sent to the CRM.
  const refused = await tryAs(ops, OPERATOR_ROLE, "UPDATE drives_view SET display_name = 'Mine' WHERE ext_id = '1'");
  expect(refused?.message).toContain('drives_view.display_name is a read-only copy here');
  expect(refused?.message).toContain('open the campaign and edit its name');
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE drives_view SET note = 'fine' WHERE ext_id = '1'")).toBeUndefined();

  // The mapping trigger dropped by hand is drift; apply repairs it and values flow again.
  const trigger = (await ops.query("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'authority\\_map\\_%'")).rows[0].tgname;
  await ops.query(`DROP TRIGGER ${q(ops, trigger)} ON public.drives`);
  const drift = tf.plan();
  expect(drift.code).toBe(2);
  expect(drift.output).toMatch(/enabled\s+= false -> true/);
  tf.apply();
  expect(tf.plan().code).toBe(0);
  await crm.query("UPDATE drives SET name = 'Spring 2028' WHERE id = 1");
  expect(await eventually(() => copyRows(n), (r) => r[1] === 'Spring 2028')).toMatchObject({ 1: 'Spring 2028' });

  tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('missing rows created with the mapped key: settled at start, inserted and deleted as the CRM does', async () => {
  const n = { ...PLAIN, table: 'offers', copyTable: 'offers_view' };
  await createTables(n);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const { tf } = campaignsDomain(n, MissingRows.CREATE, 'offers');
  tf.apply();
  expect(await copyRows(n)).toEqual({ 1: 'Spring', 2: 'Summer', 3: 'Autumn', 99: 'Ours only' });
  expect(tf.plan().code).toBe(0);
  // The rows are the sync's, so is their key: nobody re-points a row at another of the CRM's records.
  const repointed = await tryAs(ops, OPERATOR_ROLE, "UPDATE offers_view SET ext_id = '77' WHERE ext_id = '1'");
  expect(repointed?.message).toContain('offers_view.ext_id is a read-only copy here');
  expect(repointed?.message).toContain('ext_id says which record of the CRM (crm) this row copies');
  expect(await copyRows(n)).toEqual({ 1: 'Spring', 2: 'Summer', 3: 'Autumn', 99: 'Ours only' });
  await crm.query("INSERT INTO offers VALUES (5, 'Flash', 50)");
  expect(await eventually(() => copyRows(n), (r) => r[5] === 'Flash')).toMatchObject({ 5: 'Flash' });
  await crm.query('DELETE FROM offers WHERE id = 5');
  expect(await eventually(() => copyRows(n), (r) => !('5' in r))).toEqual({ 1: 'Spring', 2: 'Summer', 3: 'Autumn', 99: 'Ours only' });
  tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('hostile names on both sides, in a schema the copy does not have: values flow, and destroy removes the staging schema it made', async () => {
  const pick = (label: string) => HOSTILE_NAMES.find((h) => h.label === label)!.name;
  const n: Names = {
    schema: pick('double quote'), table: pick('dollar tag of ours'), key: pick('single quote'), name: pick('percent (format)'),
    copySchema: pick('Unicode'), copyTable: pick('semicolon and statement'), copyKey: pick('reserved word'), copyName: pick('internal-looking'),
  };
  await createTables(n);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const { tf } = campaignsDomain(n, MissingRows.CREATE, 'hostile');
  tf.apply();
  expect(await copyRows(n)).toEqual({ 1: 'Spring', 2: 'Summer', 3: 'Autumn', 99: 'Ours only' });
  expect(tf.plan().code).toBe(0);
  await crm.query(`UPDATE ${tableOf(crm, n.schema, n.table)} SET ${q(crm, n.name)} = 'Renamed' WHERE ${q(crm, n.key)} = 2`);
  expect(await eventually(() => copyRows(n), (r) => r[2] === 'Renamed')).toMatchObject({ 2: 'Renamed' });
  tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('plan refuses a record key that is not the authority table\'s key, and a copy whose own table has the authority\'s name', async () => {
  await crm.query("CREATE TABLE codes (id int PRIMARY KEY, code text UNIQUE, name text); INSERT INTO codes VALUES (1, 'A', 'x')");
  await ops.query('CREATE TABLE codes_view (ext_code text, display_name text); CREATE TABLE codes (mine int)');
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'codes', { governedBy: 'Marketing operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const concept = new Concept(domain, 'Code');
    concept.addField('name', crmPlatform.at('codes.name'), opsPlatform.at('codes_view.display_name'));
    concept.keyedBy({ keys: [crmPlatform.at('codes.code'), opsPlatform.at('codes_view.ext_code')] });
    new AuthorityPolicy(domain, 'code-naming', {
      concept, authority: crmPlatform, origin: crmPlatform, copies: [Copy.readOnly(opsPlatform)],
      correction: CorrectionPath.at(crmPlatform, { how: 'edit the code', contact: '#ops' }),
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  const plan = tf.plan();
  expect(plan.code).toBe(1);
  expect(words(plan.output)).toContain('The record key "code" is not the key of public.codes on the authority ("id")');
  expect(words(plan.output)).toContain('public.codes on');
  expect(words(plan.output)).toContain('is a table of its own');
  // Nothing was made, and the copy's own table is untouched.
  expect((await ops.query('SELECT count(*)::int AS n FROM pg_subscription')).rows[0].n).toBe(0);
  expect((await ops.query("SELECT obj_description('codes'::regclass, 'pg_class') AS c")).rows[0].c).toBeNull();
});

test('an ownership transfer of a mapped route: the route is replaced, never running both ways, and values then flow from the new authority', async () => {
  await crm.query("CREATE TABLE moves (id int PRIMARY KEY, name text); INSERT INTO moves VALUES (1, 'One'), (2, 'Two')");
  // The copy keys its table by the CRM's id, so it can become the authority of the fact.
  await ops.query(`CREATE TABLE moves_view (crm_id int PRIMARY KEY, display_name text); INSERT INTO moves_view VALUES (1, 'One'), (2, 'Two');
                   GRANT SELECT, UPDATE ON moves_view TO ${OPERATOR_ROLE}`);
  await crm.query(`GRANT SELECT, UPDATE ON moves TO ${OPERATOR_ROLE}`);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const ownedBy = (owner: 'crm' | 'ops') => synthDomain((app: App) => {
    const domain = new Domain(app, 'moves', { governedBy: 'Marketing operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const [authority, copy] = owner === 'crm' ? [crmPlatform, opsPlatform] : [opsPlatform, crmPlatform];
    const move = new Concept(domain, 'Move');
    move.addField('name', crmPlatform.at('moves.name'), opsPlatform.at('moves_view.display_name'));
    move.keyedBy({ keys: [crmPlatform.at('moves.id'), opsPlatform.at('moves_view.crm_id')] });
    new AuthorityPolicy(domain, 'move-naming', {
      concept: move, authority, origin: authority, copies: [Copy.readOnly(copy)],
      correction: CorrectionPath.at(authority, { how: 'edit the move' }),
    });
    return domain;
  });
  const first = ownedBy('crm');
  const tf = new Terraform(first.dir);
  tf.init();
  tf.apply();
  const receives = async (db: Client) => (await db.query(`SELECT 1 FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
    WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rowCount! > 0;
  expect([await receives(crm), await receives(ops)]).toEqual([false, true]);

  const second = ownedBy('ops');
  second.json.terraform.backend = first.json.terraform.backend;
  fs.writeFileSync(path.join(first.dir, 'cdk.tf.json'), JSON.stringify(second.json, null, 2));
  expect(tf.plan().output).toContain('must be replaced');
  const bothWays: string[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const [opsBefore, crmNow, opsAfter] = [await receives(ops), await receives(crm), await receives(ops)];
      if (opsBefore && crmNow && opsAfter) bothWays.push(new Date().toISOString());
    }
  })();
  const applied = await tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color');
  running = false;
  await probe;
  expect(applied.code).toBe(0);
  expect(bothWays).toEqual([]);
  expect([await receives(crm), await receives(ops)]).toEqual([true, false]);
  expect(tf.plan().code).toBe(0);

  // People edit the operations tool now; the CRM refuses them and receives the value.
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE moves_view SET display_name = 'Two (ops)' WHERE crm_id = 2")).toBeUndefined();
  expect((await tryAs(crm, OPERATOR_ROLE, "UPDATE moves SET name = 'Mine' WHERE id = 1"))?.message).toContain('moves.name is a read-only copy here');
  expect(await eventually(async () => (await crm.query('SELECT name FROM moves WHERE id = 2')).rows[0].name, (v) => v === 'Two (ops)')).toBe('Two (ops)');

  tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('the divergence rule holds through the mapping: manual_review is refused at plan (no review hold through a mapping), authority_unless_blank keeps the copy\'s value against a blank one', async () => {
  const review = { ...PLAIN, table: 'reviews', copyTable: 'reviews_view' };
  await createTables(review);
  const reviewed = campaignsDomain(review, MissingRows.REPORT, 'reviews', Divergence.MANUAL_REVIEW);
  const refused = reviewed.tf.plan();
  expect(refused.code).toBe(1);
  expect(words(refused.output)).toContain('divergence manual_review is not available on a route across differing names');

  const blank = { ...PLAIN, table: 'blanks', copyTable: 'blanks_view' };
  await createTables(blank);
  const kept = campaignsDomain(blank, MissingRows.REPORT, 'blanks', Divergence.AUTHORITY_UNLESS_BLANK);
  kept.tf.apply();
  expect(kept.tf.plan().code).toBe(0);
  await crm.query("UPDATE blanks SET name = NULL WHERE id = 1");
  await crm.query("UPDATE blanks SET name = 'Summer 2027' WHERE id = 2");
  expect(await eventually(() => copyRows(blank), (r) => r[2] === 'Summer 2027')).toEqual({ 1: 'Spring', 2: 'Summer 2027', 99: 'Ours only' });
  kept.tf.destroy();
});
