/**
 * A two-way sync without a split, divergence newest_wins, on PostgreSQL, end to end: L1 routes
 * both ways (crm -> ops and ops -> crm, the same columns) -> Terraform JSON -> real terraform ->
 * the real provider -> two real PostgreSQL servers. Both platforms write the same cells; each
 * stamps its writes in its clock table (two-way-clock-sql.ts), and the newest write of each cell,
 * by (timestamp, platform name), stands on both.
 */
import { Client } from 'pg';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, PlatformKind, Propagation, SyncRoute,
} from '../constructs/src';
import { OPERATOR_ROLE } from '../embedded/example-platforms';
import { domainStack } from './support/domain-stack';
import { rewriteStack, synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { connectedPlatform, tryAs, useTestPlatforms } from './support/platforms';
import { waitFor } from './support/wait';

const ROWS = 40;
const CONFLICTS = 320;

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    for (const db of [crm, ops]) {
      await db.query(`CREATE TABLE offers (id int PRIMARY KEY, title text, note text);
                      INSERT INTO offers SELECT i, 'Offer ' || i, NULL FROM generate_series(1, ${ROWS}) i;
                      CREATE TABLE deals (id int PRIMARY KEY, title text);
                      INSERT INTO deals VALUES (1, 'Deal 1'), (2, 'Deal 2');
                      GRANT SELECT, INSERT, UPDATE ON deals TO ${OPERATOR_ROLE}`);
    }
    // A value that already differs as the routes start: nobody can tell which is newer.
    await ops.query("UPDATE offers SET note = 'ops only' WHERE id = 40");
  },
});

const words = (s: string) => s.replace(/\s+/g, ' ');
const sides = () => [['crm', crm], ['ops', ops]] as const;
const row = async (db: Client, id: number) => (await db.query('SELECT title, note FROM offers WHERE id = $1', [id])).rows[0];
const clockTriggers = async (db: Client) => (await db.query(
  "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.offers'::regclass AND tgname LIKE 'authority\\_clock\\_%'")).rows;
const clockTables = async (db: Client) => (await db.query(
  "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'authority_records' AND c.relkind = 'r' AND c.relname LIKE 'clock\\_%'")).rows;

function twoWayStack(): { stack: ReturnType<typeof domainStack>['stack']; tf: Terraform } {
  return domainStack(platforms, 'offers', (domain) => {
    for (const [from, to] of [['crm', 'ops'], ['ops', 'crm']]) {
      new SyncRoute(domain, `offers-${from}-to-${to}`, {
        authority: from, copy: to, table: 'offers', columns: ['title', 'note'], key: 'offers', twoWay: true, divergence: 'newest_wins',
      });
    }
  });
}

function expectNoChanges(tf: Terraform): void {
  const plan = tf.plan();
  if (plan.code !== 0) throw new Error(`plan exited ${plan.code}, expected no changes:\n${plan.output}`);
}

/** A person's write of one cell, and the stamp its transaction gave it (read from the clock row it wrote). */
interface Write { id: number; value: string; micros: bigint; origin: string }

