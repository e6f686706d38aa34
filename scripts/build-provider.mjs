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
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * Modules whose initialisation waits for their first use: `pg` loads a dozen modules (and probes
 * for optional ones) that a provider start answering only GetProviderSchema never needs. The
 * stub has the module's export names as getters; esbuild's interop copies them as getters, so
 * nothing loads until a member is read.
 */
const LAZY_MODULES = {
  pg: ['defaults', 'Client', 'Query', 'Pool', '_pools', 'Connection', 'types', 'DatabaseError', 'TypeOverrides', 'escapeIdentifier', 'escapeLiteral', 'Result', 'utils'],
};
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    const names = Object.keys(LAZY_MODULES);
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) =>
      (args.pluginData?.real ? undefined : { path: args.path, namespace: 'lazy', pluginData: { resolveDir: args.resolveDir } }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(`lazy-real:${args.path}`)}));`,
        ...LAZY_MODULES[args.path].map((k) => `Object.defineProperty(module.exports, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`),
      ].join('\n'),
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
      pluginData: args.pluginData,
    }));
    b.onResolve({ filter: /^lazy-real:/ }, async (args) => {
      const found = await b.resolve(args.path.slice('lazy-real:'.length), { resolveDir: args.resolveDir, kind: 'require-call', pluginData: { real: true } });
      return found.errors.length ? { errors: found.errors } : { path: found.path, external: found.external };
    });
  },
};

/**
 * pg asks whether it runs on Cloudflare Workers by making a `Response` when Node has no
 * `navigator` (Node 20): that loads Node's fetch implementation, ~20 ms of every provider start.
 * The provider runs on Node only; a pg that asks differently fails the build, to be looked at.
 */
const PG_WORKERS_PROBE = "if (typeof Response === 'function') {";
const skipPgWorkersProbe = {
  name: 'skip-pg-workers-probe',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(PG_WORKERS_PROBE)) {
        return { errors: [{ text: `pg's Cloudflare Workers probe changed (${args.path}): update skipPgWorkersProbe in scripts/build-provider.mjs` }] };
      }
      return { contents: source.replace(PG_WORKERS_PROBE, 'if (false) { // the provider runs on Node (scripts/build-provider.mjs)'), loader: 'js' };
    });
  },
};

/**
 * Writes an executable file whole or not at all: terraform may start the provider while a build
 * runs (a test run beside `npm run build`), and a half-written file would fail its handshake.
 */
export function writeAtomically(file, contents) {
  // esbuild no longer writes (write: false), so nothing else makes the folder on a fresh clone.
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, contents, { mode: 0o755 });
    chmodSync(temporary, 0o755);
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * The bundle starts through scripts/provider-loader.cjs with V8's code cache of one real start
 * (to the handshake, as terraform starts it), made here.
 */
function writeLoaderAndCache(out, bundle) {
  const loader = readFileSync(path.join(repoRoot, 'scripts', 'provider-loader.cjs'), 'utf8')
    .replace('BUNDLE_NAME', JSON.stringify(path.basename(bundle)));
  writeAtomically(out, loader);
  rmSync(`${bundle}.cache`, { force: true });
  try {
    execFileSync(process.execPath, [out], {
      env: {
        PATH: process.env.PATH,
        TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2',
        PLUGIN_PROTOCOL_VERSIONS: '6',
        TF_DISABLE_PLUGIN_TLS: '1',
        AUTHORITY_PRODUCE_CODE_CACHE: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30_000,
    });
  } catch (e) {
    // Without a cache the provider compiles at each start: slower, still correct.
    console.error(`authority: no code cache for the provider (${e.message.split('\n')[0]})`);
  }
}

/**
 * @param {{ entry: string, outfile: string, minify?: boolean, codeCache?: boolean }} options
 *   entry: the provider's TypeScript (or JS) entry, which calls `serve(...)`;
 *   outfile: where the bundle goes (made executable, with a node shebang);
 *   minify: default true;
 *   codeCache: start through a loader with V8's code cache (the bundle then sits beside outfile
 *   as <name>.bundle.js); default false.
 * @returns {Promise<{ outfile: string, bytes: number }>}
 */
export async function buildProvider({ entry, outfile, minify = true, codeCache = false }) {
  compileProtos();
  const out = path.resolve(outfile);
  const bundle = codeCache ? out.replace(/(\.js)?$/, '.bundle.js') : out;
  const built = await build({
    entryPoints: [path.resolve(entry)],
    outfile: bundle,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    sourcemap: false,
    legalComments: 'none',
    // The loader is the executable when there is a code cache; vm.Script takes no shebang.
    ...(codeCache ? {} : { banner: { js: '#!/usr/bin/env node' } }),
    logLevel: 'warning',
    plugins: [pinProtobufOptionalModules, lazyModules, skipPgWorkersProbe],
  });
  writeAtomically(bundle, built.outputFiles[0].contents);
  if (codeCache) writeLoaderAndCache(out, bundle);
  return { outfile: out, bytes: readFileSync(bundle).length };
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
