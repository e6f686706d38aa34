/** Where the embedded default runs Tryton: a database of its own on the CRM's PostgreSQL server. */
import * as path from 'node:path';
import { EMBEDDED_DIR } from './paths';

/** The example platform that is Tryton (the policies call it so), and its storage database. */
export const TRYTON_PLATFORM = 'tryton';
export const TRYTON_DATABASE = 'tryton';
/** The example platform whose PostgreSQL server keeps Tryton's database. */
export const TRYTON_HOST_PLATFORM = 'crm';
/** trytond's port, log and secrets (removed by `npm run stop` with the servers' data). */
export const TRYTON_DIR = path.join(EMBEDDED_DIR, 'tryton');