async function write(db: Client, origin: string, id: number, value: string, sql = 'UPDATE offers SET title = $2 WHERE id = $1'): Promise<Write> {
  await db.query('BEGIN');
  try {
    await db.query(sql, [id, value]);
    const stamp = await db.query<{ micros: string; origin: string }>(
      `SELECT (extract(epoch FROM c.changed_at) * 1000000)::bigint::text AS micros, c.origin FROM authority_records.${(await clockTables(db))[0].relname} c
        WHERE c.record = jsonb_build_object('id', $1::int) AND c.column_name = 'title' AND c.origin = $2`, [id, origin]);
    await db.query('COMMIT');
    expect(stamp.rows[0].origin).toBe(origin);
    return { id, value, micros: BigInt(stamp.rows[0].micros), origin };
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

/** Inserts rows of the same keys on both sides, each side in one transaction committed once both inserted: the writes, stamped. */
async function insertedOnBoth(ids: number[]): Promise<Write[]> {
  const stamped = await Promise.all(sides().map(async ([origin, db]) => {
    await db.query('BEGIN');
    const clock = (await clockTables(db))[0].relname;
    const made: Write[] = [];
    for (const id of ids) {
      await db.query('INSERT INTO offers (id, title) VALUES ($1, $2)', [id, `${origin} made ${id}`]);
      const stamp = await db.query<{ micros: string }>(
        `SELECT (extract(epoch FROM changed_at) * 1000000)::bigint::text AS micros FROM authority_records.${clock}
          WHERE record = jsonb_build_object('id', $1::int) AND column_name = 'title' AND origin = $2`, [id, origin]);
      made.push({ id, value: `${origin} made ${id}`, micros: BigInt(stamp.rows[0].micros), origin });
    }
    return made;
  }));
  await Promise.all(sides().map(([, db]) => db.query('COMMIT')));
  return stamped.flat();
}

/** The newer of two writes: by timestamp, a tie by platform name (byte order, as both servers compare them). */
const newer = (a: Write, b: Write) => (a.micros !== b.micros ? (a.micros > b.micros ? a : b) : (Buffer.compare(Buffer.from(a.origin), Buffer.from(b.origin)) > 0 ? a : b));

/** Once each side's latest change has reached the other: changes arrive in commit order, so everything before did too. */
async function quiet(marker: string): Promise<void> {
  await crm.query('UPDATE offers SET note = $1 WHERE id = 1', [`${marker} from crm`]);
  await ops.query('UPDATE offers SET note = $1 WHERE id = 2', [`${marker} from ops`]);
  await waitFor(`"${marker}" to cross both ways`, async () =>
    (await row(ops, 1)).note === `${marker} from crm` && (await row(crm, 2)).note === `${marker} from ops`, 60_000);
}

const versions = async (db: Client) => new Map((await db.query('SELECT id, xmin::text AS v FROM offers WHERE id > 2')).rows.map((r) => [r.id as number, r.v as string]));

test('two-way newest_wins: writes cross both ways, hundreds of racing conflicts converge to the newest write of each cell, no echo; drift repaired; destroy leaves nothing of it', async () => {
  const { stack, tf } = twoWayStack();
  try {
    // 0. The value that differs as the routes start stays, and the plan says so and which clock decides from now on.
    const planned = words(tf.plan().output);
    expect(planned).toContain('public.offers: 1 row on ops differs from crm in title, note and stays as it is');
    expect(planned).toContain("stamp every write of a cell with their server's clock");
    tf.apply();
    expect([(await row(crm, 40)).note, (await row(ops, 40)).note]).toEqual([null, 'ops only']);
    // Each side: one route's stamping trigger (it sends) and the other's resolving trigger (it receives), firing always.
    for (const [, db] of sides()) {
      expect((await clockTriggers(db)).map((t) => [t.tgname.replace(/_[0-9a-f]{16}$/, ''), t.tgenabled]).sort())
        .toEqual([['authority_clock_resolve', 'A'], ['authority_clock_stamp', 'A']]);
      expect(await clockTables(db)).toHaveLength(1);
    }

    // 1. A write on either side arrives on the other; so does a row created on one side.
    await crm.query("UPDATE offers SET title = 'Spring' WHERE id = 3");
    await ops.query("UPDATE offers SET note = 'checked at ops' WHERE id = 4");
    await ops.query("INSERT INTO offers VALUES (1000, 'Made at ops', NULL)");
    await waitFor('the writes to cross', async () => (await row(ops, 3)).title === 'Spring' && (await row(crm, 4)).note === 'checked at ops' &&
      (await row(crm, 1000))?.title === 'Made at ops', 30_000);

    // 2. Both sides write the same cells at once: in each round both set the title of one row; the replication of
    //    each round's writes races the next rounds' writes on the other side.
    const writes: Write[] = [];
    for (let n = 0; n < CONFLICTS; n++) {
      const id = 3 + (n % (ROWS - 2));
      writes.push(...await Promise.all([write(crm, 'crm', id, `crm ${n}`), write(ops, 'ops', id, `ops ${n}`)]));
    }
    // Rows created on both sides at once, with the same keys (each side's insert made before it sees the other's): the newer of each stands.
    writes.push(...await insertedOnBoth(Array.from({ length: 10 }, (_, i) => 2000 + i)));
    // A row deleted on one side while the other updates it: the delete wins, whatever the times.
    await crm.query("INSERT INTO offers VALUES (3000, 'To go', NULL)");
    await waitFor('the row to reach ops', async () => !!(await row(ops, 3000)), 30_000);
    const person = await platforms.connect('ops');
    try {
      await person.query('BEGIN');
      await person.query("UPDATE offers SET title = 'kept at ops?' WHERE id = 3000");
      await crm.query('DELETE FROM offers WHERE id = 3000');
      // ops's update commits after the delete, once the delete waits for the row at ops.
      await waitFor('the delete to wait for the row at ops', async () => (await ops.query(
        "SELECT FROM pg_stat_activity WHERE backend_type = 'logical replication apply worker' AND wait_event_type = 'Lock'")).rowCount! > 0, 30_000);
      await person.query('COMMIT');
    } finally {
      await person.end();
    }
    await quiet('after the race');
    expect([await row(crm, 3000), await row(ops, 3000)]).toEqual([undefined, undefined]);
    const expected = new Map<number, Write>();
    for (const w of writes) expected.set(w.id, expected.has(w.id) ? newer(expected.get(w.id)!, w) : w);
    const [atCrm, atOps] = await Promise.all([crm, ops].map(async (db) =>
      new Map((await db.query('SELECT id, title FROM offers')).rows.map((r) => [r.id as number, r.title as string]))));
    const wrong = [...expected.values()].filter((w) => atCrm.get(w.id) !== w.value || atOps.get(w.id) !== w.value)
      .map((w) => ({ id: w.id, expected: w.value, crm: atCrm.get(w.id), ops: atOps.get(w.id) }));
    expect(wrong).toEqual([]);
    expect([...atCrm.entries()].filter(([id, t]) => atOps.get(id) !== t)).toEqual([]);
    // Both sides won some cells: the race was real.
    const winners = [...expected.values()].map((w) => w.origin);
    expect(winners.filter((o) => o === 'crm').length).toBeGreaterThan(0);
    expect(winners.filter((o) => o === 'ops').length).toBeGreaterThan(0);

    // 3. No echo: once quiet, another round trip rewrites no other row on either side.
    const before = await Promise.all([crm, ops].map(versions));
    await quiet('echo check');
    expect(await Promise.all([crm, ops].map(versions))).toEqual(before);

    // 4. Plan after apply changes nothing.
    expectNoChanges(tf);

    // 5. Declaring another rule on one half, while the same columns flow back, is refused at plan.
    const declared = JSON.parse(JSON.stringify(stack.json));
    rewriteStack(stack, (json) => { Object.values<any>(json.resource.authority_sync_route)[0].divergence = 'authority_wins'; });
    const refused = tf.plan();
    expect(refused.code).toBe(1);
    expect(words(refused.output)).toContain('title, note of public.offers would flow both ways between "crm" and "ops", with divergence authority_wins here and newest_wins on the route back');
    rewriteStack(stack, (json) => Object.assign(json, declared));

    // 6. The clock trigger that resolves on ops, dropped by hand, is drift; apply puts it back, and it works again.
    const { tgname } = (await clockTriggers(ops)).find((t) => t.tgname.startsWith('authority_clock_resolve_'))!;
    await ops.query(`DROP TRIGGER ${tgname} ON offers`);
    const drifted = tf.plan();
    expect(drifted.output).toMatch(/~ enabled\s+= false -> true/);
    tf.apply();
    expect(await clockTriggers(ops)).toContainEqual({ tgname, tgenabled: 'A' });
    expectNoChanges(tf);
    const late = await write(ops, 'ops', 3, 'ops after the repair');
    await waitFor('the repaired side\'s write to cross', async () => (await row(crm, 3)).title === late.value, 30_000);
  } finally {
    tf.destroy();
  }
  // Destroy leaves nothing of the route: no clock trigger or table, publication, subscription or slot.
  for (const [, db] of sides()) {
    expect(await clockTriggers(db)).toEqual([]);
    expect(await clockTables(db)).toEqual([]);
    expect((await db.query('SELECT count(*)::int AS n FROM pg_subscription')).rows[0].n).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM pg_publication')).rows[0].n).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM pg_replication_slots')).rows[0].n).toBe(0);
  }
});

