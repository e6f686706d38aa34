/**
 * Installing Tryton 6.0 the way Debian ships it: the server, the party and sale opportunity
 * modules (a CRM's parties and leads) and the PostgreSQL driver trytond stores its data with.
 * As root on Debian the project runs apt-get itself (CI does); elsewhere it fails saying exactly
 * what to install.
 */
import * as fs from 'node:fs';
import { aptInstall, canInstallPackages } from './apt';

/** The Debian packages a Tryton platform needs. */
export const TRYTON_PACKAGES = ['tryton-server', 'tryton-modules-party', 'tryton-modules-sale-opportunity', 'python3-psycopg2'] as const;

/** Where Debian's packages put the commands and the modules. */
export const TRYTOND = '/usr/bin/trytond';
export const TRYTOND_ADMIN = '/usr/bin/trytond-admin';
const MODULES = '/usr/lib/python3/dist-packages/trytond/modules';
const PSYCOPG2 = '/usr/lib/python3/dist-packages/psycopg2';

/** What of Tryton is missing on this machine (empty when everything is there). */
export function missingTryton(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(TRYTOND) || !fs.existsSync(TRYTOND_ADMIN)) missing.push('tryton-server');
  if (!fs.existsSync(`${MODULES}/party`)) missing.push('tryton-modules-party');
  if (!fs.existsSync(`${MODULES}/sale_opportunity`)) missing.push('tryton-modules-sale-opportunity');
  if (!fs.existsSync(PSYCOPG2)) missing.push('python3-psycopg2');
  return missing;
}

/** Installs what is missing (as root on Debian), or throws saying what to install. */
export function ensureTryton(say: (line: string) => void = () => undefined): void {
  const missing = missingTryton();
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${TRYTON_PACKAGES.join(' ')}`;
  if (!canInstallPackages()) {
    throw new Error(`Tryton is not installed here (missing: ${missing.join(', ')}). Install Debian's packages as root: ${command} ` +
      '(Debian 12 ships Tryton 6.0; on another system install trytond 6.0 with the party and sale_opportunity modules and psycopg2).');
  }
  say(`authority: installing Tryton from Debian (${missing.join(', ')}); the first time takes a minute or two ...`);
  const result = aptInstall([...TRYTON_PACKAGES]);
  if (!result.ok || missingTryton().length > 0) {
    throw new Error(`Installing Tryton failed (${command}):\n${result.output}`);
  }
}
