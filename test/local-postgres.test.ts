/** The embedded default's local servers work wherever the project sits, however deep its path. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';

/** PostgreSQL's limit for a Unix-domain socket path (sun_path less the terminating zero). */
const SOCKET_PATH_LIMIT = 107;

test('a server in a folder deeper than a Unix socket path allows starts, takes connections and stops', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-deep-'));
  // Each level open to other users: run as root, the server runs as the postgres user and must
  // reach the folder itself (a private folder would be moved to a short shared path instead).
  let dir = base;
  for (const level of ['a-checkout-under-a-rather-long-folder-name', 'of-a-team-that-nests-its-projects', 'authority', '.authority', 'embedded']) {
    dir = path.join(dir, level);
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
  }
  fs.chmodSync(base, 0o755);
  const server = path.join(dir, 'crm');
  expect(path.join(server, 'run', '.s.PGSQL.65535').length).toBeGreaterThan(SOCKET_PATH_LIMIT);
  try {
    const pg = await LocalPostgres.start({ dir: server });
    expect(fs.realpathSync(pg.dir)).toBe(server); // really there, not moved to a shorter path
    const db = new Client(pg.clientConfig());
    await db.connect();
    try {
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.end();
    }
    await pg.stop();
    expect(pg.isRunning()).toBe(false);
  } finally {
    await LocalPostgres.stop(server, true);
    fs.rmSync(base, { recursive: true, force: true });
  }
});
