/**
 * PostgreSQL's block in the provider configuration, `platform { name = "crm" postgresql { ... } }`:
 * its schema, and its settings parsed and checked into an adapter. Secrets never appear in the
 * configuration: it names an environment variable or a file, and the password is read here, in
 * the provider process, only to open the connection.
 */
import * as fs from 'node:fs';
import { BlockSchema, Diagnostic, DiagnosticError, ObjectValue, PathStep } from '../../framework';
import { KindConfiguration } from '../kind';
import { PostgresAdapter } from './adapter';
import { SSL_MODES, SslMode } from './connection';

export const postgresqlBlock: BlockSchema = {
  description: 'The platform keeps its data in PostgreSQL: connection settings.',
  attributes: {
    host: { type: 'string', required: true, description: 'Server host name or address.' },
    port: { type: 'number', optional: true, description: 'Server port. Default 5432.' },
    database: { type: 'string', required: true, description: 'Database that holds the platform\'s tables.' },
    username: { type: 'string', required: true, description: 'Role the provider connects as; it must be able to create triggers on the protected tables (the owner, or a superuser).' },
    password_env: { type: 'string', optional: true, description: 'Name of the environment variable that holds the password. The password itself never enters the configuration, plan or state.' },
    password_file: { type: 'string', optional: true, description: 'Path of a file whose first line is the password (an alternative to password_env).' },
    connect_timeout: { type: 'number', optional: true, description: 'Seconds to wait for a connection. Default 10.' },
    wait_timeout: {
      type: 'number', optional: true,
      description: 'Seconds a step may wait on other sessions before it gives up and names them: a lock another ' +
        'transaction holds on a table being protected, or transactions open while a replication slot is created (it ' +
        'waits for every transaction open at that moment). Default 60.',
    },
    replication_host: {
      type: 'string', optional: true,
      description: 'Host the servers of this platform\'s copies use to reach it when they receive its values (they ' +
        'subscribe there), when it differs from the provider\'s `host` (another network, a proxy, a container name). Default: host.',
    },
    replication_port: { type: 'number', optional: true, description: 'Port for replication_host. Default: port.' },
    sslmode: {
      type: 'string', optional: true,
      description: 'TLS for the provider\'s connections and for the copies\' subscriptions, as libpq\'s sslmode: "disable", ' +
        '"prefer" (TLS when the server offers it), "require" (TLS, certificate not checked), "verify-ca" (the certificate ' +
        'chains to sslrootcert) or "verify-full" (and names the host). Default: prefer.',
    },
    sslrootcert: {
      type: 'string', optional: true,
      description: 'CA certificate file (PEM) where terraform runs, which the server\'s certificate must chain to; "system" for the ' +
        'CAs built into Node.js. Needed for verify-ca and verify-full; with require it makes require check the chain, as libpq does.',
    },
    replication_sslrootcert: {
      type: 'string', optional: true,
      description: 'CA certificate file on the servers of this platform\'s copies, for their subscriptions under verify-ca or ' +
        'verify-full. Default: libpq\'s, ~/.postgresql/root.crt of the server\'s operating-system user.',
    },
  },
};

/** Parses and checks the settings of PostgreSQL platform `name`; `at` is its block's path. */
export function configurePostgresql(name: string, pg: ObjectValue, at: PathStep[]): KindConfiguration {
  const diags: Diagnostic[] = [];
  const wrong = [['port', 1, 65535], ['replication_port', 1, 65535], ['connect_timeout', 1, 3600], ['wait_timeout', 1, 86400]]
    .filter(([key, min, max]) => {
      const v = pg[key as string];
      return v !== null && v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < (min as number) || v > (max as number));
    });
  for (const [key, min, max] of wrong) {
    diags.push({
      severity: 'error',
      summary: `${key} of platform "${name}" must be a whole number from ${min} to ${max}; got ${String(pg[key as string])}`,
      attribute: [...at, key as string],
    });
  }
  if (typeof pg.sslmode === 'string' && !SSL_MODES.includes(pg.sslmode as SslMode)) {
    diags.push({
      severity: 'error',
      summary: `sslmode of platform "${name}" must be one of ${SSL_MODES.join(', ')}; got "${pg.sslmode}"`,
      attribute: [...at, 'sslmode'],
    });
    return { diagnostics: diags };
  }
  if ((pg.sslmode === 'verify-ca' || pg.sslmode === 'verify-full') && typeof pg.sslrootcert !== 'string') {
    diags.push({
      severity: 'error',
      summary: `sslmode ${pg.sslmode} of platform "${name}" needs sslrootcert`,
      detail: 'Name the CA certificate file (PEM) the server\'s certificate must chain to, or "system" for the CAs built into Node.js (public CAs).',
      attribute: [...at, 'sslrootcert'],
    });
    return { diagnostics: diags };
  }
  if (typeof pg.sslrootcert === 'string' && pg.sslrootcert !== 'system' && !fs.existsSync(pg.sslrootcert)) {
    diags.push({
      severity: 'error',
      summary: `sslrootcert of platform "${name}" names a file that does not exist here: ${pg.sslrootcert}`,
      detail: 'It is read where terraform runs. For the file on the copies\' servers, use replication_sslrootcert.',
      attribute: [...at, 'sslrootcert'],
    });
    return { diagnostics: diags };
  }
  if (wrong.length) return { diagnostics: diags };
  try {
    const adapter = new PostgresAdapter(name, {
      host: pg.host as string,
      port: (pg.port as number | null) ?? 5432,
      database: pg.database as string,
      username: pg.username as string,
      password: readPassword(name, pg, at),
      connectTimeoutSeconds: (pg.connect_timeout as number | null) ?? undefined,
      waitTimeoutSeconds: (pg.wait_timeout as number | null) ?? undefined,
      replicationHost: (pg.replication_host as string | null) ?? undefined,
      replicationPort: (pg.replication_port as number | null) ?? undefined,
      sslmode: (pg.sslmode as SslMode | null) ?? undefined,
      sslrootcert: (pg.sslrootcert as string | null) ?? undefined,
      replicationSslrootcert: (pg.replication_sslrootcert as string | null) ?? undefined,
    });
    return { adapter, diagnostics: diags };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [...diags, e.diagnostic] };
    throw e;
  }
}

function readPassword(platform: string, pg: ObjectValue, at: PathStep[]): string | undefined {
  const envName = pg.password_env as string | null;
  const file = pg.password_file as string | null;
  if (envName && file) {
    throw new DiagnosticError({ severity: 'error', summary: `Platform "${platform}": set password_env or password_file, not both`, attribute: [...at, 'password_file'] });
  }
  if (envName) {
    const value = process.env[envName];
    if (value === undefined) {
      throw new DiagnosticError({
        severity: 'error',
        summary: `Platform "${platform}": environment variable ${envName} is not set`,
        detail: `password_env names ${envName}, but terraform runs without it. Export it where terraform runs (a CI secret, or your shell).`,
        attribute: [...at, 'password_env'],
      });
    }
    return value;
  }
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]; // a file written on Windows ends lines with \r\n
    } catch (e) {
      throw new DiagnosticError({
        severity: 'error',
        summary: `Platform "${platform}": cannot read password_file`,
        detail: `${(e as Error).message}. Point password_file at a readable file whose first line is the password.`,
        attribute: [...at, 'password_file'],
      });
    }
  }
  return undefined;
}