test('the constructs: a policy with Propagation.twoWay, no split and NEWEST_WINS syncs both ways, guards neither side, and plans nothing after apply', async () => {
  const stack = synthDomain((app) => {
    const domain = new Domain(app, 'deals', { governedBy: 'Sales operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const deal = new Concept(domain, 'Deal');
    deal.addField('title', crmPlatform.at('deals.title'), opsPlatform.at('deals.title'));
    new AuthorityPolicy(domain, 'deal-titles', {
      concept: deal, fields: ['title'], authority: crmPlatform, origin: crmPlatform, copies: [Copy.localOverride(opsPlatform, { reason: 'ops renames deals too' })],
      propagation: Propagation.twoWay({ maxLag: Duration.minutes(5) }), divergence: Divergence.NEWEST_WINS,
      correction: CorrectionPath.at(crmPlatform, { how: 'edit the deal title' }),
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  try {
    tf.apply();
    // People write on both sides (nothing is guarded), and each write reaches the other side.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET title = 'Renamed at ops' WHERE id = 1")).toBeUndefined();
    expect(await tryAs(crm, OPERATOR_ROLE, "UPDATE deals SET title = 'Renamed at crm' WHERE id = 2")).toBeUndefined();
    await waitFor('both writes to cross', async () => (await crm.query('SELECT title FROM deals WHERE id = 1')).rows[0].title === 'Renamed at ops' &&
      (await ops.query('SELECT title FROM deals WHERE id = 2')).rows[0].title === 'Renamed at crm', 30_000);
    expectNoChanges(tf);
  } finally {
    tf.destroy();
  }
  for (const [, db] of sides()) {
    expect((await db.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'public.deals'::regclass AND tgname LIKE 'authority\\_%'")).rows[0].n).toBe(0);
    expect(await clockTables(db)).toEqual([]);
  }
});
