/**
 * The provider starts through a loader with V8's code cache (scripts/provider-loader.cjs): a cache
 * that is missing, or made by another Node (rejected by V8), only costs time, never the start.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BUILT = path.join(__dirname, '..', 'dist', 'provider');
const NAME = 'terraform-provider-authority.js';
/** What terraform sets to start a plugin (without TLS: the handshake line is all these tests read). */
const PLUGIN_ENV = {
  PATH: process.env.PATH, TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2',
  PLUGIN_PROTOCOL_VERSIONS: '6', TF_DISABLE_PLUGIN_TLS: '1',
};

function handshake(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, NAME)], {
      env: PLUGIN_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        child.kill('SIGKILL');
        resolve(out.trim());
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`the provider exited (${code}) before its handshake: ${err}`)));
  });
}

function copyOfBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-provider-'));
  for (const f of fs.readdirSync(BUILT)) fs.copyFileSync(path.join(BUILT, f), path.join(dir, f));
  return dir;
}

test('the build ships a code cache beside the bundle', () => {
  expect(fs.statSync(path.join(BUILT, `${NAME.replace(/\.js$/, '.bundle.js')}.cache`)).size).toBeGreaterThan(100_000);
});

test.each([
  ['as built', (_dir: string) => undefined],
  ['without its cache', (dir: string) => fs.rmSync(path.join(dir, 'terraform-provider-authority.bundle.js.cache'))],
  ['with a cache V8 rejects', (dir: string) => fs.writeFileSync(path.join(dir, 'terraform-provider-authority.bundle.js.cache'), Buffer.alloc(4096, 7))],
])('the provider starts and hands terraform its address %s', async (_label, change) => {
  const dir = copyOfBuild();
  try {
    change(dir);
    expect(await handshake(dir)).toMatch(/^1\|6\|unix\|[^|]+\|grpc\|$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a start to the handshake loads no fetch implementation (pg\'s Cloudflare probe is left out of the build)', async () => {
  const dir = copyOfBuild();
  const trap = path.join(dir, 'trap.cjs');
  // At the handshake line: which of Node's fetch modules (undici, ~20 ms to load) are loaded.
  fs.writeFileSync(trap, `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes('|grpc|')) process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => /undici/.test(m))) + '\\n');
  return write(chunk, ...rest);
};`);
  try {
    const child = spawn(process.execPath, ['--require', trap, path.join(dir, NAME)], {
      env: PLUGIN_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => { if (String(d).includes('|grpc|')) child.kill('SIGKILL'); });
    await new Promise((resolve) => child.on('close', resolve));
    expect(err).toContain('LOADED []');
    // pg is loaded on first use, so the start above may not reach the probe: the bundle must not hold it either.
    expect(fs.readFileSync(path.join(dir, NAME.replace(/\.js$/, '.bundle.js')), 'utf8')).not.toMatch(/cf:\s*\{\s*thing:/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
