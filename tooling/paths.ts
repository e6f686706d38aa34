/** Where the project keeps what it makes at run time. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project folder: where cdktf.json is (above dist/ when bundled). */
export const PROJECT_DIR = findProjectDir(__dirname);

/**
 * Local state of the embedded default and of terraform (git-ignored). AUTHORITY_HOME moves it,
 * with cdktf.out, elsewhere: tests use that to run the main job beside a developer's own.
 */
export const AUTHORITY_HOME = process.env.AUTHORITY_HOME ? path.resolve(process.env.AUTHORITY_HOME) : path.join(PROJECT_DIR, '.authority');
export const EMBEDDED_DIR = path.join(AUTHORITY_HOME, 'embedded');
export const EMBEDDED_CONNECTIONS = path.join(EMBEDDED_DIR, 'connections.json');
/** The applications `npm run start:apps` runs on the embedded platforms (Directus for the CMS). */
export const EMBEDDED_APPS = path.join(EMBEDDED_DIR, 'apps.json');
export const STATE_DIR = path.join(AUTHORITY_HOME, 'state');
export const CDKTF_HOME = path.join(AUTHORITY_HOME, 'cdktf-home');
export const CDKTF_OUT = process.env.AUTHORITY_HOME ? path.join(AUTHORITY_HOME, 'cdktf.out') : path.join(PROJECT_DIR, 'cdktf.out');

function findProjectDir(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'cdktf.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`No cdktf.json above ${from}: cannot find the project folder.`);
    dir = up;
  }
  return dir;
}
