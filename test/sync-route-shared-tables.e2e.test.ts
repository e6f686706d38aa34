/**
 * Several policies on one table: field-level authority puts different columns of one table under
 * different policies with the same authority and copy, in one domain or in several. Built with
 * the constructs, applied with real terraform and the real provider on two PostgreSQL 18 servers.
 * Every governed column must flow, plan after apply must be empty, and removing a policy stops
 * only its columns. Also: an unsplit route in each direction on one table is refused, and an
 * authority that stops in the middle of an apply is the platform the error names.
 */
import { guardKey } from '../constructs/src/guard-key';
import { Client } from 'pg';
import { App } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Platform, PlatformKind, SyncRoute,
} from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { SynthesizedStack, rewriteStack, synthDomain } from './support/stack';
import { domainStack } from './support/domain-stack';
import { eventually as poll } from './support/wait';
import { Terraform } from './support/terraform';
import { useTestPlatforms, tryAs, connectedPlatform } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms();

interface PolicySpec { id: string; fields: string[]; copy: (ops: Platform) => Copy; divergence?: Divergence }

/** A domain whose policies each govern some columns of `table`, all CRM -> operations tool. */
function dealsDomain(id: string, table: string, policies: PolicySpec[]): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, id, { governedBy: 'Sales operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const deal = new Concept(domain, 'Deal');
    for (const f of policies.flatMap((p) => p.fields)) deal.addField(f, crmPlatform.at(`${table}.${f}`), opsPlatform.at(`${table}.${f}`));
    for (const p of policies) {
      new AuthorityPolicy(domain, p.id, {
        concept: deal, fields: p.fields, authority: crmPlatform, origin: crmPlatform, copies: [p.copy(opsPlatform)],
        divergence: p.divergence, correction: CorrectionPath.at(crmPlatform, { how: 'edit the deal', contact: '#sales-ops' }),
      });
    }
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return { stack, tf };
}

/** Everything a route may touch on a server, comments and triggers included. */
async function catalogs(db: Client): Promise<unknown> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    publications: await q('SELECT pubname FROM pg_publication ORDER BY 1'),
    published: await q('SELECT pubname, schemaname, tablename, attnames::text FROM pg_publication_tables ORDER BY 1, 2, 3'),
    subscriptions: await q('SELECT subname FROM pg_subscription ORDER BY 1'),
    slots: await q('SELECT slot_name FROM pg_replication_slots ORDER BY 1'),
    // authority_records (the override log and the review queue) outlives the routes on purpose: it is the record of what people did.
    triggers: await q("SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT tgisinternal AND c.relnamespace <> COALESCE(to_regnamespace('authority_records'), 0) ORDER BY 1"),
    functions: await q("SELECT proname FROM pg_proc WHERE proname LIKE 'authority\\_%' ORDER BY 1"),
    descriptions: await q('SELECT classoid::regclass::text AS catalog, objoid::text AS oid, objsubid, description FROM pg_description WHERE objoid >= 16384 ORDER BY 1, 2, 3'),
    sharedDescriptions: await q('SELECT classoid::regclass::text AS catalog, objoid::text AS oid, description FROM pg_shdescription WHERE objoid >= 16384 ORDER BY 1, 2'),
  };
}

/** Shared tables settle several routes: a little longer than the default. */
const eventually = <T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000) => poll(read, done, ms);

const words = (s: string) => s.replace(/\s+/g, ' ');
const published = async (table: string) => (await crm.query(
  "SELECT attnames::text AS cols FROM pg_publication_tables WHERE pubname LIKE 'authority\\_%' AND tablename = $1", [table])).rows.map((r) => r.cols);
const row = async (db: Client, table: string, id: number) => (await db.query(`SELECT * FROM ${table} WHERE id = $1`, [id])).rows[0];

