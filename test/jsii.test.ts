/**
 * The construct library is usable from other languages: it compiles with jsii, packs for
 * JavaScript and generates Python code, and its committed API reference is current.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const LIB = path.join(__dirname, '..', 'constructs');
const BIN = path.join(__dirname, '..', 'node_modules', '.bin');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-jsii-'));

function run(tool: string, ...args: string[]) {
  const r = spawnSync(path.join(BIN, tool), args, {
    cwd: LIB,
    encoding: 'utf8',
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
  });
  const output = r.stdout + r.stderr;
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${output}`);
  return output;
}

beforeAll(() => {
  run('jsii', '--silence-warnings=reserved-word');
});

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

test('jsii compiles the library without errors', () => {
  const assembly = JSON.parse(fs.readFileSync(path.join(LIB, '.jsii'), 'utf8'));
  expect(Object.keys(assembly.types)).toEqual(expect.arrayContaining([
    '@authority/constructs.AuthorityPolicy', '@authority/constructs.Platform', '@authority/constructs.Copy',
    '@authority/constructs.Propagation', '@authority/constructs.CorrectionPath', '@authority/constructs.Domain',
  ]));
});

test('jsii-pacmak packs it for JavaScript', () => {
  run('jsii-pacmak', '--targets', 'js', '--outdir', path.join(out, 'dist'), '--force');
  expect(fs.readdirSync(path.join(out, 'dist', 'js')).some((f) => f.endsWith('.tgz'))).toBe(true);
});

test('jsii-pacmak generates the Python code', () => {
  run('jsii-pacmak', '--targets', 'python', '--code-only', '--outdir', path.join(out, 'dist'), '--force');
  const init = fs.readFileSync(path.join(out, 'dist', 'python', 'src', 'authority_constructs', '__init__.py'), 'utf8');
  expect(init).toContain('class AuthorityPolicy(');
  expect(init).toContain('def read_only(');
});

test('the committed API reference (constructs/API.md) matches the code; `npm run docs` updates it', () => {
  const generated = path.join(out, 'API.md');
  run('jsii-docgen', '--output', generated);
  expect(fs.readFileSync(generated, 'utf8')).toEqual(fs.readFileSync(path.join(LIB, 'API.md'), 'utf8'));
});
