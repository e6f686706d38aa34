/**
 * Sync lag from authority to copy: the time from a committed single-row update on the authority
 * until the copy reads the new value, polled on one connection; p50 and p95 over `samples` updates.
 */
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export async function measureLag(authority: LocalPostgres, copy: LocalPostgres, table: string, samples: number): Promise<{ p50: number; p95: number }> {
  const [a, c] = [new Client(authority.clientConfig()), new Client(copy.clientConfig())];
  await Promise.all([a.connect(), c.connect()]);
  try {
    const lags: number[] = [];
    const deadline = Date.now() + 60_000; // bounded: a route that does not flow fails the bench
    for (let i = 0; i < samples; i++) {
      const value = `lag-${process.pid}-${i}`;
      const started = process.hrtime.bigint();
      await a.query(`UPDATE ${table} SET f0 = $1 WHERE id = 1`, [value]);
      for (;;) {
        const r = await c.query(`SELECT f0 FROM ${table} WHERE id = 1`);
        if (r.rows[0]?.f0 === value) break;
        if (Date.now() > deadline) throw new Error(`the copy did not receive ${table}.f0 within a minute: the route does not flow`);
      }
      lags.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    lags.sort((x, y) => x - y);
    return { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95) };
  } finally {
    await Promise.all([a.end(), c.end()]);
  }
}
