/**
 * The Directus platform from the command line (`npm run start:apps` runs `up` after `npm start`):
 *   install  install the pinned Directus and the test browser if needed (the test global setup)
 *   up       start Directus on the CMS's local PostgreSQL database, record it for the policies
 *            (.authority/embedded/apps.json: the CMS becomes the Directus kind) and say where to log in
 *   down     stop it (`npm run stop` does this too, and removes its folder)
 */
import * as path from 'node:path';
import { LocalPostgres } from '../embedded/local-postgres';
import { prepareExamplePlatform } from '../embedded/example-platforms';
import { startDirectus, stopDirectus } from '../embedded/directus';
import { installApps } from './directus-install';
import { ensureChromium } from './browser';
import * as fs from 'node:fs';
import { EMBEDDED_APPS, EMBEDDED_CONNECTIONS, EMBEDDED_DIR } from './paths';
import { EDITOR_POLICY } from '../embedded/directus-setup';
import { DIRECTUS_COLLECTIONS, DIRECTUS_DIR, DIRECTUS_PLATFORM } from './directus-platform';
import { display, runCommand, say } from './command-line';

async function install(): Promise<void> {
  const apps = await installApps({ say });
  say(`authority: Directus is installed in ${apps.dir}`);
  say(`authority: the test browser is ${ensureChromium(say)}`);
}

async function up(): Promise<void> {
  const started = Date.now();
  if (fs.existsSync(EMBEDDED_CONNECTIONS) && !fs.existsSync(EMBEDDED_APPS)) {
    // The example already runs with the CMS as a bare database: its state names platform "cms" as
    // PostgreSQL, and Directus turns that name into the Directus platform (its database becomes
    // "cms-db"). Start over rather than leave guards and routes behind under the old name.
    throw new Error('The embedded default already runs without Directus (npm start). Run `npm run stop` (it removes the example\'s ' +
      'data and state), then `npm run start:apps`.');
  }
  const cms = await LocalPostgres.start({ dir: path.join(EMBEDDED_DIR, DIRECTUS_PLATFORM) });
  await prepareExamplePlatform(DIRECTUS_PLATFORM, cms.clientConfig());
  const directus = await startDirectus({
    dir: DIRECTUS_DIR, postgres: cms.clientConfig(), database: DIRECTUS_PLATFORM, collections: DIRECTUS_COLLECTIONS, say,
  });
  // The policies read this: the CMS platform becomes the Directus kind, with this database under it.
  const apps = fs.existsSync(EMBEDDED_APPS) ? JSON.parse(fs.readFileSync(EMBEDDED_APPS, 'utf8')) : {};
  apps[DIRECTUS_PLATFORM] = { directus: { url: directus.url, tokenFile: directus.adminTokenFile, editorPolicies: [EDITOR_POLICY] } };
  fs.writeFileSync(EMBEDDED_APPS, JSON.stringify(apps, null, 2) + '\n');
  say(`\nDirectus (the ${DIRECTUS_PLATFORM} platform's CMS, on its database) runs at ${directus.url}  (ready in ${Math.round((Date.now() - started) / 1000)} s)`);
  say(`  Data Studio  ${directus.url}/admin/content/campaigns`);
  say(`  editor       ${directus.editor.email}, password in ${display(directus.editor.passwordFile)}`);
  say(`  admin        ${directus.admin.email}, password in ${display(directus.admin.passwordFile)}; static token in ${display(directus.adminTokenFile)}`);
  say(`  log          ${display(directus.logFile)}`);
  say('  npm start now applies the example with the CMS as this Directus (its database is the platform cms-db);');
  say('  npm run stop stops it with the servers.');
}

async function down(): Promise<void> {
  say((await stopDirectus(DIRECTUS_DIR)) ? 'authority: stopped Directus.' : 'authority: Directus was not running.');
}

runCommand('directus', { install, up, down });
