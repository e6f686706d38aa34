// The cdktf app command: bundles main.ts (policies and constructs included) with esbuild, so an
// edited policy is picked up on the next `cdktf plan` without a separate compile, then runs it.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const outfile = path.resolve('dist/app/main.js');
await build({
  entryPoints: ['main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
});
createRequire(import.meta.url)(outfile);
