/**
 * Installing a Debian package the tests need (Chromium, a second PostgreSQL version) where the
 * project can: as root with apt-get. Elsewhere the caller says what to install.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Whether this process may install packages itself. */
export function canInstallPackages(): boolean {
  return os.userInfo().uid === 0 && fs.existsSync('/usr/bin/apt-get');
}

/** `apt-get install -y --no-install-recommends <packages>`, updating the lists once if that fails; the output's tail when it fails. */
export function aptInstall(packages: string[]): { ok: boolean; output: string } {
  const apt = (args: string[]) => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  let result = apt(['install', '-y', '--no-install-recommends', ...packages]);
  if (result.status !== 0) {
    apt(['update']); // a fresh machine has no package lists yet
    result = apt(['install', '-y', '--no-install-recommends', ...packages]);
  }
  return { ok: result.status === 0, output: (result.stderr || result.stdout || '').slice(-1500) };
}
