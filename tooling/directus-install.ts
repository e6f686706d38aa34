/**
 * Installs the pinned apps in apps/directus (Directus 11.3.5 and puppeteer-core) on demand, into a
 * cache outside the repo keyed by a digest of its package.json and lock file, so a second start,
 * another worktree or a fresh clone on the same machine reuse it. Never run by the main
 * `npm install` (it takes minutes: isolated-vm compiles from source).
 *
 * Atomic: npm installs into a staging folder beside the final one, which is renamed into place
 * only once the install and a load check of the native modules succeeded. An interrupted install
 * leaves only a staging folder, removed by the next attempt; a lock folder holding the installer's
 * pid keeps two processes (npm start and a test run) from installing at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** apps/directus in this checkout (found from this file, bundled under dist/ or not). */
export const APPS_SOURCE = findAppsSource(__dirname);

export interface AppsInstall {
  /** Folder holding node_modules. */
  readonly dir: string;
  /** Directus's command line entry (run with node). */
  readonly directusCli: string;
}

export interface InstallOptions {
  /** Progress lines (default: stderr). */
  readonly say?: (line: string) => void;
  /** Seconds between progress lines. @default 5 */
  readonly every?: number;
}

/** $AUTHORITY_CACHE, else $XDG_CACHE_HOME/authority, else ~/.cache/authority. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AUTHORITY_CACHE) return path.resolve(env.AUTHORITY_CACHE);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'authority');
}

/** The cache folder of this exact package.json + lock file. */
export function installDir(source = APPS_SOURCE, root = cacheRoot()): string {
  const digest = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) digest.update(fs.readFileSync(path.join(source, f)));
  return path.join(root, `directus-${digest.digest('hex').slice(0, 16)}`);
}

function appsInstall(dir: string): AppsInstall {
  return { dir, directusCli: path.join(dir, 'node_modules', 'directus', 'cli.js') };
}

/** The finished install, or undefined when there is none yet. */
export function findInstall(dir = installDir()): AppsInstall | undefined {
  return fs.existsSync(path.join(dir, 'node_modules', 'directus', 'cli.js')) ? appsInstall(dir) : undefined;
}

/** Returns the cached install, installing it first when needed (minutes, with progress lines). */
export async function installApps(options: InstallOptions = {}): Promise<AppsInstall> {
  const dir = installDir();
  const done = findInstall(dir);
  if (done) return done;
  const say = options.say ?? ((l: string) => process.stderr.write(l + '\n'));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  await takeLock(lock, say, options.every ?? 5);
  try {
    const other = findInstall(dir); // another process finished while we waited
    if (other) return other;
    removeStaleStaging(dir);
    const staging = `${dir}.staging-${process.pid}`;
    fs.mkdirSync(staging, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(APPS_SOURCE, f), path.join(staging, f));
    say(`authority: installing Directus 11.3.5 (once per machine and lock file) into ${dir} ...`);
    const started = Date.now();
    await npmCi(staging, say, options.every ?? 5, started);
    await checkNativeModules(staging);
    fs.renameSync(staging, dir);
    say(`authority: installed Directus in ${seconds(started)}.`);
    return appsInstall(dir);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** `npm ci` in the staging folder, with a line every few seconds saying what it does. */
async function npmCi(staging: string, say: (l: string) => void, every: number, started: number): Promise<void> {
  const logFile = path.join(staging, 'npm-install.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=http'], {
    cwd: staging, stdio: ['ignore', log, log], env: { ...process.env, npm_config_update_notifier: 'false' },
    detached: true, // its own process group, so an interrupt can end npm and the compilers it runs
  });
  const total = packageCount(path.join(staging, 'package-lock.json'));
  // Interrupted (Ctrl-C, a kill), npm and its compilers go too (npm finishes its current step on
  // SIGTERM), so nothing writes on into the folder the next attempt removes.
  const stop = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = setInterval(() => say(`authority:   ${seconds(started)}: ${installPhase(readOr(logFile, ''), total)}`), every * 1000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
      throw new Error(`npm ci of Directus failed (exit ${code}); last lines of ${logFile}:\n${tail}\n` +
        'A native module (isolated-vm) compiles from source: it needs python3, make and g++ (apt-get install -y python3 make g++).');
    }
  } finally {
    clearInterval(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    fs.closeSync(log);
  }
}

/**
 * What the install is doing now, read from npm's log in the staging folder (npm is silent while
 * it works): packages fetched out of the lock file's total, then the install script running.
 */
export function installPhase(log: string, total: number): string {
  const script = /^> ([^@\s]+)@[^\s]+ (install|postinstall)$/m.exec(log.split('\n').reverse().join('\n'));
  if (script) return `running ${script[1]}'s ${script[2]} script${script[1] === 'isolated-vm' ? ' (compiling a native module from source, the longest step)' : ''}`;
  const fetched = log.match(/^npm http fetch GET 200 /gm)?.length ?? 0;
  if (fetched === 0) return 'resolving the lock file';
  if (fetched < total) return `fetching packages (${fetched} of ${total})`;
  return `unpacking and linking packages (${total} fetched)`;
}

/** How many packages the lock file installs. */
function packageCount(lockFile: string): number {
  return Object.keys(JSON.parse(fs.readFileSync(lockFile, 'utf8')).packages).filter((k) => k !== '').length;
}

/** Loads the native modules Directus needs at start, so a broken build never becomes the cache. */
async function checkNativeModules(dir: string): Promise<void> {
  const script = "require('isolated-vm'); require('argon2'); require('sharp'); require('pg');";
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`Directus's native modules do not load in ${dir}:\n${err.slice(-2000)}`))));
  });
}

/** A lock folder with the holder's pid; waits (saying so) while a live process holds it. */
async function takeLock(lock: string, say: (l: string) => void, every: number): Promise<void> {
  const started = Date.now();
  let lastSaid = 0;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readOr(path.join(lock, 'pid'), '0'));
    if (holder && !alive(holder)) {
      fs.rmSync(lock, { recursive: true, force: true }); // left by an interrupted install
      continue;
    }
    if (Date.now() - lastSaid > every * 1000) {
      say(`authority:   ${seconds(started)}: waiting for another process (pid ${holder || '?'}) installing Directus`);
      lastSaid = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Staging folders whose installer is gone (interrupted): never mistaken for an install, removed. */
function removeStaleStaging(dir: string): void {
  const parent = path.dirname(dir);
  for (const name of fs.readdirSync(parent)) {
    const m = new RegExp(`^${path.basename(dir)}\\.staging-(\\d+)$`).exec(name);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(parent, name), { recursive: true, force: true, maxRetries: 5 });
  }
}

/** Whether a process with this pid runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function seconds(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)} s`;
}

function findAppsSource(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'apps', 'directus');
    if (fs.existsSync(path.join(candidate, 'package-lock.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`No apps/directus/package-lock.json above ${from}.`);
  }
}
