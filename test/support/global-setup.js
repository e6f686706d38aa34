// Builds the provider and its mirror once before the suite, so tests run the code as it is now,
// and gives the run a temp folder of its own (removed by global-teardown.js), so the servers'
// data and synthesized stacks of a run do not pile up in the machine's temp folder.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'build.mjs')], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  installApps();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-test-run-'));
  fs.chmodSync(runDir, 0o755); // servers run as the postgres user when the tests run as root
  process.env.AUTHORITY_TEST_RUN_DIR = runDir;
  process.env.TMPDIR = runDir; // jest's workers start after this and inherit it
};

/**
 * Installs the pinned Directus and the test browser once per run (cached outside the repo, so
 * only a machine's first run takes minutes; jest's globalSetup has no timeout). A failure does not
 * stop the suite: the Directus tests fail with it, saying what to install.
 */
function installApps() {
  const root = path.join(__dirname, '..', '..');
  require('esbuild').buildSync({
    entryPoints: [path.join(root, 'tooling', 'directus-cli.ts')], outfile: path.join(root, 'dist', 'tooling', 'directus.js'),
    bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  try {
    execFileSync(process.execPath, [path.join(root, 'dist', 'tooling', 'directus.js'), 'install'], {
      cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', // progress lines to the terminal
    });
  } catch (e) {
    process.env.AUTHORITY_APPS_UNAVAILABLE = (e.stderr || e.message).trim();
  }
}
