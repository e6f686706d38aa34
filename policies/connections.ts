/**
 * How this organization's platforms are reached. Each platform takes its PostgreSQL connection
 * from the environment (AUTHORITY_<NAME>_PGHOST, _PGPORT, _PGDATABASE, _PGUSER, _PGSSLMODE,
 * _PGSSLROOTCERT, and the password in AUTHORITY_<NAME>_PGPASSWORD, read by the provider only), or
 * else from the embedded default that `npm start` runs (.authority/embedded/connections.json).
 */
import * as fs from 'node:fs';
import { PlatformConnection } from '../constructs/src';
import { EMBEDDED_CONNECTIONS } from '../tooling/paths';

/** Written by the embedded default for each platform it runs locally. */
export interface EmbeddedConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly passwordFile: string;
}

export function connectionFor(platform: string): PlatformConnection {
  const env = (key: string) => process.env[`AUTHORITY_${platform.toUpperCase().replace(/-/g, '_')}_${key}`];
  const host = env('PGHOST');
  if (host) {
    const database = env('PGDATABASE') ?? platform;
    return PlatformConnection.postgresql({
      host,
      port: env('PGPORT') ? Number(env('PGPORT')) : undefined,
      database,
      username: env('PGUSER') ?? 'postgres',
      sslmode: env('PGSSLMODE'),
      sslrootcert: env('PGSSLROOTCERT'),
      passwordEnv: `AUTHORITY_${platform.toUpperCase().replace(/-/g, '_')}_PGPASSWORD`,
    });
  }
  const embedded = readEmbedded()[platform];
  if (embedded) return PlatformConnection.postgresql({ ...embedded });
  throw new Error(
    `No connection for platform "${platform}". Run \`npm start\` to start the embedded default, ` +
      `or set AUTHORITY_${platform.toUpperCase()}_PGHOST (and _PGPORT, _PGDATABASE, _PGUSER, _PGPASSWORD) to use your own PostgreSQL.`,
  );
}

function readEmbedded(): Record<string, EmbeddedConnection> {
  try {
    return JSON.parse(fs.readFileSync(EMBEDDED_CONNECTIONS, 'utf8'));
  } catch {
    return {};
  }
}
