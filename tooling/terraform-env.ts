/** The environment terraform and cdktf run with in this project: quiet, offline, home untouched. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CDKTF_HOME, PROJECT_DIR } from './paths';
import { cliConfig } from './provider-mirror';

export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = path.join(PROJECT_DIR, 'dist');
  const rc = path.join(dir, 'terraformrc');
  fs.mkdirSync(dir, { recursive: true });
  // Written atomically, and only when it differs: test workers call this at once, and a terraform
  // that reads a file truncated by another worker's write finds no mirror and asks the network.
  const text = cliConfig();
  if (!fs.existsSync(rc) || fs.readFileSync(rc, 'utf8') !== text) {
    const tmp = `${rc}.${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, rc);
  }
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: rc,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
    CDKTF_HOME,
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0],
    DISABLE_VERSION_CHECK: '1',
    ...extra,
  };
}
