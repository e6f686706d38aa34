/**
 * A PostgreSQL platform's connections: settings, TLS as libpq does it, the sessions single reads
 * share and the steps' sessions of their own (reused: session-pool.ts), the connection string a
 * copy's subscription uses. The guard (adapter.ts)
 * and the sync router (router.ts) both build on it; it knows neither.
 */
import * as fs from 'node:fs';
import { ConnectionOptions } from 'node:tls';
import { Client, QueryResult, QueryResultRow } from 'pg';
import { PlatformUnreachableError } from '../errors';
import { SessionPool, SessionPoolOptions } from './session-pool';
import { SharedReads } from './shared-reads';
import { trackSession } from './sessions';


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

/** How many sessions a platform's single reads share (see PostgresConnection.query). */
export const SHARED_SESSIONS = 4;

/** A session single reads share, and how many of them wait on it now. */
interface Shared { readonly client: Promise<Client>; inFlight: number }

/** One PostgreSQL platform as the provider reaches it. */
export class PostgresConnection {
  private shared: Shared[] = [];
  /** The steps' sessions, reused (a login per step made a route change cost ~10 logins). */
  private readonly sessions: SessionPool;

  constructor(
    public readonly name: string,
    protected readonly settings: PostgresConnectionSettings,
    pool: SessionPoolOptions = {},
  ) {
    this.sessions = new SessionPool(() => this.open(), this.sessionSettings(), pool);
  }

  /**
   * Runs one read on one of the platform's shared sessions: the least busy, or a new one while
   * there are fewer than SHARED_SESSIONS (a session runs one statement at a time, and terraform
   * reads ten resources at once: on one session their reads waited on each other). Identical reads
   * asked for together run once (shared-reads.ts): only reads come here, never a write.
   */
  public query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = [], name?: string): Promise<QueryResult<R>> {
    let key: string;
    try {
      key = `${name ?? ''}\0${sql}\0${JSON.stringify(params)}`;
    } catch {
      return this.queryShared<R>(sql, params, name); // parameters JSON cannot name: not shared
    }
    return this.reads.run(key, () => this.queryShared(sql, params, name)) as Promise<QueryResult<R>>;
  }

  /** The server's version (server_version_num), read once per provider process: it changes only with a restart. */
  public serverVersion(): Promise<number> {
    if (!this.version) {
      const read = this.query<{ v: string }>('SELECT current_setting(\'server_version_num\') AS v').then((r) => Number(r.rows[0].v));
      // A failed read is asked again next time (the server may have been down).
      read.catch(() => { if (this.version === read) this.version = undefined; });
      this.version = read;
    }
    return this.version;
  }

  private version?: Promise<number>;
  private readonly reads = new SharedReads<QueryResult>((r) => ({ ...r, rows: copyRows(r.rows) }));

  private async queryShared<R extends QueryResultRow>(sql: string, params: unknown[], name?: string): Promise<QueryResult<R>> {
    const shared = this.leastBusy();
    shared.inFlight++;
    try {
      const client = await shared.client;
      // A name: a prepared statement of the session's (catalog.ts Run).
      return await (name ? client.query<R>({ name, text: sql, values: params }) : client.query<R>(sql, params));
    } finally {
      shared.inFlight--;
    }
  }

  /**
   * Runs `work` on a session of its own, no other step's meanwhile: for steps that must not share a
   * session with other resources' transactions (some replication commands refuse a transaction
   * block). The session is reused afterwards, cleaned (session-pool.ts), or closed if `work` failed.
   */
  public withConnection<T>(work: (db: Client) => Promise<T>): Promise<T> {
    return this.sessions.use(work);
  }

  /** How many of the steps' sessions wait unused now (session-pool.ts). */
  public idleSessions(): number {
    return this.sessions.idleCount();
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
    const shared = this.shared;
    this.shared = [];
    await Promise.all([
      this.sessions.close(),
      ...shared.map((s) => s.client.then((c) => c.end(), () => undefined).catch(() => undefined)),
    ]);
  }

  /**
   * Runs the statements as one transaction on a connection of its own: terraform applies
   * resources in parallel, and on the shared connection their statements would interleave
   * inside each other's transactions.
   */
  protected async transaction(statements: string[]): Promise<void> {
    await this.withConnection((db) => inTransaction(db, statements));
  }

  /**
   * What every session of the provider's runs first (and again when it is reused).
   * lock_timeout: a step that would wait longer on another session's lock fails with the wait named
   * (lockWaitAdvice); set after connecting, as poolers such as PgBouncer refuse unknown startup
   * parameters. search_path: nothing of a user's may shadow what the provider calls (to_jsonb,
   * operators ...); a role with CREATE on a schema in the default search path would otherwise run
   * code with the provider's rights. Every user object is named with its schema.
   */
  private sessionSettings(): string[] {
    return [`SET lock_timeout = ${Math.round(this.waitSeconds() * 1000)}`, 'SET search_path = pg_catalog, pg_temp'];
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
      await client.query(this.sessionSettings().join('; '));
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

  private leastBusy(): Shared {
    const idle = this.shared.reduce<Shared | undefined>((best, s) => (!best || s.inFlight < best.inFlight ? s : best), undefined);
    if (idle && (idle.inFlight === 0 || this.shared.length >= SHARED_SESSIONS)) return idle;
    const shared: Shared = {
      inFlight: 0,
      client: this.open().then((client) => {
        // A dropped session is replaced by the next read.
        client.on('error', () => this.forget(shared));
        client.once('end', () => this.forget(shared));
        return client;
      }, (e: Error) => {
        this.forget(shared);
        throw e;
      }),
    };
    this.shared.push(shared);
    return shared;
  }

  private forget(shared: Shared): void {
    this.shared = this.shared.filter((s) => s !== shared);
  }
}

