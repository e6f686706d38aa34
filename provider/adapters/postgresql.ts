/**
 * PostgreSQL platform adapter.
 *
 * A copy's columns are protected by a guard trigger rather than column privileges, because:
 * - applications usually connect as the table owner, and owners (and superusers) bypass
 *   privileges, while a trigger stops them too;
 * - the trigger's error carries the correction path, so the person who was refused learns
 *   where the fact is owned and where to fix it; a privilege error says only "permission denied";
 * - it fires ALWAYS, also in sessions with session_replication_role = replica, and lets through
 *   only the sync principal, logical replication's apply workers and the provider's own settle.
 * Writes that leave a value unchanged pass, so applications that save whole rows keep working.
 *
 * The guard's SQL is built in postgresql-guard-sql.ts (constant bodies, checked and quoted names),
 * read back in postgresql-guard-read.ts, and checked at plan in postgresql-guard-check.ts.
 */
import * as fs from 'node:fs';
import { ConnectionOptions } from 'node:tls';
import { Client, QueryResult, QueryResultRow } from 'pg';
import { Diagnostic } from '../framework';
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack, SyncRouter } from './adapter';
import { guardPlanChecks } from './postgresql-guard-check';
import { readGuards } from './postgresql-guard-read';
import { MAX_IDENTIFIER_BYTES, guardTriggerName, installGuardStatements, removeGuardStatements, tableRef } from './postgresql-guard-sql';
import { PostgresSyncRouter } from './postgresql-replication';
import { trackSession } from '../sessions';

export interface PostgresConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** Resolved from the environment or a file; never stored or logged. */
  readonly password?: string;
  /** @default 10 */
  readonly connectTimeoutSeconds?: number;
  /** How long a step waits on other sessions' locks or open transactions. @default 60 */
  readonly waitTimeoutSeconds?: number;
  /** Where the servers of this platform's copies reach it (they subscribe there). @default host */
  readonly replicationHost?: string;
  /** @default port */
  readonly replicationPort?: number;
  /** TLS, as libpq's sslmode. @default "prefer" */
  readonly sslmode?: SslMode;
  /** CA certificate file where the provider runs ("system": Node's built-in CAs), for verify-ca and verify-full. @default none */
  readonly sslrootcert?: string;
  /** CA certificate file on the copies' servers, for their subscriptions. @default libpq's (~/.postgresql/root.crt of the server's user) */
  readonly replicationSslrootcert?: string;
}

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** The default of PostgresConnectionSettings.waitTimeoutSeconds. */
export const DEFAULT_WAIT_SECONDS = 60;

/** SQLSTATE lock_not_available: lock_timeout ran out. */
const LOCK_TIMEOUT = '55P03';

/** What to do when a step gave up waiting on another session's lock; undefined for other errors. */
export function lockWaitAdvice(e: unknown, seconds: number): string | undefined {
  if ((e as { code?: string }).code !== LOCK_TIMEOUT) return undefined;
  return `Another session held a lock the step needed for longer than wait_timeout (${seconds} s): a long or forgotten transaction? ` +
    'Find it with SELECT pid, usename, state, xact_start FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY xact_start; ' +
    'let it finish or end it (pg_terminate_backend), or raise wait_timeout, and apply again.';
}

export { MAX_IDENTIFIER_BYTES };

export class PostgresAdapter implements PlatformAdapter {
  private client?: Promise<Client>;

  constructor(
    public readonly name: string,
    private readonly settings: PostgresConnectionSettings,
  ) {}

  /** The trigger's name: readable when the key allows it. Trigger names are per table. */
  public mechanismName(_location: FieldLocation, key: string): string {
    return guardTriggerName(key);
  }

