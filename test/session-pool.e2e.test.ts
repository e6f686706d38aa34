/**
 * The provider's steps reuse a platform's sessions (session-pool.ts) instead of logging in for
 * each: a reused session is as clean as a new one, a step that failed never lends its session
 * again, idle sessions close, and the number of logins stays bounded. Real PostgreSQL.
 */
import { Client } from 'pg';
import { PostgresConnection, SHARED_SESSIONS } from '../provider/platforms/postgresql/connection';
import { TestPlatforms, providerSettings, startTestPlatforms } from './support/platforms';
import { waitFor } from './support/wait';

let platforms: TestPlatforms;
let observer: Client;
const open: PostgresConnection[] = [];

beforeAll(async () => {
  platforms = await startTestPlatforms();
  observer = await platforms.connect('ops');
  await observer.query('CREATE TABLE IF NOT EXISTS pool_probe (id int)');
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await observer?.end();
  await platforms?.stop();
});

/** The ops platform as the provider reaches it, with its own session pool. */
function opsConnection(pool: { maxIdle?: number; idleMs?: number } = {}): PostgresConnection {
  const connection = new PostgresConnection('ops', { ...providerSettings('ops', platforms.ops), waitTimeoutSeconds: 7 }, pool);
  open.push(connection);
  return connection;
}

const pidOf = async (db: Client): Promise<number> => (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

/** Whether the server still has a session with this pid, and what it does. */
async function sessionState(pid: number): Promise<string | undefined> {
  const r = await observer.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
  return r.rows[0]?.state;
}

/** The pool's idle sessions, as the server sees them: waits until the returned session is cleaned. */
async function idleOnServer(pids: number[]): Promise<number> {
  const r = await observer.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1) AND state = 'idle'", [pids]);
  return r.rows[0].n;
}

test('a session comes back clean: no transaction, no advisory lock, no changed setting, and is reused', async () => {
  const ops = opsConnection();
  const first = await ops.withConnection(async (db) => {
    await db.query('SELECT pg_advisory_lock(4242)'); // session-level
    await db.query('SET statement_timeout = 1234');
    await db.query('SET search_path = public');
    await db.query('BEGIN');
    await db.query('INSERT INTO public.pool_probe VALUES (1)');
    await db.query('SELECT pg_advisory_xact_lock(4343)');
    return pidOf(db);
  });
  // Returned dirty: lent again, cleaned.
  const second = await ops.withConnection(async (db) => ({
    pid: await pidOf(db),
    inTransaction: (await db.query<{ t: boolean }>('SELECT now() <> statement_timestamp() AS t')).rows[0].t,
    settings: (await db.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'search_path', 'lock_timeout') ORDER BY name")).rows,
  }));
  expect(second.pid).toBe(first);
  expect(second.inTransaction).toBe(false);
  expect(second.settings).toEqual([
    { name: 'lock_timeout', setting: '7000' },
    { name: 'search_path', setting: 'pg_catalog, pg_temp' },
    { name: 'statement_timeout', setting: '0' },
  ]);
  await waitFor('the session to be idle', async () => (await idleOnServer([first])) === 1, 10_000);
  const locks = await observer.query("SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [first]);
  expect(locks.rows).toEqual([]);
  const rows = await observer.query('SELECT * FROM pool_probe');
  expect(rows.rows).toEqual([]); // the open transaction was rolled back, not committed
});

test('a step that failed never lends its session again: it is closed', async () => {
  const ops = opsConnection();
  let failed = 0;
  await expect(ops.withConnection(async (db) => {
    failed = await pidOf(db);
    await db.query('BEGIN');
    await db.query('SELECT pg_advisory_lock(777)');
    throw new Error('the step failed');
  })).rejects.toThrow('the step failed');
  const next = await ops.withConnection(pidOf);
  expect(next).not.toBe(failed);
  await waitFor('the failed step\'s session to end', async () => (await sessionState(failed)) === undefined, 10_000);
  const locks = await observer.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 777");
  expect(locks.rows).toEqual([]);
});

test('a session the server ended while idle leaves the pool and is not handed out', async () => {
  const ops = opsConnection();
  const pid = await ops.withConnection(pidOf);
  expect(ops.idleSessions()).toBe(1);
  await waitFor('the session to be idle', async () => (await idleOnServer([pid])) === 1, 10_000);
  await observer.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitFor('the session to end', async () => (await sessionState(pid)) === undefined, 10_000);
  // The provider learns it from the closed connection, and drops it.
  await waitFor('the pool to drop it', () => ops.idleSessions() === 0, 10_000);
  const next = await ops.withConnection(async (db) => {
    await db.query('SELECT 1');
    return pidOf(db);
  });
  expect(next).not.toBe(pid);
});

test('idle sessions close after the idle time, and all when the platform closes', async () => {
  const quick = opsConnection({ idleMs: 300 });
  const pid = await quick.withConnection(pidOf);
  await waitFor('the idle session to close', async () => (await sessionState(pid)) === undefined, 10_000);

  const slow = opsConnection({ idleMs: 600_000 });
  const pids = await Promise.all([1, 2, 3].map(() => slow.withConnection(async (db) => {
    await db.query('SELECT pg_sleep(0.05)');
    return pidOf(db);
  })));
  await waitFor('three idle sessions', async () => (await idleOnServer(pids)) === 3, 10_000);
  await slow.close();
  await waitFor('the closed platform\'s sessions to end', async () => {
    const r = await observer.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [pids]);
    return r.rowCount === 0;
  }, 10_000);
});

