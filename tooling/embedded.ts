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
import { GUARD_FIXED_ARGS } from '../provider/platforms/postgresql/guard-sql';
import { EXAMPLE_SCHEMAS, OPERATOR_ROLE, prepareExamplePlatform } from '../embedded/example-platforms';
import { CDKTF_HOME, CDKTF_OUT, EMBEDDED_APPS, EMBEDDED_CONNECTIONS, EMBEDDED_DIR, PROJECT_DIR, STATE_DIR } from './paths';
import { EDITOR_EMAIL } from '../embedded/directus-setup';
import { terraformEnv } from './terraform-env';
import { byStack, clean, stackResult } from './cdktf-output';
import { stopDirectus } from '../embedded/directus';
import { DIRECTUS_DIR } from './directus-platform';
import { stopTryton } from '../embedded/tryton';
import { TRYTON_PERSON_LOGIN } from '../embedded/tryton-setup';
import { TRYTON_DATABASE, TRYTON_DIR, TRYTON_HOST_PLATFORM, TRYTON_PLATFORM } from './tryton-platform';
import { display, runCommand, say } from './command-line';

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

  const apps = await runningApps();
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
  for (const [stack, lines] of byStack(output, fs.readdirSync(path.join(CDKTF_OUT, 'stacks')))) {
    const result = stackResult(stack, lines, output);
    say(`  ${stack.padEnd(12)} ${result}`);
    for (const l of lines.filter((l) => /^# .* will be /.test(l))) say(`  ${''.padEnd(12)}   ${l.replace(/^# /, '').replace(/ \(.*\)/, '')}`);
  }
  // Tryton's database (on the CRM's server) holds guards and routes of its own: the platform tryton-db.
  const host = servers.find(([n]) => n === TRYTON_HOST_PLATFORM)?.[1];
  const storages = apps.some(([, app]) => app === 'tryton') && host ? [[`${TRYTON_PLATFORM}-db`, host, TRYTON_DATABASE] as const] : [];
  await showWhereToLook([...servers.map(([n, server]) => [n, server, n] as const), ...storages]);
  for (const [name, app, url] of apps) {
    if (app === 'tryton') {
      say(`\nThe CRM's parties are in Tryton (platform ${name}): JSON-RPC at ${url}/`);
      say(`  person  ${TRYTON_PERSON_LOGIN}, password in ${display(path.join(TRYTON_DIR, `${TRYTON_PERSON_LOGIN}-password`))}`);
      say('  A party category is a campaign: its name is read-only there, and its help names the CRM and how to correct it.');
      say('  A party\'s name is Tryton\'s: rename one and the ops tool\'s customers.display_name and the CMS\'s accounts.display_name follow.');
      continue;
    }
    say(`\n${name === 'cms' ? 'The CMS' : name} is Directus: ${url}/admin/content/campaigns`);
    say(`  editor  ${EDITOR_EMAIL}, password in ${display(path.join(DIRECTUS_DIR, 'editor-password'))}`);
    say('  Open a campaign: its name is read-only there, and its note names the CRM and how to correct it.');
    if (apps.some(([, kind]) => kind === 'tryton')) {
      say(`  Open an account (${url}/admin/content/accounts): its display name is a party's name in Tryton, read-only, its note naming Tryton.`);
    }
  }
}

/**
 * The applications `npm run start:apps` recorded (platform -> Directus URL), each checked to
 * answer: the policies make them platforms of their own, so a stopped one would fail the apply.
 */
async function runningApps(): Promise<[string, 'directus' | 'tryton', string][]> {
  if (!fs.existsSync(EMBEDDED_APPS)) return [];
  const apps = JSON.parse(fs.readFileSync(EMBEDDED_APPS, 'utf8')) as Record<string, { directus?: { url: string }; tryton?: { url: string } }>;
  const found: [string, 'directus' | 'tryton', string][] = [];
  for (const [name, app] of Object.entries(apps)) {
    if (app.directus) {
      const answers = await fetch(`${app.directus.url}/server/ping`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
      if (!answers) throw new Error(`Directus for platform ${name} (${app.directus.url}) does not answer: run \`npm run start:apps\` to start it again.`);
      found.push([name, 'directus', app.directus.url]);
    } else if (app.tryton) {
      const answers = await fetch(`${app.tryton.url}/`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 0, method: 'common.server.version', params: [] }),
        signal: AbortSignal.timeout(5000),
      }).then((r) => r.ok, () => false);
      if (!answers) throw new Error(`Tryton for platform ${name} (${app.tryton.url}) does not answer: run \`npm run start:apps\` to start it again.`);
      found.push([name, 'tryton', app.tryton.url]);
    }
  }
  return found;
}

