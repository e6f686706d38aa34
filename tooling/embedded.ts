/**
 * The embedded default: the example organization on local PostgreSQL servers.
 *   up    start a server per example platform, synthesize, plan and apply with cdktf, and show
 *         what changed and where to look. Run again, it plans no changes.
 *   down  stop the servers and remove their data, the local state and cdktf.out.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { EXAMPLE_SCHEMAS, OPERATOR_ROLE, prepareExamplePlatform } from '../embedded/example-platforms';
import { CDKTF_HOME, CDKTF_OUT, EMBEDDED_CONNECTIONS, EMBEDDED_DIR, PROJECT_DIR, STATE_DIR } from './paths';
import { terraformEnv } from './terraform-env';

const CDKTF = path.join(PROJECT_DIR, 'node_modules', '.bin', 'cdktf');

async function up(): Promise<void> {
  const names = Object.keys(EXAMPLE_SCHEMAS);
  say(`Starting local PostgreSQL servers for ${names.join(', ')} (data in ${display(EMBEDDED_DIR)}/) ...`);
  const servers = await Promise.all(names.map(async (name) => {
    const server = await LocalPostgres.start({ dir: path.join(EMBEDDED_DIR, name) });
    await prepareExamplePlatform(name, server.clientConfig());
    return [name, server] as const;
  }));
  const connections = Object.fromEntries(servers.map(([name, s]) => [name, { ...s.connection, database: name }]));
  fs.writeFileSync(EMBEDDED_CONNECTIONS, JSON.stringify(connections, null, 2) + '\n');

  say('Synthesizing the policies, planning and applying with cdktf ...');
  const env = terraformEnv();
  const apply = spawnSync(CDKTF, ['apply', '*', '--auto-approve', '--output', CDKTF_OUT], {
    cwd: PROJECT_DIR, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = clean(apply.stdout + apply.stderr);
  if (apply.status !== 0) {
    process.stderr.write(output + '\n');
    throw new Error('cdktf apply failed (output above).');
  }
  const changes = output.split('\n').filter((l) => /Apply complete|No changes|will be (created|updated|destroyed)|Creation complete|Modifications complete|Destruction complete/.test(l));
  say(changes.length ? changes.map((l) => '  ' + l.trim()).join('\n') : '  (cdktf reported nothing)');
  await showWhereToLook(servers.map(([n, s]) => [n, s] as const));
}

/** Proves the protection on each copy the way a person meets it, then says where to look. */
async function showWhereToLook(servers: ReadonlyArray<readonly [string, LocalPostgres]>): Promise<void> {
  for (const [name, server] of servers) {
    const db = new Client(server.clientConfig(name));
    await db.connect();
    try {
      const guards = await db.query<{ tbl: string; tgname: string; enabled: string }>(
        `SELECT c.relname AS tbl, t.tgname, t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE t.tgname LIKE 'authority_guard_%' ORDER BY 1, 2`);
      for (const g of guards.rows) {
        const cols = await db.query<{ col: string }>(
          `SELECT a.attname AS col FROM pg_trigger t JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr::int2[])
            WHERE t.tgname = $1 AND t.tgrelid = $2::regclass`, [g.tgname, g.tbl]);
        const col = cols.rows[0]?.col;
        if (!col) continue;
        await db.query('BEGIN');
        try {
          await db.query(`SET LOCAL ROLE ${OPERATOR_ROLE}`);
          await db.query(`UPDATE ${db.escapeIdentifier(g.tbl)} SET ${db.escapeIdentifier(col)} = 'edited by hand' WHERE true`);
          say(`\n${name}: ${g.tbl}.${col}: a person's edit was NOT refused (guard ${g.tgname} is ${g.enabled === 'O' ? 'enabled' : 'disabled'})`);
        } catch (e) {
          say(`\n${name}: ${g.tbl}.${cols.rows.map((r) => r.col).join(', ')} is now a read-only copy. A person's edit is refused with:\n  ${(e as Error).message}`);
        } finally {
          await db.query('ROLLBACK');
        }
      }
    } finally {
      await db.end();
    }
  }
  const c = servers.find(([n]) => n === 'ops')?.[1].connection;
  const rows: [string, string][] = [
    ['policies/', 'the policies in code, one file per domain'],
    ['cdktf.out/stacks/<domain>/cdk.tf.json', 'the synthesized Terraform JSON'],
    ['npx cdktf plan <domain>', 'a plan against the live platforms (edit a policy, then plan)'],
    ...(c ? [[`PGPASSWORD=$(cat ${display(c.passwordFile)}) psql -h ${c.host} -p ${c.port} -U ${c.username} ops`, 'the ops tool\'s database'] as [string, string]] : []),
    ['npm run stop', 'stop the servers and clean up'],
  ];
  say('\nWhere to look:');
  for (const [what, why] of rows) say(`  ${what}\n      ${why}`);
}

async function down(): Promise<void> {
  const dirs = fs.existsSync(EMBEDDED_DIR) ? fs.readdirSync(EMBEDDED_DIR).filter((d) => fs.existsSync(path.join(EMBEDDED_DIR, d, 'data'))) : [];
  await Promise.all(dirs.map((d) => LocalPostgres.stop(path.join(EMBEDDED_DIR, d), true)));
  for (const dir of [EMBEDDED_DIR, STATE_DIR, CDKTF_OUT, CDKTF_HOME]) fs.rmSync(dir, { recursive: true, force: true });
  say(`Stopped ${dirs.length} local PostgreSQL server(s) and removed their data, the local state and cdktf.out.`);
}

/** A path as short as it can be said: relative to the project when inside it. */
function display(p: string): string {
  const rel = path.relative(PROJECT_DIR, p);
  return rel.startsWith('..') ? p : rel;
}

function say(text: string): void {
  process.stdout.write(text + '\n');
}

/** cdktf prints spinner and colour codes even without a TTY. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
}

const command = process.argv[2];
const actions: Record<string, () => Promise<void>> = { up, down };
if (!actions[command]) {
  process.stderr.write('usage: embedded up | down\n');
  process.exit(2);
}
actions[command]().catch((e: Error) => {
  process.stderr.write(`authority: ${e.message}\n`);
  process.exit(1);
});