test('one domain mixing read-only, enrich-only, authority_unless_blank and local-override copies of one table: every column flows, plans settle, a policy removed stops only its columns', async () => {
  // "b" is a governed column: an internal alias of that name would break every plan.
  const create = 'CREATE TABLE deals (id int PRIMARY KEY, title text, b text, phone text, note text, local text)';
  await crm.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal', 'won', '', 'crm note', NULL), (2, 'Upsell', 'open', '555-0102', 'n2', NULL)`);
  await ops.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal (old)', 'lost', '555-0101', 'ops note', 'x'), (2, 'Upsell', 'open', '555-0000', 'n2', 'y');
                   GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const { stack, tf } = dealsDomain('deals', 'deals', [
    { id: 'deal-titles', fields: ['title'], copy: (o) => Copy.readOnly(o) },
    { id: 'deal-outcomes', fields: ['b'], copy: (o) => Copy.enrichOnly(o) },
    { id: 'deal-phones', fields: ['phone'], copy: (o) => Copy.readOnly(o), divergence: Divergence.AUTHORITY_UNLESS_BLANK },
    { id: 'deal-notes', fields: ['note'], copy: (o) => Copy.localOverride(o, { reason: 'ops annotates deals for delivery' }), divergence: Divergence.MANUAL_REVIEW },
  ]);
  const routes = Object.values<any>(stack.json.resource.authority_sync_route);
  expect(routes.map((r) => r.key).sort()).toEqual(['deal-notes', 'deal-outcomes', 'deal-phones', 'deal-titles'].map((p) => guardKey(['deals', p])).sort());

  const plan = tf.plan();
  expect(plan.code).toBe(2);
  const planned = words(plan.output);
  expect(planned).toContain("public.deals: 1 row on ops differs from crm in title; this apply replaces it with crm's values");
  expect(planned).toContain("public.deals: 1 row on ops differs from crm in b; this apply replaces it with crm's values");
  expect(planned).toContain("public.deals: 1 row on ops differs from crm in phone; this apply replaces it with crm's values"); // row 1 is blank at the CRM
  expect(planned).toContain('public.deals: 1 row on ops differs from crm in note and stays as it is');
  tf.apply();
  expect(await published('deals')).toEqual(['{id,title,b,phone,note}']);
  // Each route settled only its own columns, by its own rule.
  expect(await row(ops, 'deals', 1)).toEqual({ id: 1, title: 'Renewal', b: 'won', phone: '555-0101', note: 'ops note', local: 'x' });
  expect(await row(ops, 'deals', 2)).toEqual({ id: 2, title: 'Upsell', b: 'open', phone: '555-0102', note: 'n2', local: 'y' });
  const again = tf.plan();
  expect(again.output).toContain('No changes');
  expect(again.code).toBe(0);

  // Every governed column flows; a blank phone keeps the copy's own.
  await crm.query("UPDATE deals SET title = 'Renewal 2027', b = 'lost', phone = NULL, note = 'crm again' WHERE id = 1");
  await crm.query("UPDATE deals SET phone = '555-0199' WHERE id = 2");
  expect(await eventually(() => row(ops, 'deals', 2), (r) => r.phone === '555-0199')).toMatchObject({ phone: '555-0199' });
  // The note differed as its manual_review route started: held for review, the CRM's new value queued, not written.
  expect(await row(ops, 'deals', 1)).toEqual({ id: 1, title: 'Renewal 2027', b: 'lost', phone: '555-0101', note: 'ops note', local: 'x' });
  // People: refused on the read-only and enrich-only columns, allowed on the local override.
  expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET title = 'Mine' WHERE id = 1"))?.message).toContain('read-only copy');
  expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET note = 'overridden here' WHERE id = 2")).toBeUndefined();

  // A column added to the publication by hand is drift, on every route of the table; apply takes it out.
  const pub = (await crm.query("SELECT pubname FROM pg_publication WHERE pubname LIKE 'authority\\_%'")).rows[0].pubname;
  await crm.query(`ALTER PUBLICATION ${pub} SET TABLE deals (id, title, b, phone, note, local)`);
  const drift = tf.plan();
  expect(drift.code).toBe(2);
  expect(drift.output).toMatch(/- "local",/);
  tf.apply();
  expect(await published('deals')).toEqual(['{id,title,b,phone,note}']);
  expect(tf.plan().code).toBe(0);

  // One policy's route removed: only its column stops; the others flow on.
  rewriteStack(stack, (json) => {
    const r = json.resource.authority_sync_route;
    delete r[Object.keys(r).find((k) => r[k].key === guardKey(['deals', 'deal-outcomes']))!];
  });
  const removal = tf.plan();
  expect(words(removal.output)).toContain('Warning: Values will no longer flow to a copy');
  expect(words(removal.output)).toContain('public.deals: b will no longer flow from crm to ops.');
  tf.apply();
  expect(await published('deals')).toEqual(['{id,title,phone,note}']);
  await crm.query("UPDATE deals SET b = 'not sent', title = 'After removal' WHERE id = 1");
  const after = await eventually(() => row(ops, 'deals', 1), (r) => r.title === 'After removal');
  expect([after.title, after.b]).toEqual(['After removal', 'lost']);
  expect(tf.plan().code).toBe(0);

  tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('policies from two stacks on one table (two in one, a third in the other): each stack plans clean, every column flows, destroying one keeps the other\'s', async () => {
  const create = 'CREATE TABLE orders (id int PRIMARY KEY, title text, stage text, amount int)';
  await crm.query(`${create}; INSERT INTO orders VALUES (1, 'A', 'new', 10)`);
  await ops.query(`${create}; INSERT INTO orders VALUES (1, 'A', 'new', 10)`);
  const before = { crm: await catalogs(crm), ops: await catalogs(ops) };
  const sales = dealsDomain('sales', 'orders', [
    { id: 'order-titles', fields: ['title'], copy: (o) => Copy.readOnly(o) },
    { id: 'order-stages', fields: ['stage'], copy: (o) => Copy.readOnly(o) },
  ]);
  const finance = dealsDomain('finance', 'orders', [{ id: 'order-amounts', fields: ['amount'], copy: (o) => Copy.readOnly(o) }]);
  sales.tf.apply();
  finance.tf.apply();
  expect(await published('orders')).toEqual(['{id,title,stage,amount}']);
  expect(sales.tf.plan().code).toBe(0);
  expect(finance.tf.plan().code).toBe(0);

  await crm.query("UPDATE orders SET title = 'B', stage = 'won', amount = 20 WHERE id = 1");
  expect(await eventually(() => row(ops, 'orders', 1), (r) => r.amount === 20 && r.title === 'B' && r.stage === 'won'))
    .toEqual({ id: 1, title: 'B', stage: 'won', amount: 20 });

  finance.tf.destroy();
  expect(await published('orders')).toEqual(['{id,title,stage}']);
  expect(sales.tf.plan().code).toBe(0);
  await crm.query("UPDATE orders SET title = 'C', amount = 30 WHERE id = 1");
  const after = await eventually(() => row(ops, 'orders', 1), (r) => r.title === 'C');
  expect([after.title, after.amount]).toEqual(['C', 20]);

  sales.tf.destroy();
  expect({ crm: await catalogs(crm), ops: await catalogs(ops) }).toEqual(before);
});

test('a route in each direction on one table without two_way is refused: at apply when both are new, at plan once one exists', async () => {
  for (const db of [crm, ops]) await db.query('CREATE TABLE labels (id int PRIMARY KEY, label text, tag text)');
  const { stack, tf } = domainStack(platforms, 'both-ways', (domain) => {
    new SyncRoute(domain, 'there', { authority: 'crm', copy: 'ops', table: 'labels', columns: ['label'] });
    new SyncRoute(domain, 'back', { authority: 'ops', copy: 'crm', table: 'labels', columns: ['tag'] });
  });
  try {
    expect(tf.plan().code).toBe(2); // neither exists yet
    const applied = tf.run('apply', '-auto-approve', '-input=false', '-no-color');
    expect(applied.code).toBe(1);
    expect(words(applied.output)).toMatch(/Error: A route from "(crm|ops)" back to "(crm|ops)" on public\.labels already exists/);
    const receiving = async (db: Client) => (await db.query(`SELECT count(*)::int AS n FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
                                                             WHERE s.subname LIKE 'authority\\_%' AND r.srrelid = 'public.labels'::regclass`)).rows[0].n;
    expect((await receiving(crm)) + (await receiving(ops))).toBe(1);
    const plan = tf.plan();
    expect(plan.code).toBe(1);
    expect(words(plan.output)).toContain('declare a two-way split');
  } finally {
    rewriteStack(stack, (json) => { delete json.resource; });
    tf.apply();
  }
});

// Last: it stops the CRM's server.
test('the authority stopping in the middle of an apply: the error names the authority, not the copy', async () => {
  await crm.query("CREATE TABLE sites (id int PRIMARY KEY, label text); INSERT INTO sites VALUES (1, 'north')");
  await ops.query(`CREATE TABLE sites (id int PRIMARY KEY, label text); INSERT INTO sites VALUES (1, 'North');
                   CREATE FUNCTION public.slow_site() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$;
                   CREATE TRIGGER slow_site BEFORE UPDATE ON sites FOR EACH ROW EXECUTE FUNCTION public.slow_site();
                   ALTER TABLE sites ENABLE ALWAYS TRIGGER slow_site`); // fires for the settle's write too
  const { tf } = dealsDomain('sites', 'sites', [{ id: 'site-labels', fields: ['label'], copy: (o) => Copy.readOnly(o) }]);
  const applying = tf.runAsync('apply', '-auto-approve', '-input=false', '-no-color');
  // The settle is under way on the copy (its UPDATE, run as the table's owner, sleeps in the trigger): the authority stops now.
  const settling = await eventually(async () => (await ops.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'terraform-provider-authority' AND wait_event = 'PgSleep'
        AND query LIKE '%authority\\_owner\\_call(%' AND state = 'active'`)).rows[0].n, (n) => n > 0, 60_000);
  expect(settling).toBe(1);
  await crm.end();
  await platforms.crm.stop();
  const applied = await applying;
  expect(applied.code).toBe(1);
  const out = words(applied.output);
  expect(out).toMatch(/Error: Platform "crm" \(the authority\) (went away|is unreachable)|Error: Platform "crm" is unreachable/);
  expect(out).not.toMatch(/Error: Platform "ops"/);
});
