/**
 * A PostgreSQL 15 server for tests of version-dependent behaviour, from Debian's postgresql-15
 * package, which the tests install themselves as root (elsewhere they fail saying so). Like
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
import { aptInstall, canInstallPackages } from '../../tooling/apt';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

function hasPostgres15(): boolean {
  return fs.existsSync(path.join(BIN, 'postgres')) && fs.existsSync(path.join(BIN, 'initdb'));
}

/**
 * Makes sure Debian's PostgreSQL 15 binaries are there: installs postgresql-15 as root (without
 * the main cluster Debian would create and start), else fails saying what to install.
 */
export function ensurePostgres15(): void {
  if (hasPostgres15()) return;
  const hint = 'The PostgreSQL 15 tests need Debian\'s postgresql-15 package: run the tests as root on Debian, or `apt-get install postgresql-15`.';
  if (!canInstallPackages()) throw new Error(hint);
  fs.mkdirSync('/etc/postgresql-common/createcluster.d', { recursive: true });
  fs.writeFileSync('/etc/postgresql-common/createcluster.d/authority-tests.conf', 'create_main_cluster = false\n');
  const result = aptInstall(['postgresql-15']);
  if (!result.ok || !hasPostgres15()) throw new Error(`apt-get install postgresql-15 failed:\n${result.output}\n${hint}`);
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
