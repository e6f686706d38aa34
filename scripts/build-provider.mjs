#!/usr/bin/env node
/**
 * Builds a Terraform provider written in TypeScript into one CommonJS file.
 *
 *   node scripts/build-provider.mjs <entry.ts> <outfile.js>
 *   import { buildProvider } from './scripts/build-provider.mjs';
 *   await buildProvider({ entry: 'provider/main.ts', outfile: 'dist/provider.js' });
 *
 * Terraform starts the provider several times per command, so start-up time
 * matters: the .proto files are compiled to JSON here (the bundle never parses
 * .proto), and everything is bundled into one file (no module resolution at
 * start).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import protobuf from 'protobufjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = path.join(repoRoot, 'provider', 'protocol', 'proto');
const protoFiles = ['tfplugin6.proto', 'go_plugin.proto', 'health.proto'];

/** The descriptor file that provider/protocol/descriptors.ts loads. */
export const descriptorFile = path.join(protoDir, 'descriptors.json');

/** Compiles the .proto files to protobufjs JSON; rewrites the file only when it changes. */
export function compileProtos() {
  const root = new protobuf.Root();
  // keepCase: the JS objects use the proto's own snake_case field names.
  root.loadSync(protoFiles.map((f) => path.join(protoDir, f)), { keepCase: true });
  root.resolveAll(); // fails here, not at run time, on a dangling type name
  const json = `${JSON.stringify(root.toJSON(), null, 1)}\n`;
  if (!existsSync(descriptorFile) || readFileSync(descriptorFile, 'utf8') !== json) {
    writeFileSync(descriptorFile, json);
  }
  return descriptorFile;
}

/**
 * protobufjs looks up optional modules ("long", "buffer") with a dynamic
 * require. In a bundle that would resolve against whatever node_modules sits
 * near the output file; pin the answer instead: Node's Buffer, and no
 * long.js (int64 fields then decode to plain numbers).
 */
const pinProtobufOptionalModules = {
  name: 'pin-protobuf-optional-modules',
  setup(b) {
    b.onResolve({ filter: /^@protobufjs\/inquire$/ }, () => ({ path: 'inquire', namespace: 'pinned' }));
    b.onLoad({ filter: /.*/, namespace: 'pinned' }, () => ({
      contents: "module.exports = (name) => (name === 'buffer' ? require('buffer') : null);",
      loader: 'js',
    }));
  },
};

/**
 * @param {{ entry: string, outfile: string, minify?: boolean }} options
 *   entry: the provider's TypeScript (or JS) entry, which calls `serve(...)`;
 *   outfile: where the bundle goes (made executable, with a node shebang);
 *   minify: default true.
 * @returns {Promise<{ outfile: string, bytes: number }>}
 */
export async function buildProvider({ entry, outfile, minify = true }) {
  compileProtos();
  const out = path.resolve(outfile);
  await build({
    entryPoints: [path.resolve(entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
    plugins: [pinProtobufOptionalModules],
  });
  chmodSync(out, 0o755);
  return { outfile: out, bytes: readFileSync(out).length };
}

const runAsScript = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (runAsScript) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    console.error('usage: node scripts/build-provider.mjs <entry.ts> <outfile.js>');
    process.exit(2);
  }
  buildProvider({ entry, outfile }).then(
    (r) => console.error(`built ${r.outfile} (${(r.bytes / 1024).toFixed(0)} KiB)`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
