/**
 * The Tryton platform from the command line (`npm run start:apps` runs `up` before `npm start`):
 *   install  install Tryton from Debian if needed (as root; elsewhere it says what to install)
 *   up       start trytond on a database of its own on the CRM's PostgreSQL server, set up the
 *            example in it (a person, the sync's group, parties, the campaigns as categories), give
 *            the ops tool its copy of the parties, and record it for the policies
 *            (.authority/embedded/apps.json: the platform "tryton", its database "tryton-db")
 *   down     stop it (`npm run stop` does this too, and removes its folder)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { startTryton, stopTryton, trytonPasswordFile } from '../embedded/tryton';
import { TRYTON_PERSON_LOGIN, opsCustomersSql, setUpTryton } from '../embedded/tryton-setup';
import { TrytonClient } from '../provider/platforms/tryton/client';
import { ensureTryton } from './tryton-install';
import { EMBEDDED_APPS, EMBEDDED_DIR } from './paths';
import { TRYTON_DATABASE, TRYTON_DIR, TRYTON_HOST_PLATFORM, TRYTON_PLATFORM } from './tryton-platform';
import { display, runCommand, say } from './command-line';

async function install(): Promise<void> {
  ensureTryton(say);
  say('authority: Tryton is installed (Debian\'s tryton-server and modules)');
}

async function up(): Promise<void> {
  const started = Date.now();
  const crm = await LocalPostgres.start({ dir: path.join(EMBEDDED_DIR, TRYTON_HOST_PLATFORM) });
  await prepareExamplePlatform(TRYTON_HOST_PLATFORM, crm.clientConfig());
  const tryton = await startTryton({ dir: TRYTON_DIR, postgres: crm.clientConfig(), database: TRYTON_DATABASE, say });
  const personPasswordFile = trytonPasswordFile(path.join(TRYTON_DIR, `${TRYTON_PERSON_LOGIN}-password`));
  const admin = new TrytonClient({ url: tryton.url, database: TRYTON_DATABASE, login: tryton.admin.login, password: read(tryton.admin.passwordFile) });
  const example = await setUpTryton(admin, read(personPasswordFile), await campaignsOf(crm));
  // The ops tool keeps a copy of the parties under its own names (a mapped route fills it).
  const ops = await LocalPostgres.start({ dir: path.join(EMBEDDED_DIR, 'ops') });
  await prepareExamplePlatform('ops', ops.clientConfig());
  await runSql(ops, 'ops', opsCustomersSql(example.parties));

  // The policies read this: the platform "tryton", with its database under it as "tryton-db".
  const apps = fs.existsSync(EMBEDDED_APPS) ? JSON.parse(fs.readFileSync(EMBEDDED_APPS, 'utf8')) : {};
  apps[TRYTON_PLATFORM] = {
    tryton: {
      url: tryton.url, database: TRYTON_DATABASE, user: tryton.admin.login, passwordFile: tryton.admin.passwordFile,
      storage: { ...crm.connection, database: TRYTON_DATABASE },
    },
  };
  fs.writeFileSync(EMBEDDED_APPS, JSON.stringify(apps, null, 2) + '\n');
  say(`\nTryton (the CRM's parties and categories, on a database of the CRM's server) runs at ${tryton.url}  (ready in ${Math.round((Date.now() - started) / 1000)} s)`);
  say(`  database     ${TRYTON_DATABASE} (JSON-RPC at ${tryton.url}/${TRYTON_DATABASE}/)`);
  say(`  person       ${TRYTON_PERSON_LOGIN}, password in ${display(personPasswordFile)}`);
  say(`  admin        ${tryton.admin.login}, password in ${display(tryton.admin.passwordFile)}`);
  say(`  log          ${display(tryton.logFile)}`);
  say(`  npm start now applies the example with Tryton as the platform "${TRYTON_PLATFORM}" (its database is ${TRYTON_PLATFORM}-db);`);
  say('  npm run stop stops it with the servers.');
}

async function down(): Promise<void> {
  say((await stopTryton(TRYTON_DIR)) ? 'authority: stopped Tryton.' : 'authority: Tryton was not running.');
}

/** The CRM's campaigns, in id order. */
async function campaignsOf(crm: LocalPostgres): Promise<{ id: number; name: string }[]> {
  const db = new Client(crm.clientConfig(TRYTON_HOST_PLATFORM));
  await db.connect();
  try {
    return (await db.query<{ id: number; name: string }>('SELECT id, name FROM campaigns ORDER BY id')).rows;
  } finally {
    await db.end();
  }
}

async function runSql(server: LocalPostgres, database: string, sql: string): Promise<void> {
  const db = new Client(server.clientConfig(database));
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

runCommand('tryton', { install, up, down });