/** Lists the protected copies as the databases report them, proves one refusal, says where to look. */
async function showWhereToLook(servers: ReadonlyArray<readonly [string, LocalPostgres, string]>): Promise<void> {
  const guards: { platform: string; table: string; columns: string[]; authority: string; enabled: boolean }[] = [];
  const routes: { platform: string; what: string; enabled: boolean }[] = [];
  let proof: string | undefined;
  for (const [name, server, database] of servers) {
    const db = new Client(server.clientConfig(database));
    await db.connect();
    try {
      const found = await db.query<{ tbl: string; args: Buffer; enabled: string }>(
        `SELECT c.relname AS tbl, t.tgargs AS args, t.tgenabled AS enabled
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE t.tgname LIKE 'authority_guard_%' AND t.tgparentid = 0 ORDER BY 1, 2`);
      // One subscription per authority; its tables are the routes.
      const subscriptions = await db.query<{ source: string; tables: string[]; enabled: boolean }>(
        `SELECT coalesce(substring(obj_description(s.oid, 'pg_subscription') FROM ' from ([^ ]+)\\.'), s.subname) AS source,
                s.subenabled AND EXISTS (SELECT 1 FROM pg_stat_subscription w WHERE w.subid = s.oid AND w.pid IS NOT NULL) AS enabled,
                ARRAY(SELECT r.srrelid::regclass::text FROM pg_subscription_rel r WHERE r.srsubid = s.oid ORDER BY 1) AS tables
           FROM pg_subscription s
          WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.subname LIKE 'authority\\_%' ORDER BY 1`);
      for (const r of subscriptions.rows) {
        routes.push({ platform: name, what: `receives ${r.tables.join(', ')} from ${r.source}`, enabled: r.enabled });
      }
      for (const g of found.rows) {
        // The guard's arguments: sync principal, authority, hint, fact, key, then its columns.
        const args = g.args.toString('utf8').split('\0').slice(0, -1);
        const columns = args.slice(GUARD_FIXED_ARGS);
        guards.push({ platform: name, table: g.tbl, columns, authority: args[1], enabled: g.enabled === 'A' });
        if (proof === undefined) proof = await personEdit(db, g.tbl, columns[0]);
      }
    } finally {
      await db.end();
    }
  }
  say(`\nProtected copies (only the sync writes them; a person is sent to the authority):`);
  for (const g of guards) {
    say(`  ${g.platform.padEnd(8)} ${`${g.table}.${g.columns.join(', ')}`.padEnd(34)} owned by ${g.authority}${g.enabled ? '' : '  (guard DISABLED)'}`);
  }
  if (proof) say(`\nA person's edit of the first one is refused with:\n  ${proof}`);
  say(`\nSync routes (logical replication from each authority to its copies):`);
  for (const r of routes) say(`  ${r.platform.padEnd(8)} ${r.what}${r.enabled ? '' : '  (NOT RUNNING)'}`);
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
  // Directus and Tryton (npm run start:apps) run on the CMS's and the CRM's servers: stop them first.
  const directus = await stopDirectus(DIRECTUS_DIR);
  const tryton = await stopTryton(TRYTON_DIR);
  const dirs = fs.existsSync(EMBEDDED_DIR) ? fs.readdirSync(EMBEDDED_DIR).filter((d) => fs.existsSync(path.join(EMBEDDED_DIR, d, 'data'))) : [];
  await Promise.all(dirs.map((d) => LocalPostgres.stop(path.join(EMBEDDED_DIR, d), true)));
  for (const dir of [EMBEDDED_DIR, STATE_DIR, CDKTF_OUT, CDKTF_HOME]) fs.rmSync(dir, { recursive: true, force: true });
  const apps = [directus && 'Directus', tryton && 'Tryton'].filter(Boolean);
  say(`Stopped ${apps.length > 0 ? `${apps.join(', ')} and ` : ''}${dirs.length} local PostgreSQL server(s) and removed their data, the local state and cdktf.out.`);
}

/** Tries an edit as the example's operator role, rolled back; returns the refusal. */
async function personEdit(db: Client, table: string, column: string): Promise<string> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL ROLE ${OPERATOR_ROLE}`);
    await db.query(`UPDATE ${db.escapeIdentifier(table)} SET ${db.escapeIdentifier(column)} = 'edited by hand' WHERE true`);
    return `(not refused: the guard on ${table}.${column} lets people through)`;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await db.query('ROLLBACK');
  }
}

runCommand('embedded', { up, down });
