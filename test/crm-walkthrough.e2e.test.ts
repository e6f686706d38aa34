/**
 * Issue 13's walk-through on the Tryton side, as the README tells it: `npm run start:apps` runs
 * Tryton (Debian's trytond) on a database of the CRM's server and the example with it. A
 * salesperson in Tryton finds a campaign's category name (a copy of the CRM's campaign name)
 * read-only: Tryton refuses the write with its own message, and fields_get reports the field
 * read-only with the help naming the CRM and how to correct it; SQL under Tryton is refused by
 * the guard. A party's name is Tryton's own: renamed there, it reaches the ops tool's
 * customers.display_name across differing names (mapped by crm_party_id). A campaign renamed in
 * the CRM reaches Tryton. A second start plans no changes; npm run stop stops Tryton.
 *
 * Runs the pieces of start:apps that concern Tryton (tryton.js up, then npm start); Directus's
 * part is test/cms-walkthrough.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { Client } from 'pg';
import { TrytonClient, TrytonError } from '../provider/platforms/tryton/client';
import { waitFor } from './support/wait';

const PROJECT = path.join(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-crm-home-'));
fs.chmodSync(home, 0o755); // the PostgreSQL servers run as another user when tests run as root
const env = { ...process.env, AUTHORITY_HOME: home, CHECKPOINT_DISABLE: '1' };
const tool = (script: string, command: string) => {
  const r = spawnSync(process.execPath, [path.join(PROJECT, 'dist', 'tooling', script), command], { cwd: PROJECT, env, encoding: 'utf8', timeout: 600_000 });
  // eslint-disable-next-line no-control-regex
  return { code: r.status, output: (r.stdout + r.stderr).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
};
const read = (file: string) => fs.readFileSync(file, 'utf8').trim();
const embedded = path.join(home, 'embedded');
const DOMAINS = ['accounts', 'billing', 'campaigns', 'content', 'customers', 'operations', 'support'];

let trytonUp: { code: number | null; output: string };
let started: { code: number | null; output: string };
let url: string;
let person: TrytonClient;
let crm: Client;
let ops: Client;
let trytonDb: Client;

/** A client of one platform's database, as its server's superuser. */
async function database(platform: string, name = platform): Promise<Client> {
  const c = JSON.parse(fs.readFileSync(path.join(embedded, 'connections.json'), 'utf8'))[platform];
  const client = new Client({ host: c.host, port: c.port, user: c.username, password: read(c.passwordFile), database: name });
  await client.connect();
  return client;
}

