/**
 * The Directus platform from the command line:
 *   install  install the pinned Directus into the cache (tooling/directus-install.ts), if needed
 */
import { installApps } from './directus-install';

async function install(): Promise<void> {
  const apps = await installApps({ say: (l) => process.stdout.write(l + '\n') });
  process.stdout.write(`authority: Directus is installed in ${apps.dir}\n`);
}

const command = process.argv[2];
const actions: Record<string, () => Promise<void>> = { install };
if (!actions[command]) {
  process.stderr.write(`usage: directus ${Object.keys(actions).join(' | ')}\n`);
  process.exit(2);
}
actions[command]().catch((e: Error) => {
  process.stderr.write(`authority: ${e.message}\n`);
  process.exit(1);
});