test('logins stay bounded: 50 steps ten at a time, and at most 10 sessions wait after 40 at once', async () => {
  const ops = opsConnection();
  const seen = new Set<number>();
  // Ten at a time, as terraform's parallelism: a waiting step takes the session the last one left.
  let next = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next < 50) {
      next++;
      seen.add(await ops.withConnection(async (db) => {
        await db.query('SELECT pg_sleep(0.01)');
        return pidOf(db);
      }));
    }
  }));
  expect(seen.size).toBeLessThanOrEqual(10);

  const burst = await Promise.all(Array.from({ length: 40 }, () => ops.withConnection(async (db) => {
    await db.query('SELECT pg_sleep(0.2)');
    return pidOf(db);
  })));
  await waitFor('the burst\'s extra sessions to end', async () => {
    const r = await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1)', [[...burst, ...seen]]);
    return r.rows[0].n <= 10;
  }, 10_000);
});

test('single reads share a few sessions, side by side: at most SHARED_SESSIONS, more than one when reads overlap', async () => {
  const ops = opsConnection();
  // Different reads (identical ones asked together run once: see below).
  const pids = await Promise.all(Array.from({ length: 12 }, async (_, i) =>
    (await ops.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.2), $1::int AS i', [i])).rows[0].pid));
  const distinct = new Set(pids);
  expect(distinct.size).toBeGreaterThan(1);
  expect(distinct.size).toBeLessThanOrEqual(SHARED_SESSIONS);
  // One read at a time needs only one.
  const one = await ops.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  expect(distinct.has(one.rows[0].pid)).toBe(true);
  await ops.close();
  await waitFor('the shared sessions to end', async () => {
    const r = await observer.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [[...distinct]]);
    return r.rowCount === 0;
  }, 10_000);
});

test('identical reads asked together run once, never joining one that already runs', async () => {
  const ops = opsConnection();
  const read = () => ops.query<{ at: number }>('SELECT extract(epoch FROM clock_timestamp())::float8 AS at, pg_sleep(0.1)');
  const first = read();
  const together = await Promise.all(Array.from({ length: 11 }, read));
  // The first ran alone; the eleven asked while it ran share the one after it.
  expect(new Set(together.map((r) => r.rows[0].at)).size).toBe(1);
  expect(together[0].rows[0].at > (await first).rows[0].at).toBe(true);
  // Each got its own rows to keep.
  together[0].rows[0].at = -1;
  expect(together[1].rows[0].at).not.toBe(-1);
  await ops.close();
});
