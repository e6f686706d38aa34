/**
 * A real Directus (the pinned 11.3.5 from the apps cache) on a database of a local PostgreSQL
 * server: bootstrapped once into that database (its directus_* tables sit beside the platform's
 * own), started as a detached process so it outlives the command that started it (like the
 * PostgreSQL servers), and given the platform's tables as collections plus an editor who may read
 * and update them (embedded/directus-setup.ts).
 *
 * Everything it keeps is in `dir`: the port, the log, a marker that bootstrap ran, and the
 * secrets (admin password and static token, the editor's password, the signing secret) in 0600
 * files that are never printed. A second start reuses all of it: no install, no bootstrap.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keptPort, runningPid, spawnDetached, stopDetached, waitUntilAnswering } from './detached-server';
import { AppsInstall, installApps } from '../tooling/directus-install';
import { DirectusClient } from '../provider/platforms/directus/client';
import { EDITOR_EMAIL, setUpCollections } from './directus-setup';

/** The superuser connection of a local server, as LocalPostgres.clientConfig() gives it. */
export interface PostgresAdmin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface DirectusOptions {
  /** Folder for this Directus's port, log and secrets. */
  readonly dir: string;
  readonly postgres: PostgresAdmin;
  /** The database Directus manages (its tables become collections). */
  readonly database: string;
  /** Tables to show as collections the editor may read and update. */
  readonly collections: readonly string[];
  /** Progress lines. @default stderr */
  readonly say?: (line: string) => void;
  /** Seconds to wait for /server/ping. @default 120 */
  readonly startTimeout?: number;
}

export interface RunningDirectus {
  readonly url: string;
  readonly pid: number;
  /** 0600 file with the admin's static token. */
  readonly adminTokenFile: string;
  readonly admin: { readonly email: string; readonly passwordFile: string };
  readonly editor: { readonly email: string; readonly passwordFile: string };
  readonly logFile: string;
  /** A client acting as the admin (static token). */
  adminClient(): DirectusClient;
  stop(): Promise<void>;
}

export const ADMIN_EMAIL = 'admin@example.com';

/** Starts Directus in `dir` (installing and bootstrapping first when needed); a running one is reused. */
export async function startDirectus(options: DirectusOptions): Promise<RunningDirectus> {
  const say = options.say ?? ((l: string) => process.stderr.write(l + '\n'));
  const apps = await installApps({ say });
  const dir = path.resolve(options.dir);
  prepareFolder(dir);
  const files = secretFiles(dir);
  const port = await keptPort(dir);
  const env = directusEnv(options, files, port);
  const url = `http://127.0.0.1:${port}`;
  let pid = runningPid(dir);
  if (pid === undefined) {
    const marker = path.join(dir, 'bootstrapped');
    if (!fs.existsSync(marker)) {
      say(`authority: bootstrapping Directus into database ${options.database} ...`);
      await runCli(apps, ['bootstrap'], dir, env);
      fs.writeFileSync(marker, new Date().toISOString() + '\n');
    }
    pid = spawnServer(apps, dir, env);
  }
  const handle = runningDirectus(url, pid, dir, files);
  await waitForPing(url, pid, handle.logFile, (options.startTimeout ?? 120) * 1000);
  await setUpCollections(handle.adminClient(), options.collections, secret(files.editorPassword));
  return handle;
}

/** Stops the Directus in `dir` if it runs (SIGTERM, then SIGKILL after a deadline). */
export function stopDirectus(dir: string, timeoutMs = 15000): Promise<boolean> {
  return stopDetached(dir, timeoutMs);
}

/** Directus looks in its working folder for uploads, extensions and a package.json (npm extensions). */
function prepareFolder(dir: string): void {
  for (const d of ['uploads', 'extensions']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest)) fs.writeFileSync(manifest, JSON.stringify({ name: 'authority-directus-platform', private: true }) + '\n');
}

interface SecretFiles {
  readonly adminPassword: string;
  readonly adminToken: string;
  readonly editorPassword: string;
  readonly signingSecret: string;
}

/** Secrets made once per folder, each in a 0600 file. */
function secretFiles(dir: string): SecretFiles {
  const files = {
    adminPassword: path.join(dir, 'admin-password'),
    adminToken: path.join(dir, 'admin-token'),
    editorPassword: path.join(dir, 'editor-password'),
    signingSecret: path.join(dir, 'secret'),
  };
  for (const f of Object.values(files)) {
    if (!fs.existsSync(f)) fs.writeFileSync(f, randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
  }
  return files;
}

function secret(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

/** Directus's configuration, passed in its environment (no .env file holds a secret). */
export function directusEnv(options: Pick<DirectusOptions, 'postgres' | 'database'>, files: SecretFiles, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DB_CLIENT: 'pg',
    DB_HOST: options.postgres.host,
    DB_PORT: String(options.postgres.port),
    DB_DATABASE: options.database,
    DB_USER: options.postgres.user,
    DB_PASSWORD: options.postgres.password,
    SECRET: secret(files.signingSecret),
    ADMIN_EMAIL,
    ADMIN_PASSWORD: secret(files.adminPassword),
    ADMIN_TOKEN: secret(files.adminToken),
    TELEMETRY: 'false',
    // Directus sheds load with 503 "Under pressure" when its event loop lags 500 ms, which a busy
    // two-core machine (terraform, the provider, the servers) reaches during an apply: a local
    // server for one team's example has nobody to shed.
    PRESSURE_LIMITER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    LOG_STYLE: 'raw',
    // Files and extensions stay in the folder, not in the cache or the caller's cwd.
    STORAGE_LOCATIONS: 'local',
    STORAGE_LOCAL_ROOT: './uploads',
    EXTENSIONS_PATH: './extensions',
    CONFIG_PATH: './no-env-file',
  };
}

function runningDirectus(url: string, pid: number, dir: string, files: SecretFiles): RunningDirectus {
  return {
    url,
    pid,
    adminTokenFile: files.adminToken,
    admin: { email: ADMIN_EMAIL, passwordFile: files.adminPassword },
    editor: { email: EDITOR_EMAIL, passwordFile: files.editorPassword },
    logFile: path.join(dir, 'directus.log'),
    adminClient: () => new DirectusClient({ url, token: secret(files.adminToken) }),
    stop: async () => {
      await stopDirectus(dir);
    },
  };
}

/** Runs a Directus command to its end; fails with the tail of its output. */
async function runCli(apps: AppsInstall, args: string[], dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const out: Buffer[] = [];
  const child = spawn(process.execPath, [apps.directusCli, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => out.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    const text = Buffer.concat(out).toString('utf8').split('\n').slice(-20).join('\n');
    throw new Error(`directus ${args.join(' ')} failed (exit ${code}) in ${dir}:\n${text}`);
  }
}

function spawnServer(apps: AppsInstall, dir: string, env: NodeJS.ProcessEnv): number {
  return spawnDetached(process.execPath, [apps.directusCli, 'start'], dir, env, path.join(dir, 'directus.log'));
}

/** Waits until /server/ping answers pong; fails early when the process dies, with its log. */
function waitForPing(url: string, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  return waitUntilAnswering({ name: 'Directus', asked: `${url}/server/ping` }, pid, logFile, timeoutMs, async () => {
    const res = await fetch(`${url}/server/ping`, { signal: AbortSignal.timeout(2000) });
    return res.ok && (await res.text()).includes('pong');
  });
}
