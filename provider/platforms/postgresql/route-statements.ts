/**
 * Statements of a pair's slot and subscription that need care: creating the slot waits on open
 * transactions (bounded, naming them), and the statements carrying the authority's password are
 * kept out of the copy's server log.
 */
import { Client } from 'pg';
import { COLUMN_LISTS_SINCE, Run } from './catalog';

/** SQLSTATE query_canceled: statement_timeout ran out. */
const QUERY_CANCELED = '57014';

/**
 * Creates the pair's slot. It waits for every transaction open on the server at that moment to
 * finish (a consistent starting point): a forgotten one would hold the apply forever, so the wait
 * is bounded and the failure names the sessions it waited for.
 */
export async function createSlot(db: Client, name: string, waitSeconds: number): Promise<void> {
  await db.query(`SET statement_timeout = ${Math.round(waitSeconds * 1000)}`);
  try {
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
  } catch (e) {
    if ((e as { code?: string }).code !== QUERY_CANCELED) throw e;
    const open = await db.query<{ pid: number; who: string; state: string; since: string }>(
      `SELECT pid, coalesce(usename, '?') || coalesce(' (' || nullif(application_name, '') || ')', '') AS who, state,
              to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS since
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() ORDER BY xact_start LIMIT 5`);
    const sessions = open.rows.map((r) => `pid ${r.pid}, ${r.who}, ${r.state} since ${r.since}`).join('; ');
    throw new Error(`creating replication slot "${name}" waited wait_timeout (${waitSeconds} s) for transactions open on the server to ` +
      `finish${sessions ? `: ${sessions}` : ''}. Let them finish or end them (SELECT pg_terminate_backend(pid)), or raise wait_timeout, and apply again`);
  }
}

/**
 * Settings that keep a statement carrying the password out of the copy's server log and
 * statistics: the statement of every error is logged by default, and servers may log every DDL
 * statement, slow statements, or keep utility statements' text in pg_stat_statements.
 */
const QUIET: [string, string][] = [
  ['log_statement', "'none'"],
  ['log_min_error_statement', 'panic'],
  ['log_min_duration_statement', '-1'],
  ['log_min_duration_sample', '-1'],
  ['pg_stat_statements.track_utility', 'off'],
];

/**
 * The QUIET settings that would record a statement carrying the password on this server and that
 * the provider's user may not turn off for its session (superusers may; others need GRANT SET ON
 * PARAMETER, PostgreSQL 15+). Defaults count: log_min_error_statement = error logs any statement
 * that fails.
 */
export async function unsilenced(query: Run, version: number): Promise<{ name: string; value: string }[]> {
  const found = await query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name
      WHERE current_setting(name, true) IS NOT NULL
        AND NOT ${version >= COLUMN_LISTS_SINCE ? "has_parameter_privilege(name, 'SET')" : "current_setting('is_superuser') = 'on'"}
        AND CASE name
              WHEN 'log_statement' THEN current_setting(name) IN ('ddl', 'all')
              WHEN 'log_min_error_statement' THEN current_setting(name) <> 'panic'
              WHEN 'pg_stat_statements.track_utility' THEN current_setting(name) = 'on'
              ELSE current_setting(name) <> '-1' -- log_min_duration_*
            END
      ORDER BY name`, [QUIET.map(([name]) => name)]);
  return found.rows;
}

/** SET LOCAL statements for the QUIET settings this server has and the provider's user may set. */
export async function quietStatements(db: Client, version: number): Promise<string[]> {
  const names = QUIET.map(([name]) => name);
  const may = version >= COLUMN_LISTS_SINCE
    // has_parameter_privilege (15+) covers superusers and GRANT SET ON PARAMETER; only for settings that exist here.
    ? await db.query<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name
        WHERE CASE WHEN current_setting(name, true) IS NULL THEN false ELSE has_parameter_privilege(name, 'SET') END`, [names])
    : await db.query<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name
        WHERE current_setting(name, true) IS NOT NULL AND current_setting('is_superuser') = 'on'`, [names]);
  const allowed = new Set(may.rows.map((r) => r.name));
  return QUIET.filter(([name]) => allowed.has(name)).map(([name, value]) => `SET LOCAL ${name} = ${value}`);
}
