/** Where the embedded default runs Directus: on the example CMS's database, showing its tables. */
import * as path from 'node:path';
import { EMBEDDED_DIR } from './paths';

/** The example platform whose database Directus manages. */
export const DIRECTUS_PLATFORM = 'cms';
/**
 * Its tables that Directus shows as collections the editor may read and update (accounts: the
 * names of Tryton's parties, when start:apps runs Tryton).
 */
export const DIRECTUS_COLLECTIONS = ['campaigns', 'content', 'accounts'];
/** Directus's port, log and secrets (removed by `npm run stop` with the servers' data). */
export const DIRECTUS_DIR = path.join(EMBEDDED_DIR, 'directus');