  public async checkProtection(p: FieldProtection): Promise<Diagnostic[]> {
    const db = await this.connect();
    const where = `on platform "${this.name}" (database ${this.settings.database} at ${this.settings.host}:${this.settings.port})`;
    const table = await db.query<{ oid: number; kind: string }>(
      `SELECT c.oid, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [p.location.namespace, p.location.container],
    );
    if (table.rowCount === 0) {
      const known = await db.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 20`,
        [p.location.namespace],
      );
      return [{
        severity: 'error',
        summary: `Table ${p.location.namespace}.${p.location.container} does not exist ${where}`,
        detail: known.rowCount
          ? `Tables in schema ${p.location.namespace}: ${known.rows.map((r) => r.relname).join(', ')}. Fix the table name, or create the table first.`
          : `Schema ${p.location.namespace} has no tables. Fix the schema or table name, or create the table first.`,
        attribute: ['table'],
      }];
    }
    if (!['r', 'p'].includes(table.rows[0].kind)) {
      return [{
        severity: 'error',
        summary: `${p.location.namespace}.${p.location.container} ${where} is not a table`,
        detail: 'Only tables can be protected: a view or a materialized view is a projection, not a copy people edit.',
        attribute: ['table'],
      }];
    }
    const diags: Diagnostic[] = [];
    const cols = await db.query<{ attname: string }>(
      'SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
      [table.rows[0].oid],
    );
    const existing = cols.rows.map((r) => r.attname);
    p.fields.forEach((f, i) => {
      if (!existing.includes(f)) {
        diags.push({
          severity: 'error',
          summary: `Column "${f}" does not exist in ${p.location.namespace}.${p.location.container} ${where}`,
          detail: `Its columns: ${existing.join(', ')}. Fix the column name in the policy.`,
          attribute: ['columns', i],
        });
      }
    });
    const role = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [p.syncPrincipal]);
    if (role.rowCount === 0) {
      diags.push({
        severity: 'error',
        summary: `Sync principal "${p.syncPrincipal}" is not a role ${where}`,
        detail: 'The sync principal is the only role allowed to write the protected columns. Create the role, or name the role your sync connects as.',
        attribute: ['sync_principal'],
      });
    } else if (diags.length === 0) {
      const writable = await db.query<{ col: string }>(
        `SELECT col FROM unnest($2::text[]) AS col
          WHERE NOT has_column_privilege($1, $3::oid, col, 'UPDATE')`,
        [p.syncPrincipal, p.fields, table.rows[0].oid],
      );
      if (writable.rowCount) {
        diags.push({
          severity: 'warning',
          summary: `Sync principal "${p.syncPrincipal}" cannot UPDATE ${writable.rows.map((r) => r.col).join(', ')} ${where}`,
          detail: 'The protection lets the sync through, but the database will still refuse it for lack of privileges. Grant it UPDATE on these columns.',
          attribute: ['sync_principal'],
        });
      }
    }
    const guarded = p.authority !== this.name;
    return [...diags, ...await guardPlanChecks((sql, params) => this.query(sql, params), p, { oid: table.rows[0].oid, where, guarded })];
  }

  public async readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    const name = guardTriggerName(key);
    const found = (await readGuards((sql, params) => this.query(sql, params), location)).find((g) => g.trigger === name);
    if (!found) return null;
    return {
      location, key: found.key ?? key, authority: found.authority, fields: found.columns, syncPrincipal: found.syncPrincipal,
      correctionHint: found.correctionHint, fact: found.fact, enforced: found.enforced, mechanism: name,
    };
  }

  public async applyProtection(p: FieldProtection): Promise<void> {
    await this.transaction(installGuardStatements(p.location, {
      syncPrincipal: p.syncPrincipal, authority: p.authority, correctionHint: p.correctionHint, fact: p.fact, key: p.key, columns: p.fields,
    }));
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    const table = await this.query('SELECT to_regclass($1) AS t', [tableRef(location)]);
    await this.transaction(removeGuardStatements(location, key, table.rows[0].t !== null));
  }

  /** Sync routes between two PostgreSQL platforms: logical replication (postgresql-replication.ts). */
  public syncRouteTo(copy: PlatformAdapter): SyncRouter | undefined {
    return copy instanceof PostgresAdapter ? new PostgresSyncRouter(this, copy) : undefined;
  }

  /** Runs one read or statement on the adapter's connection. */
  public async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    return (await this.connect()).query<R>(sql, params);
  }

  /**
   * Runs `work` on a connection of its own, ended afterwards: for steps that must not share a
   * session with other resources' transactions (some replication commands refuse a transaction block).
   */
  public async withConnection<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const db = await this.open();
    try {
      return await work(db);
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  public adviceFor(e: unknown): string | undefined {
    return lockWaitAdvice(e, this.waitSeconds());
  }

  /** How long a step may wait on other sessions, in seconds. */
  public waitSeconds(): number {
    return this.settings.waitTimeoutSeconds ?? DEFAULT_WAIT_SECONDS;
  }

  /** How messages name this platform: no secrets. */
  public describe(): string {
    const s = this.settings;
    return `platform "${this.name}" (database ${s.database} at ${s.host}:${s.port})`;
  }

  /**
   * A libpq connection string that reaches this platform as the provider does, password
   * included: only for a copy's subscription to this platform. Never log, store or show it.
   */
  public connectionString(): string {
    const s = this.settings;
    const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const parts: [string, string][] = [
      ['host', s.replicationHost ?? s.host], ['port', String(s.replicationPort ?? s.port)], ['dbname', s.database], ['user', s.username],
      ['connect_timeout', String(s.connectTimeoutSeconds ?? 10)],
      ...(s.sslmode ? [['sslmode', s.sslmode] as [string, string]] : []),
      ...(s.replicationSslrootcert ? [['sslrootcert', s.replicationSslrootcert] as [string, string]] : []),
    ];
    if (s.password !== undefined && s.password !== '') parts.push(['password', s.password]);
    return parts.map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  }

  /** `text` with this platform's password blanked out (error text about a connection string). */
  public redact(text: string): string {
    const secret = this.settings.password;
    return secret ? text.split(secret).join('********') : text;
  }

  public async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    if (pending) await (await pending.catch(() => undefined))?.end().catch(() => undefined);
  }

  /**
   * Runs the statements as one transaction on a connection of its own: terraform applies
   * resources in parallel, and on the shared connection their statements would interleave
   * inside each other's transactions.
   */
  private async transaction(statements: string[]): Promise<void> {
    await this.withConnection((db) => inTransaction(db, statements));
  }

  /** The server answered "prefer" with no TLS. */
  private offersNoTls = false;

  /** A new connection, with TLS as sslmode says ("prefer": TLS when the server offers it). */
  private async open(): Promise<Client> {
    const s = this.settings;
    const mode = s.sslmode ?? 'prefer';
    const attempt = async (tls: boolean): Promise<Client> => {
      const client = new Client({
        host: s.host,
        port: s.port,
        database: s.database,
        user: s.username,
        password: s.password,
        connectionTimeoutMillis: (s.connectTimeoutSeconds ?? 10) * 1000,
        application_name: 'terraform-provider-authority',
        ssl: tls ? this.tlsOptions(mode) : false,
      });
      // A dropped connection must not crash the provider.
      client.on('error', () => undefined);
      await client.connect();
      trackSession(client); // a provider whose terraform is gone cancels what it still runs
      // A step that would wait longer on another session's lock fails with the wait named
      // (lockWaitAdvice). Set after connecting: poolers such as PgBouncer refuse unknown startup parameters.
      await client.query(`SET lock_timeout = ${Math.round(this.waitSeconds() * 1000)}`);
      return client;
    };
    try {
      if (mode === 'disable' || (mode === 'prefer' && this.offersNoTls)) return await attempt(false);
      try {
        return await attempt(true);
      } catch (e) {
        // A server that cannot be reached at all is not asked twice (a firewalled host would double the wait).
        const unreached = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes((e as { code?: string }).code ?? '') ||
          /connection timeout/i.test((e as Error).message);
        if (mode !== 'prefer' || unreached) throw e;
        // As libpq: prefer falls back to plain when the server offers no TLS (asked once per
        // provider process), and also when TLS fails (a handshake, or pg_hba refusing TLS).
        if (/does not support SSL/i.test((e as Error).message)) this.offersNoTls = true;
        return await attempt(false);
      }
    } catch (e) {
      throw new UnreachablePlatformError(this.name, s, e as Error);
    }
  }

  private tlsOptions(mode: SslMode): ConnectionOptions {
    const s = this.settings;
    // As libpq: require with a root certificate checks the chain (verify-ca).
    if (mode === 'prefer' || (mode === 'require' && !s.sslrootcert)) return { rejectUnauthorized: false };
    if (mode === 'require') mode = 'verify-ca';
    const ca = s.sslrootcert && s.sslrootcert !== 'system' ? fs.readFileSync(s.sslrootcert, 'utf8') : undefined;
    // verify-ca checks the chain only; verify-full also the host name.
    return { rejectUnauthorized: true, ca, ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
  }

  private connect(): Promise<Client> {
    if (!this.client) {
      this.client = this.open().then((client) => {
        // The next call reconnects.
        client.on('error', () => { this.client = undefined; });
        return client;
      }, (e: Error) => {
        this.client = undefined;
        throw e;
      });
    }
    return this.client;
  }
}

/** Runs the statements on `db` as one transaction: all of them, or none. */
export async function inTransaction(db: Client, statements: string[]): Promise<void> {
  await db.query('BEGIN');
  try {
    for (const sql of statements) await db.query(sql);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The platform could not be reached or refused the login: says which and what to check. */
export class UnreachablePlatformError extends Error {
  constructor(public readonly platform: string, s: PostgresConnectionSettings, cause: Error) {
    super(
      `Cannot connect to platform "${platform}" (PostgreSQL ${s.username}@${s.host}:${s.port}/${s.database}): ${cause.message}. ` +
        'Check that the server runs and that host, port, database, username and the password source in the provider configuration are right.',
    );
  }
}

/** Whether two lists hold the same names, in any order. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}
