/**
 * A PostgreSQL 15 server for tests of version-dependent behaviour, from the Debian binaries when
 * this machine has them (a user's machine usually does not: tests then skip). Like
 * embedded/local-postgres.ts: 127.0.0.1 only over TCP (no Unix socket, whose path is limited to
 * 107 bytes), scram-sha-256, logical replication on.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../embedded/local-postgres';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export function hasPostgres15(): boolean {
  return fs.existsSync(path.join(BIN, 'postgres')) && fs.existsSync(path.join(BIN, 'initdb'));
}

export interface Postgres15 {
  readonly port: number;
  readonly passwordFile: string;
  clientConfig(database?: string): { host: string; port: number; database: string; user: string; password: string };
  stop(): Promise<void>;
}

/** initdb + start in a new folder `dir`; as root, the server runs as `postgres`. */
export async function startPostgres15(dir: string): Promise<Postgres15> {
  const owner = os.userInfo().uid === 0
    ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) }
    : undefined;
  fs.mkdirSync(dir, { recursive: true });
  const passwordFile = path.join(dir, 'password');
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) for (const p of [dir, passwordFile]) fs.chownSync(p, owner.uid, owner.gid);
  const exec = (file: string, args: string[]) => run(path.join(BIN, file), args, { uid: owner?.uid, gid: owner?.gid, cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
  const data = path.join(dir, 'data');
  await exec('initdb', [`--pgdata=${data}`, '--username=authority', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C']);
  const port = await freePort();
  const flags = [
    '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=''",
    '-c', 'fsync=off', '-c', 'wal_level=logical', '-c', 'max_wal_senders=10', '-c', 'max_replication_slots=10',
  ];
  await exec('pg_ctl', ['start', '-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', flags.join(' ')]);
  return {
    port,
    passwordFile,
    clientConfig: (database = 'postgres') => ({ host: '127.0.0.1', port, database, user: 'authority', password }),
    /** Stops the server and removes its folder. */
    stop: async () => {
      await exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
