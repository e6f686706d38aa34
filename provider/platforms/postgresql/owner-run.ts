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
  // Deferred constraint triggers the statement queued fire here, still as the owner: at COMMIT,
  // PostgreSQL before 18 would run them as the provider's own role.
  const body = `BEGIN RETURN QUERY EXECUTE ${lit(query, 'statement')} USING p; SET CONSTRAINTS ALL IMMEDIATE; END`;
  return [
    `CREATE FUNCTION pg_temp.${name}(p text) RETURNS SETOF json LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${PINNED_SEARCH_PATH} ` +
      `AS ${dollarQuoted('authority_as_owner', body)}`,
    `REVOKE ALL ON FUNCTION pg_temp.${name}(text) FROM PUBLIC`,
  ];
}

/** The provider's own function that every run of a statement as the owner goes through. */
const OWNER_CALL = 'authority_owner_call';

/**
 * The statements that make (as the provider, before the role switch) the function every call of an
 * owner's function goes through. The owner owns those functions, so code of the owner's that runs
 * in one call could make one SECURITY INVOKER before the next, which would then run with the
 * session's role and could RESET ROLE to the provider's. This one is the provider's: it checks the
 * function is still SECURITY DEFINER in the statement that calls it, with nothing of the owner's
 * running in between.
 */
export function ownerCallStatements(): string[] {
  const body = `DECLARE fn pg_catalog.regprocedure := pg_catalog.to_regprocedure('pg_temp.' OPERATOR(pg_catalog.||) f OPERATOR(pg_catalog.||) '(pg_catalog.text)');
BEGIN
  IF fn IS NULL OR NOT (SELECT p.prosecdef FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) fn) THEN
    RAISE EXCEPTION 'the function pg_temp.% that runs a statement of the provider''s as the table''s owner is no longer SECURITY DEFINER: code of the owner''s changed it', f;
  END IF;
  RETURN QUERY EXECUTE 'SELECT v FROM pg_temp.' OPERATOR(pg_catalog.||) f OPERATOR(pg_catalog.||) '($1) AS v' USING p;
END`;
  return [
    `CREATE FUNCTION pg_temp.${OWNER_CALL}(f text, p text) RETURNS SETOF json LANGUAGE plpgsql SET search_path = ${PINNED_SEARCH_PATH} ` +
      `AS ${dollarQuoted(OWNER_CALL, body)}`,
  ];
}

/** How asOwner joins the transaction around it, and what it prepares. */
export interface AsOwnerOptions {
  /** Its first statement begins the transaction (then nothing is sent when `work` runs nothing). @default false */
  readonly begins?: boolean;
  /** Its last statement commits the transaction. @default false */
  readonly commits?: boolean;
  /**
   * Statements `work` will run: their functions are made with the role switch, before any code of
   * the owner's has run in the session (that code may change the session's settings, e.g. its
   * client_encoding, under which a later message would be read). @default none: made at first run
   */
  readonly statements?: readonly string[];
}

/**
 * Runs `work` inside the caller's transaction on `db`, its statements (at most one parameter each,
 * always sent as a parameter, never in the statement's text) run as the role with oid `ownerOid`
 * through functions of ownerFunctionStatements. The provider's own role is back when it returns.
 * Every round trip costs both processes a wake-up, and a settle runs this for each route: the role
 * switch and the functions go in one message, the drops and the switch back in another (`options`
 * adds BEGIN and COMMIT to those). On a failure the caller rolls the transaction back; `run`
 * refuses to go on after one.
 */
export async function asOwner<T>(db: Client, ownerOid: number, work: (run: Run) => Promise<T>, options: AsOwnerOptions = {}): Promise<T> {
  if (!Number.isSafeInteger(ownerOid) || ownerOid <= 0) throw new Error(`internal: ${ownerOid} is not a role's oid`);
  const made = new Map<string, string>();
  let switched = false;
  let failed = false;
  const make = async (statements: readonly string[]) => {
    const fresh = [...new Set(statements)].filter((sql) => !made.has(sql));
    const names = fresh.map((_, i) => `authority_as_owner_${made.size + i + 1}`);
    const first = switched ? [] : [
      ...(options.begins ? ['BEGIN'] : []),
      ...ownerCallStatements(),
      // The owner by oid: a number reads the same whatever the session's settings.
      `SELECT pg_catalog.set_config('role', pg_catalog.pg_get_userbyid(${ownerOid}::pg_catalog.oid)::pg_catalog.text, true)`,
    ];
    await db.query(oneMessage([...first, ...fresh.flatMap((sql, i) => ownerFunctionStatements(names[i], sql))]));
    switched = true;
    fresh.forEach((sql, i) => made.set(sql, names[i]));
  };
  let busy = false;
  const run: Run = async <R extends QueryResultRow>(sql: string, params: unknown[] = []) => {
    if (failed) throw new Error('internal: a statement run as the table\'s owner after one failed in the same transaction');
    if (params.length > 1) throw new Error('internal: a statement run as the table\'s owner takes at most one parameter');
    if (busy) throw new Error('internal: statements run as the table\'s owner one at a time');
    busy = true;
    try {
      if (!made.has(sql)) await make([...(switched ? [] : options.statements ?? []), sql]);
      const value = params[0] === undefined || params[0] === null ? null : String(params[0]);
      const found = await db.query<{ v: R }>(`SELECT v FROM pg_temp.${OWNER_CALL}($1, $2) AS v`, [made.get(sql), value]);
      const rows = found.rows.map((r) => r.v);
      if (WRITES.test(sql)) return { ...found, rows: [], rowCount: (rows[0] as unknown as { count: number }).count } as QueryResult<R>;
      return { ...found, rows, rowCount: rows.length } as QueryResult<R>;
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      busy = false;
    }
  };
  const result = await work(run);
  if (failed) throw new Error('internal: a statement run as the table\'s owner failed, and the work went on');
  const last = [
    ...(switched ? [
      ...[...made.values()].map((fn) => `DROP FUNCTION pg_temp.${fn}(text)`), "SELECT pg_catalog.set_config('role', 'none', true)",
      `DROP FUNCTION pg_temp.${OWNER_CALL}(text, text)`,
    ] : []),
    ...(options.commits && (switched || !options.begins) ? ['COMMIT'] : []),
  ];
  if (last.length) await db.query(oneMessage(last));
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