/**
 * Rows as a reader of a shared answer gets them: its own copy, with bytea still a Buffer
 * (structuredClone makes Buffers plain Uint8Arrays, whose toString ignores the encoding).
 */
export function copyRows<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map(copyRows) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyRows(v);
    return out as T;
  }
  return value;
}

/** Runs the statements on `db` as one transaction: all of them, or none. */
export async function inTransaction(db: Client, statements: string[]): Promise<void> {
  // Parallel resources on one table (a destroy removes guards and routes at once) can deadlock in
  // DDL; PostgreSQL rolls one back whole, and running it again is what its documentation advises.
  for (let attempt = 1; ; attempt++) {
    try {
      // One message, one round trip (each costs both processes a wake-up): PostgreSQL runs its
      // statements in order, and at the first that fails skips the rest, COMMIT included.
      await db.query(oneMessage(['BEGIN', ...statements, 'COMMIT']));
      return;
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      if ((e as { code?: string }).code !== DEADLOCK_DETECTED || attempt === DEADLOCK_ATTEMPTS) throw e;
    }
  }
}

/**
 * Statements sent as one simple-protocol message. The separator has lines of its own, so a
 * statement that ends in a `--` comment cannot swallow the next one.
 */
export function oneMessage(statements: readonly string[]): string {
  return statements.join('\n;\n');
}

/** SQLSTATE deadlock_detected, and how often a transaction that lost one is run. */
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_ATTEMPTS = 3;

/** The platform could not be reached or refused the login: says which and what to check. */
export class UnreachablePlatformError extends PlatformUnreachableError {
  constructor(platform: string, s: PostgresConnectionSettings, cause: Error) {
    super(
      platform,
      `Cannot connect to platform "${platform}" (PostgreSQL ${s.username}@${s.host}:${s.port}/${s.database}): ${cause.message}. ` +
        'Check that the server runs and that host, port, database, username and the password source in the provider configuration are right.',
    );
  }
}