beforeAll(async () => {
  // npm run build:apps builds this; the suite's global setup builds the rest.
  buildSync({
    entryPoints: [path.join(PROJECT, 'tooling', 'tryton-cli.ts')], outfile: path.join(PROJECT, 'dist', 'tooling', 'tryton.js'),
    bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  // npm run start:apps, the Tryton part: Tryton on the CRM's server, then npm start.
  trytonUp = tool('tryton.js', 'up');
  if (trytonUp.code !== 0) throw new Error(`tryton.js up failed:\n${trytonUp.output}`);
  started = tool('embedded.js', 'up');
  const app = JSON.parse(fs.readFileSync(path.join(embedded, 'apps.json'), 'utf8')).tryton.tryton;
  url = app.url;
  person = new TrytonClient({ url, database: app.database, login: 'sales', password: read(path.join(embedded, 'tryton', 'sales-password')) });
  crm = await database('crm');
  ops = await database('ops');
  trytonDb = await database('crm', app.storage.database);
}, 1_200_000);

afterAll(async () => {
  await Promise.all([crm, ops, trytonDb].map((c) => c?.end().catch(() => undefined)));
  tool('embedded.js', 'down');
  fs.rmSync(home, { recursive: true, force: true });
});

test('start:apps runs Tryton, says where to log in, and applies the example with Tryton as the CRM of parties', () => {
  expect(trytonUp.output).toMatch(/Tryton .* runs at http:\/\/127\.0\.0\.1:\d+/);
  expect(trytonUp.output).toContain('person       sales, password in');
  expect(started.output).toMatch(/customers +4 added, 0 changed, 0 destroyed\./);
  expect(started.output).toContain('authority_field_protection.campaign-naming_tryton-partycategory');
  expect(started.output).toContain('authority_field_protection.campaign-naming_tryton-db-party_category');
  expect(started.output).toMatch(/ops +customers\.display_name +owned by tryton/);
  expect(started.output).toMatch(/ops +receives party_party from tryton-db/);
  expect(started.output).toContain('The CRM\'s parties are in Tryton (platform tryton)');
  expect(started.code).toBe(0);
  // No password in what the person reads.
  expect(trytonUp.output + started.output).not.toContain(read(path.join(embedded, 'tryton', 'sales-password')));
});

test('in Tryton the salesperson cannot rename a campaign\'s category: Tryton refuses, and shows it read-only with the CRM and how to correct it', async () => {
  const [before] = await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name']);
  const refused = await person.model('party.category', 'write', [[2], { name: 'Renamed in Tryton' }]).then(() => undefined, (e: unknown) => e);
  expect(refused).toBeInstanceOf(TrytonError);
  expect((refused as TrytonError).message).toContain('You are not allowed to access "Category.Name".');
  const seen = await person.model<Record<string, { readonly: boolean; help: string }>>('party.category', 'fields_get', [['name']]);
  expect(seen.name.readonly).toBe(true);
  expect(seen.name.help).toContain('The main identifier of the category.'); // Tryton's own help stays
  expect(seen.name.help).toContain('campaign.name is owned by the CRM (crm). Correct it in the CRM: open the campaign and edit its name.');
  // Under Tryton, its database refuses a direct edit too, naming the owner.
  const sql = await trytonDb.query("UPDATE party_category SET name = 'Renamed in SQL' WHERE id = 2").then(() => 'accepted', (e: Error) => e.message);
  expect(sql).toMatch(/read-only copy.*owned by the CRM \(crm\)/);
  expect(await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name'])).toEqual([before]);
});

test('a party renamed in Tryton reaches the ops tool\'s customers.display_name, where a person cannot change it', async () => {
  const [acme] = await person.searchRead<{ id: number }>('party.party', [['name', '=', 'Acme']], ['id']);
  await person.model('party.party', 'write', [[acme.id], { name: 'Acme Corporation' }]);
  const displayName = async () => (await ops.query('SELECT display_name FROM customers WHERE crm_party_id = $1', [acme.id])).rows[0]?.display_name;
  await waitFor('Tryton\'s rename in ops.customers.display_name', async () => (await displayName()) === 'Acme Corporation', 60_000);
  await ops.query('BEGIN');
  const edit = await ops.query("SET LOCAL ROLE operator; UPDATE customers SET display_name = 'Edited in ops'").then(() => 'accepted', (e: Error) => e.message);
  await ops.query('ROLLBACK');
  expect(edit).toMatch(/read-only copy.*owned by the CRM \(Tryton\) \(tryton\)/);
});

test('a campaign renamed in the CRM reaches its category in Tryton', async () => {
  await crm.query("UPDATE campaigns SET name = 'Partner webinar (EMEA)' WHERE id = 2");
  await waitFor('the CRM\'s rename in Tryton', async () =>
    (await person.searchRead<{ name: string }>('party.category', [['id', '=', 2]], ['name']))[0]?.name === 'Partner webinar (EMEA)', 60_000);
});

test('a second start plans no changes', () => {
  const again = tool('embedded.js', 'up');
  for (const domain of DOMAINS) expect(again.output).toMatch(new RegExp(`${domain} +no changes`));
  expect(again.code).toBe(0);
});

test('npm run stop stops Tryton with the servers', async () => {
  await Promise.all([crm.end(), ops.end(), trytonDb.end()]);
  const stopped = tool('embedded.js', 'down');
  expect(stopped.output).toMatch(/Stopped Tryton and \d+ local PostgreSQL server/);
  const answers = await fetch(`${url}/`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(3000) }).then(() => true, () => false);
  expect(answers).toBe(false);
});
