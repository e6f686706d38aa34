/**
 * PostgreSQL platform adapter.
 *
 * A copy's columns are protected by a guard trigger rather than column privileges, because:
 * - applications usually connect as the table owner, and owners (and superusers) bypass
 *   privileges, while a trigger stops them too;
 * - the trigger's error carries the correction path, so the person who was refused learns
 *   where the fact is owned and where to fix it; a privilege error says only "permission denied";
 * - an ordinary (ENABLE ORIGIN) trigger does not fire in logical replication's apply worker
 *   (session_replication_role = replica), so a replicated sync still writes the copy.
 * The trigger lets exactly one role write: the sync principal, compared with current_user (not
 * pg_has_role: superusers are members of every role). Writes that leave a value unchanged pass,
 * so applications that save whole rows keep working.
 *
 * Every identifier is quoted and every argument is a literal escaped by the driver: nothing from
 * the configuration is spliced into SQL as is.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { ConnectionOptions } from 'node:tls';
import { Client, QueryResult, QueryResultRow, escapeIdentifier, escapeLiteral } from 'pg';
import { Diagnostic } from '../framework';
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack, SyncRouter } from './adapter';
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

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated, so refuse them. */
export const MAX_IDENTIFIER_BYTES = 63;

const GUARD_PREFIX = 'authority_guard_';
/** Arguments before the column names: sync principal, authority, correction hint, fact. */
const FIXED_ARGS = 4;

/**
 * The guard function's body. Its arguments: sync principal, authority, correction hint, fact
 * (for read-back only), then the protected columns. Kept constant so read-back can tell an intact guard from an edited one.
 */
const GUARD_BODY = `
DECLARE
  sync_principal text := TG_ARGV[0];
  authority text := TG_ARGV[1];
  correction text := TG_ARGV[2];
  col text;
  i int;
BEGIN
  IF current_user = sync_principal THEN
    RETURN NEW;
  END IF;
  FOR i IN ${FIXED_ARGS} .. TG_NARGS - 1 LOOP
    col := TG_ARGV[i];
    IF (TG_OP = 'INSERT' AND (to_jsonb(NEW) -> col) IS DISTINCT FROM 'null'::jsonb)
       OR (TG_OP = 'UPDATE' AND (to_jsonb(NEW) -> col) IS DISTINCT FROM (to_jsonb(OLD) -> col)) THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = format('%s.%s is a read-only copy here. %s', TG_TABLE_NAME, col, correction),
        DETAIL = format('Only the sync (%s) writes this column here; it copies the value from %s.', sync_principal, authority),
        HINT = correction;
    END IF;
  END LOOP;
  RETURN NEW;
END
`;

/** pg_trigger.tgtype bits: ROW (1), BEFORE (2), INSERT (4), UPDATE (16). */
const GUARD_TGTYPE = 1 | 2 | 4 | 16;

export class PostgresAdapter implements PlatformAdapter {
  private client?: Promise<Client>;

  constructor(
    public readonly name: string,
    private readonly settings: PostgresConnectionSettings,
  ) {}

  /** The trigger's name: readable when the key allows it. Trigger names are per table. */
  public mechanismName(_location: FieldLocation, key: string): string {
    const readable = /^[a-z0-9_]+$/.test(key) && GUARD_PREFIX.length + key.length <= MAX_IDENTIFIER_BYTES;
    return GUARD_PREFIX + (readable ? key : createHash('sha256').update(key).digest('hex').slice(0, 16));
  }

  /**
   * Its function's name: functions are per schema, so the table is in it. (One function for a
   * key's tables made removing one protection fail on the others' triggers, and parallel creates
   * collide.)
   */
  private functionName(location: FieldLocation, key: string): string {
    const trigger = this.mechanismName(location, key);
    const table = createHash('sha256').update(JSON.stringify([location.namespace, location.container, key])).digest('hex');
    return trigger.length + 9 <= MAX_IDENTIFIER_BYTES ? `${trigger}_${table.slice(0, 8)}` : `${GUARD_PREFIX}fn_${table.slice(0, 16)}`;
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
    return diags;
  }

  public async readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    const db = await this.connect();
    const name = this.mechanismName(location, key);
    const found = await db.query<{
      tgenabled: string; tgtype: number; tgargs: Buffer; columns: string[];
      prosrc: string; fn_schema: string; proname: string;
    }>(
      `SELECT t.tgenabled, t.tgtype, t.tgargs,
              ARRAY(SELECT a.attname::text FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
              p.prosrc, pn.nspname AS fn_schema, p.proname
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3`,
      [location.namespace, location.container, name],
    );
    if (found.rowCount === 0) return null;
    const row = found.rows[0];
    const args = row.tgargs.length ? row.tgargs.toString('utf8').split('\0').slice(0, -1) : [];
    const [syncPrincipal = '', authority = '', correctionHint = '', fact = ''] = args;
    const fields = args.slice(FIXED_ARGS);
    const enforced =
      row.tgenabled === 'O' &&
      row.tgtype === GUARD_TGTYPE &&
      row.prosrc === GUARD_BODY &&
      row.fn_schema === location.namespace &&
      row.proname === this.functionName(location, key) &&
      sameSet(fields, row.columns);
    return { location, key, authority, fields, syncPrincipal, correctionHint, fact: fact || undefined, enforced, mechanism: name };
  }

  public async applyProtection(p: FieldProtection): Promise<void> {
    const name = this.mechanismName(p.location, p.key);
    const schema = escapeIdentifier(p.location.namespace);
    const fn = `${schema}.${escapeIdentifier(this.functionName(p.location, p.key))}`;
    const args = [p.syncPrincipal, p.authority, p.correctionHint, p.fact ?? '', ...p.fields].map(escapeLiteral).join(', ');
    await this.transaction([
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $authority_guard$${GUARD_BODY}$authority_guard$`,
      `COMMENT ON FUNCTION ${fn}() IS ${escapeLiteral(`Managed by authority: keeps fields owned by ${p.authority} read-only here except for the sync.`)}`,
      `DROP TRIGGER IF EXISTS ${escapeIdentifier(name)} ON ${schema}.${escapeIdentifier(p.location.container)}`,
      `CREATE TRIGGER ${escapeIdentifier(name)} BEFORE INSERT OR UPDATE OF ${p.fields.map(escapeIdentifier).join(', ')}
         ON ${schema}.${escapeIdentifier(p.location.container)} FOR EACH ROW EXECUTE FUNCTION ${fn}(${args})`,
    ]);
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    const name = this.mechanismName(location, key);
    const schema = escapeIdentifier(location.namespace);
    const db = await this.connect();
    const table = await db.query('SELECT to_regclass($1) AS t', [`${schema}.${escapeIdentifier(location.container)}`]);
    await this.transaction([
      ...(table.rows[0].t ? [`DROP TRIGGER IF EXISTS ${escapeIdentifier(name)} ON ${schema}.${escapeIdentifier(location.container)}`] : []),
      `DROP FUNCTION IF EXISTS ${schema}.${escapeIdentifier(this.functionName(location, key))}()`,
    ]);
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
