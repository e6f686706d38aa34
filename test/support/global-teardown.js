// Removes the run's temp folder made by global-setup.js.
const fs = require('node:fs');

module.exports = async () => {
  const runDir = process.env.AUTHORITY_TEST_RUN_DIR;
  if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
};
