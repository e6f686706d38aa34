/**
 * How this organization's platforms are reached. Each platform takes its PostgreSQL connection
 * from the environment (AUTHORITY_<NAME>_PGHOST, _PGPORT, _PGDATABASE, _PGUSER, _PGSSLMODE,
 * _PGSSLROOTCERT, and the password in AUTHORITY_<NAME>_PGPASSWORD, read by the provider only), or
 * else from the embedded default that `npm start` runs (.authority/embedded/connections.json).
 *
 * A platform edited in Directus adds AUTHORITY_<NAME>_DIRECTUS_URL (and its admin token in
 * AUTHORITY_<NAME>_DIRECTUS_TOKEN, read by the provider only); its PostgreSQL connection is then
 * the database under Directus. `npm run start:apps` records its embedded Directus, and its
 * embedded Tryton (the platform "tryton", whose database is "tryton-db"), in
 * .authority/embedded/apps.json.
 */
import * as fs from 'node:fs';
import { PlatformConnection, PostgresqlConnectionProps } from '../constructs/src';
import { EMBEDDED_APPS, EMBEDDED_CONNECTIONS } from '../tooling/paths';

/** Written by the embedded default for each platform it runs locally. */
export interface EmbeddedConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly passwordFile: string;
}

/** Written by `npm run start:apps` for each platform it runs an application for. */
export interface EmbeddedApp {
  readonly directus?: { readonly url: string; readonly tokenFile: string; readonly editorPolicies: string[] };
  /** A Tryton and the database it keeps its data in (the platform "<name>-db"). */
  readonly tryton?: { readonly url: string; readonly database: string; readonly user: string; readonly passwordFile: string; readonly storage: EmbeddedConnection };
}

/** Whether `npm run start:apps` recorded an application for the platform (a platform that exists only then). */
export function hasEmbeddedApp(platform: string): boolean {
  return readJson<EmbeddedApp>(EMBEDDED_APPS)[platform] !== undefined;
}

export function connectionFor(platform: string): PlatformConnection {
  const prefix = `AUTHORITY_${platform.toUpperCase().replace(/-/g, '_')}_`;
  const env = (key: string) => process.env[prefix + key];
  const database = databaseFor(platform, env);
  const directusUrl = env('DIRECTUS_URL');
  if (directusUrl && database) {
    return PlatformConnection.directus({ url: directusUrl, tokenEnv: `${prefix}DIRECTUS_TOKEN`, storage: database });
  }
  const app = readJson<EmbeddedApp>(EMBEDDED_APPS)[platform];
  if (app?.directus && database) return PlatformConnection.directus({ ...app.directus, storage: database });
  if (app?.tryton) return PlatformConnection.tryton({ ...app.tryton, storage: { ...app.tryton.storage } });
  if (database) return PlatformConnection.postgresql(database);
  throw new Error(
    `No connection for platform "${platform}". Run \`npm start\` to start the embedded default, ` +
      `or set AUTHORITY_${platform.toUpperCase()}_PGHOST (and _PGPORT, _PGDATABASE, _PGUSER, _PGPASSWORD) to use your own PostgreSQL.`,
  );
}

/** The platform's PostgreSQL database: from the environment, else the embedded default. */
function databaseFor(platform: string, env: (key: string) => string | undefined): PostgresqlConnectionProps | undefined {
  const host = env('PGHOST');
  if (host) {
    return {
      host,
      port: env('PGPORT') ? Number(env('PGPORT')) : undefined,
      database: env('PGDATABASE') ?? platform,
      username: env('PGUSER') ?? 'postgres',
      sslmode: env('PGSSLMODE'),
      sslrootcert: env('PGSSLROOTCERT'),
      passwordEnv: `AUTHORITY_${platform.toUpperCase().replace(/-/g, '_')}_PGPASSWORD`,
    };
  }
  const embedded = readJson<EmbeddedConnection>(EMBEDDED_CONNECTIONS)[platform];
  return embedded ? { ...embedded } : undefined;
}

function readJson<T>(file: string): Record<string, T> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}
