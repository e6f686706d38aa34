/**
 * A real browser for tests: the system's Chromium (Debian's `chromium` package; installed with apt
 * when run as root and it is missing), driven by puppeteer-core from the apps install
 * (tooling/directus-install.ts), which downloads no browser. Screenshots go to the git-ignored
 * test-artifacts/ folder.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { aptInstall, canInstallPackages } from './apt';
import { AppsInstall } from './directus-install';
import { PROJECT_DIR } from './paths';

/** Where screenshots land (git-ignored); AUTHORITY_ARTIFACTS moves it. */
export const ARTIFACTS_DIR = process.env.AUTHORITY_ARTIFACTS ? path.resolve(process.env.AUTHORITY_ARTIFACTS) : path.join(PROJECT_DIR, 'test-artifacts');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** What to do when no browser is found: said in every failure. */
export const INSTALL_HINT =
  'No Chromium found. Install it: as root on Debian/Ubuntu `apt-get install -y chromium` ' +
  '(the project does this itself when run as root), or set AUTHORITY_CHROMIUM to a Chrome or Chromium executable.';

/** The browser executable: AUTHORITY_CHROMIUM, else the first of the usual system paths. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, exists = fs.existsSync): string | undefined {
  if (env.AUTHORITY_CHROMIUM) {
    if (!exists(env.AUTHORITY_CHROMIUM)) throw new Error(`AUTHORITY_CHROMIUM is ${env.AUTHORITY_CHROMIUM}, which does not exist. ${INSTALL_HINT}`);
    return env.AUTHORITY_CHROMIUM;
  }
  return CANDIDATES.find((c) => exists(c));
}

/** The browser, installing Debian's chromium with apt first when root and missing. */
export function ensureChromium(say: (l: string) => void = (l) => process.stderr.write(l + '\n')): string {
  const found = findChromium();
  if (found) return found;
  if (!canInstallPackages()) throw new Error(INSTALL_HINT);
  say('authority: installing Chromium with apt-get (once per machine) ...');
  const started = Date.now();
  const result = aptInstall(['chromium']);
  const installed = findChromium();
  if (!result.ok || !installed) {
    throw new Error(`apt-get install chromium failed:\n${result.output}\n${INSTALL_HINT}`);
  }
  say(`authority: installed Chromium in ${Math.round((Date.now() - started) / 1000)} s (${version(installed)}).`);
  return installed;
}

function version(executable: string): string {
  try {
    return execFileSync(executable, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return executable;
  }
}

/** The parts of puppeteer-core the tests use (it is not in the main node_modules, so no types). */
export interface Page {
  goto(url: string, options?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  waitForSelector(selector: string, options?: { timeout?: number; visible?: boolean }): Promise<unknown>;
  waitForFunction(fn: string, options?: { timeout?: number }): Promise<unknown>;
  type(selector: string, text: string): Promise<void>;
  click(selector: string): Promise<void>;
  evaluate<T>(fn: string): Promise<T>;
  setViewport(v: { width: number; height: number }): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  url(): string;
}
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches the system Chromium headless (with --no-sandbox as root, which Chromium requires). */
export async function launchBrowser(apps: AppsInstall, executablePath = ensureChromium()): Promise<Browser> {
  const puppeteer = createRequire(path.join(apps.dir, 'package.json'))('puppeteer-core');
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: [...(os.userInfo().uid === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', '--disable-gpu'],
  }) as Promise<Browser>;
}

/** Saves a screenshot as test-artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
