/**
 * The local provider mirror: where terraform finds terraform-provider-authority offline.
 *
 * The build lays the bundled provider out as an unpacked filesystem mirror in dist/mirror. Each
 * synthesized stack folder gets `terraform.d/plugins` pointing at it: terraform treats that
 * folder (relative to where it runs) as an implied local mirror, so plain `cdktf plan` and
 * `terraform init` find the provider with no CLI configuration and nothing in the user's home.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PROVIDER_HOST = 'authority.local';
export const PROVIDER_NAMESPACE = 'authority';
export const PROVIDER_TYPE = 'authority';

import { PROJECT_DIR } from './paths';

export const MIRROR_DIR = path.join(PROJECT_DIR, 'dist', 'mirror');
export const PROVIDER_BUNDLE = path.join(PROJECT_DIR, 'dist', 'provider', 'terraform-provider-authority.js');

export function providerVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')).version;
}

/** Terraform's name for this machine's platform, e.g. linux_amd64 or darwin_arm64. */
export function terraformPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${process.platform}_${arch[process.arch] ?? process.arch}`;
}

/**
 * Writes the provider into the mirror: a small shell wrapper that runs the bundle with this
 * Node (named absolutely: terraform may start plugins with a PATH that lacks node).
 */
export function writeMirror(): string {
  const version = providerVersion();
  const dir = packageDir(version);
  // Other versions go; this one is replaced in one rename, so a terraform init running beside
  // the build never finds the mirror empty or the wrapper half-written.
  const versions = path.join(MIRROR_DIR, PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE);
  for (const other of fs.existsSync(versions) ? fs.readdirSync(versions) : []) {
    if (other !== version) fs.rmSync(path.join(versions, other), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  const exe = path.join(dir, `terraform-provider-${PROVIDER_TYPE}_v${version}`);
  // Outside the mirror: terraform reads every folder in it (and hashes the version's folder for the
  // lock file), so a leftover from a killed build must not land there.
  const temporary = path.join(path.dirname(MIRROR_DIR), `.mirror-wrapper.${process.pid}.tmp`);
  fs.writeFileSync(temporary, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(PROVIDER_BUNDLE)} "$@"\n`, { mode: 0o755 });
  fs.renameSync(temporary, exe);
  return exe;
}

function packageDir(version: string): string {
  return path.join(MIRROR_DIR, PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, version, terraformPlatform());
}

/**
 * Terraform's "h1:" package checksum (Go's dirhash.Hash1): the SHA-256 of a listing of each
 * file's SHA-256 and relative path, sorted by path.
 */
export function packageHash(dir: string): string {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk('');
  const listing = files.sort().map((f) => `${createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')}  ${f}\n`).join('');
  return `h1:${createHash('sha256').update(listing).digest('base64')}`;
}

/**
 * A lock file that records the locally built provider, so `terraform init` needs no registry
 * and cdktf does not run `terraform providers lock` (which asks the provider's origin host).
 * Rewritten at each synth: a rebuilt provider gets its new checksum, never a stale mismatch.
 */
export function writeLockFile(workDir: string): void {
  const version = providerVersion();
  const lock = [
    '# Written by authority at synth: the provider comes from the project\'s local mirror.',
    '',
    `provider "${PROVIDER_HOST}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}" {`,
    `  version     = "${version}"`,
    `  constraints = "${version}"`,
    '  hashes = [',
    `    "${packageHash(packageDir(version))}",`,
    '  ]',
    '}',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(workDir, '.terraform.lock.hcl'), lock);
}

/** Points `<stackDir>/terraform.d/plugins` at the mirror, for every stack under `outdir`. */
export function linkMirrorIntoStacks(outdir: string): void {
  if (!fs.existsSync(PROVIDER_BUNDLE)) {
    throw new Error(`The provider is not built (${PROVIDER_BUNDLE} is missing). Run \`npm run build\` first.`);
  }
  const stacks = path.join(outdir, 'stacks');
  for (const stack of fs.existsSync(stacks) ? fs.readdirSync(stacks) : []) {
    linkMirror(path.join(stacks, stack));
    writeLockFile(path.join(stacks, stack));
  }
}

export function linkMirror(workDir: string): void {
  const plugins = path.join(workDir, 'terraform.d', 'plugins');
  fs.mkdirSync(path.dirname(plugins), { recursive: true });
  fs.rmSync(plugins, { recursive: true, force: true });
  fs.symlinkSync(MIRROR_DIR, plugins, 'dir');
}

/** A CLI configuration for terraform that installs this provider from the mirror only. */
export function cliConfig(): string {
  return [
    'provider_installation {',
    `  filesystem_mirror {\n    path = ${JSON.stringify(MIRROR_DIR)}\n    include = ["${PROVIDER_HOST}/*/*"]\n  }`,
    `  direct {\n    exclude = ["${PROVIDER_HOST}/*/*"]\n  }`,
    '}',
    '',
  ].join('\n');
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
