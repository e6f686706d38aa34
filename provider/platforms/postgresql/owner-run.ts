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
import { oneMessage } from './connection';
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

/** How asOwner joins the transaction around it. */
export interface AsOwnerOptions {
  /** Its first statement begins the transaction (then nothing is sent when `work` runs nothing). @default false */
  readonly begins?: boolean;
  /** Its last statement commits the transaction. @default false */
  readonly commits?: boolean;
}

/**
 * Runs `work` inside the caller's transaction on `db`, its statements (at most one parameter each,
 * sent as text) run as `owner` through functions of ownerFunctionStatements. The provider's own
 * role is back when it returns. Every round trip costs both processes a wake-up, and a settle runs
 * this for each route: the role switch and a statement's function go with its first run, the
 * drops and the switch back in one message (`options` adds BEGIN and COMMIT to those). On a
 * failure the caller rolls the transaction back.
 */
export async function asOwner<T>(db: Client, owner: string, work: (run: Run) => Promise<T>, options: AsOwnerOptions = {}): Promise<T> {
  const made = new Map<string, string>();
  let switched = false;
  const run: Run = async <R extends QueryResultRow>(sql: string, params: unknown[] = []) => {
    if (params.length > 1) throw new Error('internal: a statement run as the table\'s owner takes at most one parameter');
    const value = params[0] === undefined || params[0] === null ? null : String(params[0]);
    let fn = made.get(sql);
    let found: QueryResult<{ v: R }>;
    if (fn) {
      found = await db.query<{ v: R }>(`SELECT v FROM pg_temp.${fn}($1) AS v`, [value]);
    } else {
      fn = `authority_as_owner_${made.size + 1}`;
      const first = switched ? [] : [...(options.begins ? ['BEGIN'] : []), `SELECT pg_catalog.set_config('role', ${lit(owner, 'role')}, true)`];
      switched = true;
      found = lastResult(await db.query(oneMessage([
        ...first, ...ownerFunctionStatements(fn, sql), `SELECT v FROM pg_temp.${fn}(${value === null ? 'NULL' : lit(value)}) AS v`,
      ])));
      made.set(sql, fn);
    }
    const rows = found.rows.map((r) => r.v);
    if (WRITES.test(sql)) return { ...found, rows: [], rowCount: (rows[0] as unknown as { count: number }).count } as QueryResult<R>;
    return { ...found, rows, rowCount: rows.length } as QueryResult<R>;
  };
  const result = await work(run);
  const last = [
    ...(switched ? [...[...made.values()].map((fn) => `DROP FUNCTION pg_temp.${fn}(text)`), "SELECT pg_catalog.set_config('role', 'none', true)"] : []),
    ...(options.commits && (switched || !options.begins) ? ['COMMIT'] : []),
  ];
  if (last.length) await db.query(oneMessage(last));
  return result;
}

/** The result of a message's last statement (pg answers a message of several with one result each). */
function lastResult<R extends QueryResultRow>(results: QueryResult<R> | QueryResult<R>[]): QueryResult<R> {
  return Array.isArray(results) ? results[results.length - 1] : results;
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
