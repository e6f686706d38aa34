/**
 * The README's main job, as a user runs it: `npm start` on the embedded default (real servers,
 * the cdktf CLI, terraform, the provider), again with no changes, plain `cdktf plan` with no
 * terraform CLI configuration at all, and `npm run stop`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { Contract } from '../constructs/src/contract';

const PROJECT = path.join(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-home-'));
fs.chmodSync(home, 0o755);
const env = { ...process.env, AUTHORITY_HOME: home, CHECKPOINT_DISABLE: '1' };

function run(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(file, args, { cwd: PROJECT, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 240_000 });
  // eslint-disable-next-line no-control-regex
  const output = (r.stdout + r.stderr).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return { code: r.status, output };
}

const embedded = (command: string) => run(process.execPath, [path.join(PROJECT, 'dist', 'tooling', 'embedded.js'), command]);

/** Whether a process runs: a zombie waiting for its reaper does not. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

afterAll(() => {
  embedded('down');
  fs.rmSync(home, { recursive: true, force: true });
});

test('npm start applies the example, shows the refusal, and plans no changes when run again', () => {
  const first = embedded('up');
  const domains = ['accounts', 'billing', 'campaigns', 'content', 'operations', 'support'];
  expect(first.output).toMatch(/campaigns +7 added, 0 changed, 0 destroyed\./);
  expect(first.output).toContain('authority_field_protection.campaign-naming_ops-campaigns_74955C61 will be created');
  expect(first.output).toMatch(/ops +campaigns\.name +owned by crm/);
  expect(first.output).toMatch(/bi +tickets\.status +owned by support/);
  expect(first.output).toContain("A person's edit of the first one is refused with:");
  expect(first.output).toContain('is a read-only copy here.');
  expect(first.output).not.toContain('DISABLED');
  expect(first.output).not.toContain('NOT RUNNING'); // every copy's receiver is streaming
  expect(first.code).toBe(0);

  expect(first.output).toMatch(/ops +receives campaigns from crm\n/);
  expect(first.output).toMatch(/bi +receives accounts, campaigns from crm\n/); // one subscription carries both domains' tables

  const again = embedded('up');
  for (const domain of domains) expect(again.output).toMatch(new RegExp(`${domain} +no changes`));
  expect(again.code).toBe(0);
});

test('the example syncs for real: a campaign renamed in the CRM reaches every copy within its route\'s declared max_lag', async () => {
  const connections = JSON.parse(fs.readFileSync(path.join(home, 'embedded', 'connections.json'), 'utf8'));
  const connect = async (name: string) => {
    const c = connections[name];
    const db = new Client({ host: c.host, port: c.port, database: c.database, user: c.username, password: fs.readFileSync(c.passwordFile, 'utf8').trim() });
    await db.connect();
    return db;
  };
  // What the campaigns domain declares, as terraform sees it: each copy's route and its max_lag.
  const stack = JSON.parse(fs.readFileSync(path.join(home, 'cdktf.out', 'stacks', 'campaigns', 'cdk.tf.json'), 'utf8'));
  const routes = Object.values<any>(stack.resource.authority_sync_route).filter((r) => r.authority === 'crm' && r.table === 'campaigns');
  expect(routes.map((r) => [r.copy, r.max_lag]).sort()).toEqual([['bi', '5m'], ['cms', '5m'], ['ops', '5m']]);
  const [crm, ...copies] = await Promise.all(['crm', ...routes.map((r) => r.copy)].map(connect));
  try {
    const name = `Renamed at ${Date.now()}`;
    await crm.query('SET ROLE operator'); // a person, editing at the authority
    const edited = Date.now();
    await crm.query('UPDATE campaigns SET name = $1 WHERE id = 1', [name]);
    for (const [i, db] of copies.entries()) {
      // Within the declared lag; a broken route fails after 30 s rather than the full 5 minutes.
      const limit = Math.min(Contract.parseLag(routes[i].max_lag)! * 1000, 30_000);
      let seen = '';
      while (seen !== name && Date.now() - edited < limit) {
        seen = (await db.query('SELECT name FROM campaigns WHERE id = 1')).rows[0].name;
        if (seen !== name) await new Promise((r) => setTimeout(r, 50));
      }
      expect([routes[i].copy, seen]).toEqual([routes[i].copy, name]);
    }
  } finally {
    await Promise.all([crm, ...copies].map((db) => db.end()));
  }
});

test('plain cdktf plan finds the provider offline with no terraform CLI configuration', () => {
  const emptyConfig = path.join(home, 'empty.tfrc');
  fs.writeFileSync(emptyConfig, '');
  const plan = run(path.join(PROJECT, 'node_modules', '.bin', 'cdktf'), ['plan', 'campaigns', '--output', path.join(home, 'cdktf.out')], {
    TF_CLI_CONFIG_FILE: emptyConfig,
  });
  expect(plan.output).toContain('No changes.');
  expect(plan.code).toBe(0);
});

test('npm run stop stops the servers and removes their data', () => {
  const pidFiles = ['crm', 'cms', 'ops', 'erp', 'support', 'bi'].map((p) => path.join(home, 'embedded', p, 'data', 'postmaster.pid'));
  const pids = pidFiles.map((f) => Number(fs.readFileSync(f, 'utf8').split('\n')[0]));
  const down = embedded('down');
  expect(down.output).toContain('Stopped 6 local PostgreSQL server(s)');
  for (const pid of pids) expect(alive(pid)).toBe(false);
  expect(fs.existsSync(path.join(home, 'embedded'))).toBe(false);
  expect(fs.existsSync(path.join(home, 'state'))).toBe(false);
});
