/**
 * A user's own organization: `map`, `explain` and `mcp` take the app their cdktf.json names (or
 * `--app <command>`, or `--app <folder it synthesized>`), not the example. The app here is a small
 * throwaway cdktf project in a temp folder, bundled and run as a user's would be.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/authority';
import { PROJECT, captureIo } from './map-support';

let dir: string;

const APP = `
import { App } from ${JSON.stringify(path.join(PROJECT, 'node_modules', 'cdktf'))};
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Platform, PlatformKind } from ${JSON.stringify(path.join(PROJECT, 'constructs', 'src'))};
const app = new App();
const domain = new Domain(app, 'orders', { governedBy: 'Order desk' });
const shop = new Platform({ name: 'shop', kind: PlatformKind.ERP, title: 'the shop' });
const desk = new Platform({ name: 'desk', kind: PlatformKind.INTERNAL_TOOL, title: 'the order desk' });
const order = new Concept(domain, 'Order');
order.addField('total', shop.at('orders.total'), desk.at('orders.total'));
new AuthorityPolicy(domain, 'order-totals', {
  concept: order, authority: shop, origin: shop, copies: [Copy.readOnly(desk)], divergence: Divergence.AUTHORITY_WINS,
  correction: CorrectionPath.at(shop, { how: 'credit the order in the shop', contact: '#order-desk' }),
});
app.synth();
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-user-app-'));
  fs.writeFileSync(path.join(dir, 'main.ts'), APP);
  const esbuild = path.join(PROJECT, 'node_modules', 'esbuild', 'bin', 'esbuild');
  // The app command a user's cdktf.json would name: bundle main.ts, run it.
  const app = `${JSON.stringify(esbuild)} main.ts --bundle --platform=node --log-level=error --outfile=dist/main.js && ${JSON.stringify(process.execPath)} dist/main.js`;
  fs.writeFileSync(path.join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('in a project with a cdktf.json, map and explain answer for the app it names, not the example', async () => {
  const io = captureIo(dir);
  expect(await runCli(['map'], io)).toBe(0);
  const map = JSON.parse(io.stdout.join(''));
  expect(map.facts.map((f: any) => f.id)).toEqual(['order.total']);
  expect(map.domains).toEqual([expect.objectContaining({ id: 'orders', governedBy: 'Order desk' })]);

  const explained = captureIo(dir);
  expect(await runCli(['explain', 'desk:orders.total'], explained)).toBe(0);
  const text = explained.stdout.join('\n');
  expect(text).toContain('desk:public.orders.total holds order.total: it is a copy, not the authority.');
  expect(text).toContain('Correct order.total in the shop (shop): credit the order in the shop. Ask #order-desk.');
});

test('--app takes a folder the app synthesized, and a command', async () => {
  const out = path.join(dir, 'synthesized');
  execFileSync('sh', ['-c', JSON.parse(fs.readFileSync(path.join(dir, 'cdktf.json'), 'utf8')).app], { cwd: dir, env: { ...process.env, CDKTF_OUTDIR: out }, stdio: 'pipe' });
  const fromFolder = captureIo();
  expect(await runCli(['explain', 'order.total', '--json', '--app', out], fromFolder)).toBe(0);
  expect(JSON.parse(fromFolder.stdout.join(''))).toMatchObject({ fact: 'order.total', domain: 'orders', answers: { origin: { authority: 'shop' } } });

  const fromCommand = captureIo(dir);
  expect(await runCli(['map', '--format=markdown', `--app=${process.execPath} dist/main.js`], fromCommand)).toBe(0);
  expect(fromCommand.stdout.join('')).toContain('order.total');
});

test('with no cdktf.json and no --app, it says what to do', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-no-app-'));
  try {
    const io = captureIo(empty);
    expect(await runCli(['explain', 'order.total'], io)).toBe(1);
    expect(io.stderr.join('')).toContain(`No cdktf.json in ${empty}, so no organization to map. Run from your CDK for Terraform project`);
    expect(io.stderr.join('')).toContain('or pass --app "<command that synthesizes it>" or --app <folder it synthesized, e.g. cdktf.out>.');

    const nothing = captureIo(empty);
    expect(await runCli(['map', '--app', empty], nothing)).toBe(1);
    expect(nothing.stderr.join('')).toContain(`${empty} holds no synthesized Domain`);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('an app that fails is reported with its own words', async () => {
  const io = captureIo(dir);
  expect(await runCli(['map', '--app', 'node -e "console.error(\'policy broken: no authority\'); process.exit(3)"'], io)).toBe(1);
  expect(io.stderr.join('')).toContain('failed in');
  expect(io.stderr.join('')).toContain('(exit 3):\npolicy broken: no authority');
});
