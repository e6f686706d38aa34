// The project's build: bundles the provider and lays it into the local provider mirror, and
// bundles the project's commands. Runs on `npm install` (prepare) and `npm run build`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { buildProvider } from './build-provider.mjs';

const started = Date.now();
try {
  await buildProvider({ entry: 'provider/main.ts', outfile: 'dist/provider/terraform-provider-authority.js', codeCache: true });
  await build({
    entryPoints: { 'tooling/embedded': 'tooling/embedded.ts', 'tooling/mirror': 'tooling/mirror-cli.ts', 'cli/authority': 'cli/authority.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    // dist/cli/authority.js is the package's bin (`npx authority`).
    banner: { js: '#!/usr/bin/env node' },
  });
  chmodSync('dist/cli/authority.js', 0o755);
  execFileSync(process.execPath, ['dist/tooling/mirror.js'], { stdio: 'inherit' });
} catch (e) {
  // A failed build says what failed in one line (esbuild has printed its own errors above).
  console.error(`authority: the build failed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
console.log(`authority: built the provider and its local mirror in ${((Date.now() - started) / 1000).toFixed(1)} s`);
