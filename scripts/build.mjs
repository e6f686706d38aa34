// The project's build: bundles the provider and lays it into the local provider mirror, and
// bundles the project's commands. Runs on `npm install` (prepare) and `npm run build`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { buildProvider } from './build-provider.mjs';

const started = Date.now();
await buildProvider({ entry: 'provider/main.ts', outfile: 'dist/provider/terraform-provider-authority.js' });
await build({
  entryPoints: { 'tooling/embedded': 'tooling/embedded.ts', 'tooling/mirror': 'tooling/mirror-cli.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['dist/tooling/mirror.js'], { stdio: 'inherit' });
console.log(`authority: built the provider and its local mirror in ${((Date.now() - started) / 1000).toFixed(1)} s`);
