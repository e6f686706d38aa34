/**
 * A real Tryton 6.0 (Debian's trytond) whose data sits in a database of a local PostgreSQL
 * server: the database is created and initialized once with trytond-admin (party and
 * sale_opportunity activated, the admin's password set from a 0600 file through TRYTONPASSFILE),
 * then trytond is started as a detached process on a free local port, like the PostgreSQL servers.
 *
 * Everything it keeps is in `dir`: the configuration (no secret in it: the database URI travels
 * in trytond's environment), the port, the log, the pid, a marker per initialized database and the
 * admin's password file. A second start reuses all of it: no install, no initialization.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { keptPort, runningPid, spawnDetached, stopDetached, waitUntilAnswering } from './detached-server';
import { TRYTOND, TRYTOND_ADMIN, ensureTryton } from '../tooling/tryton-install';

/**
 * A random password Tryton accepts: 24 different letters and digits. Tryton refuses a password
 * whose distinct characters are under 3/4 of its length (its password entropy rule), and random
 * base64 of that length misses it now and then.
 */
export function trytonPassword(): string {
  const chars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.slice(0, 24).join('');
}

/** `file`, holding a Tryton password made once (trytonPassword), readable by its owner only. */
export function trytonPasswordFile(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, trytonPassword() + '\n', { mode: 0o600 });
  return file;
}

/** The superuser connection of a local server, as LocalPostgres.clientConfig() gives it. */
export interface TrytonPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface TrytonOptions {
  /** Folder for this Tryton's configuration, port, log and secrets. */
  readonly dir: string;
  readonly postgres: TrytonPostgres;
  /** The PostgreSQL database Tryton keeps its data in (created when missing). */
  readonly database: string;
  /** Progress lines. @default stderr */
  readonly say?: (line: string) => void;
  /** Seconds to wait for trytond to answer. @default 60 */
  readonly startTimeout?: number;
}

export interface RunningTryton {
  /** Base URL of trytond's JSON-RPC (the database is the first path segment of each call). */
  readonly url: string;
  readonly database: string;
  readonly pid: number;
  /** The admin's login and the 0600 file holding the password. */
  readonly admin: { readonly login: string; readonly passwordFile: string };
  readonly logFile: string;
  stop(): Promise<void>;
}

/** The modules a CRM platform needs: parties, and leads and opportunities. */
export const TRYTON_MODULES = ['party', 'sale_opportunity'] as const;
export const TRYTON_ADMIN_LOGIN = 'admin';

/** Starts Tryton in `dir` (installing, creating and initializing the database first when needed); a running one is reused. */
export async function startTryton(options: TrytonOptions): Promise<RunningTryton> {
  const say = options.say ?? ((l: string) => process.stderr.write(l + '\n'));
  ensureTryton(say);
  const dir = path.resolve(options.dir);
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
  const passwordFile = trytonPasswordFile(path.join(dir, 'admin-password'));
  const port = await keptPort(dir);
  const config = writeConfig(dir, port);
  const env = trytonEnv(options.postgres, passwordFile);
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'trytond.log');
  let pid = runningPid(dir);
  if (pid === undefined) {
    const marker = path.join(dir, `initialized-${encodeURIComponent(options.database)}`);
    if (!fs.existsSync(marker)) {
      await createDatabase(options.postgres, options.database);
      say(`authority: initializing Tryton in database ${options.database} (modules ${TRYTON_MODULES.join(', ')}); the first time takes a minute ...`);
      await runAdmin(['-c', config, '-d', options.database, '--all', '--activate-dependencies', '-u', ...TRYTON_MODULES, '--email', 'admin@example.com'], env);
      fs.writeFileSync(marker, new Date().toISOString() + '\n');
    }
    say(`authority: starting Tryton on ${url} ...`);
    pid = spawnServer(dir, config, options.database, env, logFile);
  }
  await waitForAnswer(url, pid, logFile, (options.startTimeout ?? 60) * 1000);
  return {
    url, database: options.database, pid, logFile,
    admin: { login: TRYTON_ADMIN_LOGIN, passwordFile },
    stop: async () => {
      await stopTryton(dir);
    },
  };
}

/** Stops the trytond in `dir` if it runs (SIGTERM, then SIGKILL after a deadline). */
export function stopTryton(dir: string, timeoutMs = 15000): Promise<boolean> {
  return stopDetached(dir, timeoutMs);
}

/** trytond's configuration: where it listens and keeps files. No secret: the database URI is in its environment. */
export function trytonConfig(dir: string, port: number): string {
  return ['[web]', `listen = 127.0.0.1:${port}`, '', '[database]', `path = ${path.join(dir, 'files')}`, '', '[session]', 'timeout = 3600', ''].join('\n');
}

function writeConfig(dir: string, port: number): string {
  const file = path.join(dir, 'trytond.conf');
  fs.writeFileSync(file, trytonConfig(dir, port));
  return file;
}

/** trytond's environment: the database URI (with the password) and the admin password file, never a file or argument. */
export function trytonEnv(pg: TrytonPostgres, passwordFile: string): NodeJS.ProcessEnv {
  const uri = `postgresql://${encodeURIComponent(pg.user)}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/`;
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TRYTOND_DATABASE__URI: uri, TRYTONPASSFILE: passwordFile };
}

async function createDatabase(pg: TrytonPostgres, database: string): Promise<void> {
  const client = new Client({ ...pg, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await client.end();
  }
}

/** Runs trytond-admin to its end; fails with the tail of its output. */
async function runAdmin(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const out: Buffer[] = [];
  const child = spawn(TRYTOND_ADMIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => out.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    const text = Buffer.concat(out).toString('utf8').split('\n').slice(-20).join('\n');
    throw new Error(`trytond-admin ${args.filter((a) => !a.includes('@')).join(' ')} failed (exit ${code}):\n${text}`);
  }
}

function spawnServer(dir: string, config: string, database: string, env: NodeJS.ProcessEnv, logFile: string): number {
  return spawnDetached(TRYTOND, ['-c', config, '-d', database], dir, env, logFile);
}

/** Waits until trytond answers common.server.version; fails early when the process dies, with its log. */
function waitForAnswer(url: string, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  return waitUntilAnswering({ name: 'trytond', asked: url }, pid, logFile, timeoutMs, async () => (await fetch(`${url}/`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 0, method: 'common.server.version', params: [] }), signal: AbortSignal.timeout(2000),
  })).ok);
}
