/**
 * Statements the provider runs with a table owner's rights and no way back to its own: a settle's
 * or a comparison's reads and writes of a user's table, where what the owner defined for it (an
 * ALWAYS trigger, a cast to json, a domain's check) runs. SET ROLE alone does not hold such code:
 * it can RESET ROLE back to the provider's session user. So each statement runs inside a SECURITY
 * DEFINER function the owner owns, made for it in the session's temporary schema (which takes the
 * owner's TEMP privilege on the database), where PostgreSQL refuses SET ROLE, RESET ROLE and SET
 * SESSION AUTHORIZATION. The functions' bodies are the provider's constant statements; nobody else
 * may execute them, and they are dropped before the transaction ends.
 */
import { Client, QueryResult, QueryResultRow } from 'pg';
import { Run } from './catalog';
import { PINNED_SEARCH_PATH, dollarQuoted, lit } from './guard-sql';

/** Whether `sql` writes rows (then its result is how many), or reads them. */
const WRITES = /^\s*(UPDATE|INSERT|DELETE)\b/i;

/**
 * The statements that make function `name` (in pg_temp) running `sql` with its one text parameter
 * ($1) and returning each row as json (a write: one json with its row count), for its owner alone.
 */
export function ownerFunctionStatements(name: string, sql: string): string[] {
  const query = WRITES.test(sql)
    ? `WITH authority_written AS (${sql} RETURNING 1) SELECT pg_catalog.json_build_object('count', pg_catalog.count(*)) FROM authority_written`
    : `SELECT pg_catalog.row_to_json(authority_row) FROM (${sql}) authority_row`;
  const body = `BEGIN RETURN QUERY EXECUTE ${lit(query, 'statement')} USING p; END`;
  return [
    `CREATE FUNCTION pg_temp.${name}(p text) RETURNS SETOF json LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${PINNED_SEARCH_PATH} ` +
      `AS ${dollarQuoted('authority_as_owner', body)}`,
    `REVOKE ALL ON FUNCTION pg_temp.${name}(text) FROM PUBLIC`,
  ];
}

/**
 * Runs `work` inside the caller's transaction on `db`, its statements (at most one parameter each,
 * sent as text) run as `owner` through functions of ownerFunctionStatements. The provider's own
 * role is back when it returns.
 */
export async function asOwner<T>(db: Client, owner: string, work: (run: Run) => Promise<T>): Promise<T> {
  await db.query("SELECT pg_catalog.set_config('role', $1, true)", [owner]);
  const made = new Map<string, string>();
  const run: Run = async <R extends QueryResultRow>(sql: string, params: unknown[] = []) => {
    if (params.length > 1) throw new Error('internal: a statement run as the table\'s owner takes at most one parameter');
    let fn = made.get(sql);
    if (!fn) {
      fn = `authority_as_owner_${made.size + 1}`;
      for (const statement of ownerFunctionStatements(fn, sql)) await db.query(statement);
      made.set(sql, fn);
    }
    const value = params[0] === undefined || params[0] === null ? null : String(params[0]);
    const found = await db.query<{ v: R }>(`SELECT v FROM pg_temp.${fn}($1) AS v`, [value]);
    const rows = found.rows.map((r) => r.v);
    if (WRITES.test(sql)) return { ...found, rows: [], rowCount: (rows[0] as unknown as { count: number }).count } as QueryResult<R>;
    return { ...found, rows, rowCount: rows.length } as QueryResult<R>;
  };
  const result = await work(run);
  for (const fn of made.values()) await db.query(`DROP FUNCTION pg_temp.${fn}(text)`);
  await db.query("SELECT pg_catalog.set_config('role', 'none', true)");
  return result;
}

/**
 * The statements that run `query` (one row, its value named `result`) as the owner of `table` (a
 * regclass literal's text) inside the caller's transaction, for steps sent as a list of statements:
 * the last but two returns `result`.
 */
export function asTableOwnerStatements(table: string, query: string): string[] {
  const fn = 'authority_as_table_owner';
  return [
    `SELECT pg_catalog.set_config('role', pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text, true) FROM pg_catalog.pg_class c ` +
      `WHERE c.oid OPERATOR(pg_catalog.=) ${lit(table)}::pg_catalog.regclass`,
    ...ownerFunctionStatements(fn, query),
    `SELECT (v OPERATOR(pg_catalog.->>) 'result')::pg_catalog.int4 AS result FROM pg_temp.${fn}(NULL) v`,
    `DROP FUNCTION pg_temp.${fn}(text)`,
    "SELECT pg_catalog.set_config('role', 'none', true)",
  ];
}
