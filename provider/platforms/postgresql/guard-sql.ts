/**
 * The SQL of the guards on a copy, as small statement builders: the authority guard (a copy's
 * columns are written only by the sync) and the blank guard (divergence authority_unless_blank).
 *
 * Nothing from the configuration is ever spliced into a function body: both bodies are constants,
 * the guard reads its columns and texts from its trigger arguments (TG_ARGV), the blank guard from
 * a setting of its function, and values travel as jsonb. So a name cannot break out of a
 * dollar-quoted body, and read-back tells an intact guard from an edited one by comparing the body.
 * Every identifier is checked (PostgreSQL cannot hold a NUL byte and truncates names over 63 bytes)
 * and quoted; every text is a literal escaped by the driver.
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { FieldLocation } from '../adapter';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated, so refuse them. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A name or text PostgreSQL cannot hold as given: the message says which and why. */
export class UnsafeNameError extends Error {}

/** Why `name` cannot be a PostgreSQL identifier, or undefined when it can. */
export function identifierProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL byte, which PostgreSQL cannot store';
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    return `is longer than ${MAX_IDENTIFIER_BYTES} bytes (${Buffer.byteLength(name)}); PostgreSQL would silently truncate it`;
  }
  return undefined;
}

/** `name` quoted as an identifier; throws UnsafeNameError when PostgreSQL could not hold it exactly. */
export function ident(name: string, what = 'name'): string {
  const problem = identifierProblem(name);
  if (problem) throw new UnsafeNameError(`The ${what} ${JSON.stringify(name)} ${problem}.`);
  return escapeIdentifier(name);
}

/** `text` as a string literal; throws UnsafeNameError on a NUL byte (PostgreSQL text cannot hold one). */
export function lit(text: string, what = 'text'): string {
  if (text.includes('\0')) throw new UnsafeNameError(`The ${what} ${JSON.stringify(text)} contains a NUL byte, which PostgreSQL cannot store.`);
  return escapeLiteral(text);
}

/**
 * `body` between dollar quotes whose tag it does not contain. A literal spliced into a DO block is
 * safe from its single quotes only: escapeLiteral leaves "$", so a name holding the block's tag
 * (a table called `x$seal$;DROP TABLE t;--`) would end the block and run as statements of its own.
 */
export function dollarQuoted(base: string, body: string): string {
  let tag = `$${base}$`;
  for (let i = 1; body.includes(tag); i++) tag = `$${base}${i}$`;
  return `${tag}${body}${tag}`;
}

/** schema.table, both quoted. */
export function tableRef(loc: FieldLocation): string {
  return `${ident(loc.namespace, 'schema')}.${ident(loc.container, 'table')}`;
}

/** schema.function, both quoted. */
export function functionRef(schema: string, name: string): string {
  return `${ident(schema, 'schema')}.${ident(name, 'function name')}`;
}

export const GUARD_PREFIX = 'authority_guard_';

/** The guard trigger's name: readable when the key allows it, else hashed. Trigger names are per table. */
export function guardTriggerName(key: string): string {
  const readable = /^[a-z0-9_]+$/.test(key) && GUARD_PREFIX.length + key.length <= MAX_IDENTIFIER_BYTES;
  return GUARD_PREFIX + (readable ? key : createHash('sha256').update(key).digest('hex').slice(0, 16));
}

/**
 * The guard function's name: functions are per schema, so the table is in it (one function for a
 * key's tables made removing one protection fail on the others' triggers).
 */
export function guardFunctionName(loc: FieldLocation, key: string): string {
  const trigger = guardTriggerName(key);
  const table = createHash('sha256').update(JSON.stringify([loc.namespace, loc.container, key])).digest('hex');
  return trigger.length + 9 <= MAX_IDENTIFIER_BYTES ? `${trigger}_${table.slice(0, 8)}` : `${GUARD_PREFIX}fn_${table.slice(0, 16)}`;
}

/** What every guard function pins: nothing it calls can be shadowed by a schema on the caller's path. */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';
/** pg_proc.proconfig of an intact guard function. */
export const GUARD_PROCONFIG = [`search_path=${PINNED_SEARCH_PATH}`];

/** Trigger arguments before the column names: sync principal, authority, correction hint, fact, key. */
export const GUARD_FIXED_ARGS = 5;

/** The marker of the provider's own settle, accepted only with session_replication_role = replica. */
export const SETTLE_MARKER = 'authority.settle';
/**
 * Beside SETTLE_MARKER: the columns the settle writes (a JSON array). A settle writes only its
 * route's columns, so triggers that watch other columns of the row (the override log, the review
 * queue) must not take those columns' unchanged values for values the sync brought.
 */
export const SETTLE_COLUMNS = 'authority.settle_columns';

/** PL/pgSQL: whether the settle under way leaves column `col` alone (false when no column list was set: then it writes them all). */
export function settleSkips(col: string): string {
  return `NOT COALESCE(NULLIF(pg_catalog.current_setting('${SETTLE_COLUMNS}', true), '')::pg_catalog.jsonb OPERATOR(pg_catalog.?) ${col}, true)`;
}

/**
 * The guard function's body. It fires ALWAYS (also in replica sessions) and lets a change of a
 * protected column through only for the sync principal (current_user, not pg_has_role: superusers
 * are members of every role), the apply workers of the provider's subscriptions (their pid is in
 * pg_stat_subscription: backend_type in pg_stat_activity is hidden from a table owner who is no
 * superuser, and the apply worker runs as the table owner from PostgreSQL 16), and the provider's
 * settle (replica role plus its transaction's marker). A subscription is the provider's when its
 * owner owns the guard's function (the provider's user, which installs both; read-back checks the
 * function's owner) or is a superuser: from PostgreSQL 16 a table owner in pg_create_subscription
 * can subscribe to a server of their own, and that worker is refused. Writes that leave the values
 * as they are pass.
 */
export const GUARD_BODY = `
DECLARE
  sync_principal pg_catalog.text := TG_ARGV[0];
  authority pg_catalog.text := TG_ARGV[1];
  correction pg_catalog.text := TG_ARGV[2];
  col pg_catalog.text;
  changed pg_catalog.text;
  differs pg_catalog.bool;
  guard_owner pg_catalog.oid;
  i pg_catalog.int4;
BEGIN
  FOR i IN ${GUARD_FIXED_ARGS} .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    col := TG_ARGV[i];
    -- A protected column renamed or dropped under the guard: read-back reports the guard altered.
    CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) TG_RELID
                                 AND a.attname OPERATOR(pg_catalog.=) col AND NOT a.attisdropped);
    -- Each value's text as its type's output function writes it (ROW(...) tells NULL from ''):
    -- not its json form or a cast to text, which the owner of a type may redefine.
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
      EXECUTE pg_catalog.format('SELECT pg_catalog.textin(pg_catalog.record_out(ROW(($1).%I))) OPERATOR(pg_catalog.<>) '
        'pg_catalog.textin(pg_catalog.record_out(ROW(($2).%I)))', col, col) INTO differs USING NEW, OLD;
    ELSE
      EXECUTE pg_catalog.format('SELECT pg_catalog.textin(pg_catalog.record_out(ROW(($1).%I))) OPERATOR(pg_catalog.<>) ''()''', col)
        INTO differs USING NEW;
    END IF;
    IF differs THEN
      changed := col;
      EXIT;
    END IF;
  END LOOP;
  IF changed IS NULL OR current_user::pg_catalog.text OPERATOR(pg_catalog.=) sync_principal THEN
    RETURN NEW;
  END IF;
  SELECT p.proowner INTO guard_owner FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
   WHERE t.tgrelid OPERATOR(pg_catalog.=) TG_RELID AND t.tgname OPERATOR(pg_catalog.=) TG_NAME;
  -- The provider's settle: a replica session logged in as the provider's user (or a superuser),
  -- marked for this table (or the partitioned table it belongs to).
  IF pg_catalog.current_setting('session_replication_role') OPERATOR(pg_catalog.=) 'replica'
     AND (TG_RELID::pg_catalog.text OPERATOR(pg_catalog.=) pg_catalog.current_setting('${SETTLE_MARKER}', true)
          OR EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(TG_RELID) a
                      WHERE a.relid::pg_catalog.text OPERATOR(pg_catalog.=) pg_catalog.current_setting('${SETTLE_MARKER}', true)))
     AND EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user
                    AND (r.rolsuper OR r.oid OPERATOR(pg_catalog.=) guard_owner)) THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_stat_subscription s
               JOIN pg_catalog.pg_subscription sub ON sub.oid OPERATOR(pg_catalog.=) s.subid
               JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) sub.subowner
              WHERE s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
                AND (r.rolsuper OR sub.subowner OPERATOR(pg_catalog.=) guard_owner)) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING
    ERRCODE = 'insufficient_privilege',
    MESSAGE = pg_catalog.format('%s.%s is a read-only copy here. %s', TG_TABLE_NAME, changed, correction),
    DETAIL = pg_catalog.format('Only the sync (%s) writes this column here; it copies the value from %s.', sync_principal, authority),
    HINT = correction;
END
`;

/** The dollar-quote tag around the guard body; the constant body never contains it. */
const GUARD_TAG = '$authority_guard$';

/**
 * pg_trigger.tgtype of the guard: ROW (1), INSERT (4), UPDATE (16), and no BEFORE (2): it fires
 * AFTER the row is written, for any UPDATE (no column list). UPDATE OF looks only at the SET list,
 * and BEFORE triggers that fire after the guard (name order) may still change NEW, so only an
 * AFTER trigger sees the row as stored; its exception aborts the statement. Guards installed as
 * BEFORE triggers by earlier versions read back as not enforced, and the next apply replaces them.
 */
export const GUARD_TGTYPE = 1 | 4 | 16;

/**
 * The guard's WHEN condition: true for every row, it names each protected column so that the
 * trigger depends on them (as UPDATE OF did): a column cannot be dropped without dropping the
 * guard (drift), nor rewritten by ALTER COLUMN TYPE ... USING, which fires no trigger.
 */
export function guardWhen(columns: readonly string[]): string {
  return columns.map((c) => `((NEW.${ident(c, 'column')} IS NULL) IS NOT NULL)`).join(' AND ');
}

/** What the guard's trigger arguments say, in order. */
export interface GuardArgs {
  readonly syncPrincipal: string;
  readonly authority: string;
  readonly correctionHint: string;
  readonly fact?: string;
  readonly key: string;
  readonly columns: readonly string[];
}

/** Names as PostgreSQL's quote_ident quotes them (asked of the server: it also quotes keywords). */
export interface QuotedGuardNames {
  readonly trigger: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/**
 * How pg_get_triggerdef states an intact guard, up to its function: read-back compares it, so a
 * trigger re-created by hand with another WHEN condition, timing or column list is not enforced.
 */
export function guardDefPrefix(q: QuotedGuardNames): string {
  const terms = q.columns.map((c) => `((new.${c} IS NULL) IS NOT NULL)`);
  const when = terms.length === 1 ? terms[0] : `(${terms.join(' AND ')})`;
  return `CREATE TRIGGER ${q.trigger} AFTER INSERT OR UPDATE ON ${q.schema}.${q.table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION `;
}

/** The statements that install or repair the guard in one transaction: function, owner, trigger, ALWAYS. */
export function installGuardStatements(loc: FieldLocation, a: GuardArgs): string[] {
  const table = tableRef(loc);
  const trigger = ident(guardTriggerName(a.key), 'trigger name');
  const fn = functionRef(loc.namespace, guardFunctionName(loc, a.key));
  const args = [a.syncPrincipal, a.authority, a.correctionHint, a.fact ?? '', a.key].map((v) => lit(v));
  return [
    createFunction(fn, GUARD_TAG, GUARD_BODY, []),
    // Back to the provider's user, whoever was given it by hand (an owner may edit the function).
    `ALTER FUNCTION ${fn}() OWNER TO CURRENT_USER`,
    `COMMENT ON FUNCTION ${fn}() IS ${lit(`Managed by authority: keeps fields owned by ${a.authority} read-only here except for the sync.`)}`,
    `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
    `CREATE TRIGGER ${trigger} AFTER INSERT OR UPDATE ON ${table} ` +
      `FOR EACH ROW WHEN (${guardWhen(a.columns)}) EXECUTE FUNCTION ${fn}(${[...args, ...a.columns.map((c) => lit(c, 'column'))].join(', ')})`,
    // Fires in replica sessions too (a superuser's session_replication_role = replica); recurses to partitions.
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`,
  ];
}

/** The statements that remove the guard: its trigger (when the table is there) and its function. */
export function removeGuardStatements(loc: FieldLocation, key: string, tableExists: boolean): string[] {
  return [
    ...(tableExists ? [`DROP TRIGGER IF EXISTS ${ident(guardTriggerName(key), 'trigger name')} ON ${tableRef(loc)}`] : []),
    `DROP FUNCTION IF EXISTS ${functionRef(loc.namespace, guardFunctionName(loc, key))}()`,
  ];
}

/** The blank guard's setting that lists its columns (a JSON array), kept with its function. */
export const BLANK_COLUMNS_SETTING = 'authority.keep_columns';

/** PL/pgSQL, the end of a row trigger that keeps some columns' values: the columns in jsonb `kept` get them back into NEW. */
export const KEPT_INTO_NEW = `  IF kept OPERATOR(pg_catalog.<>) '{}'::pg_catalog.jsonb THEN
    NEW := pg_catalog.jsonb_populate_record(NEW, kept);
  END IF;
  RETURN NEW;
END
`;

/**
 * The blank guard's body: where an incoming (replicated) value is blank, NULL or '' as text, the
 * copy's own stays. Its columns come from its function's setting, so a change of columns refreshes
 * the function without trigger DDL (which would lock the copy's table); %I quotes each at run time.
 */
export const BLANK_GUARD_BODY = `
DECLARE
  col pg_catalog.text;
  blank pg_catalog.bool;
  kept pg_catalog.jsonb := '{}'::pg_catalog.jsonb;
BEGIN
  FOR col IN SELECT pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('${BLANK_COLUMNS_SETTING}')::pg_catalog.jsonb) LOOP
    EXECUTE pg_catalog.format('SELECT ($1).%I IS NULL OR ($1).%I::pg_catalog.text OPERATOR(pg_catalog.=) $2', col, col) INTO blank USING NEW, '';
    IF blank THEN
      kept := kept OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(col, pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->) col);
    END IF;
  END LOOP;
${KEPT_INTO_NEW}`;

const BLANK_TAG = '$authority$';

/** pg_trigger.tgtype of the blank guard: ROW (1), BEFORE (2), UPDATE (16). */
export const BLANK_GUARD_TGTYPE = 1 | 2 | 16;

/** The search path entry of the blank guard's proconfig; the columns entry follows it. */
export function blankGuardProconfig(columns: readonly string[]): string[] {
  return [`search_path=${PINNED_SEARCH_PATH}`, `${BLANK_COLUMNS_SETTING}=${JSON.stringify(columns)}`];
}

/**
 * Statements that install the blank guard, or refresh its function (columns, body, owner); with
 * `withTrigger`, also (re)create its trigger, which fires only for replicated writes (ENABLE REPLICA).
 */
export function blankGuardStatements(name: string, loc: FieldLocation, authority: string, columns: readonly string[], withTrigger: boolean): string[] {
  const table = tableRef(loc);
  const trigger = ident(name, 'trigger name');
  const fn = functionRef(loc.namespace, name);
  columns.forEach((c) => ident(c, 'column'));
  return [
    createFunction(fn, BLANK_TAG, BLANK_GUARD_BODY, [[BLANK_COLUMNS_SETTING, lit(JSON.stringify(columns), 'column list')]]),
    `ALTER FUNCTION ${fn}() OWNER TO CURRENT_USER`,
    `COMMENT ON FUNCTION ${fn}() IS ${lit(`Managed by authority: ${authority}'s values win on ${loc.namespace}.${loc.container} unless blank.`)}`,
    ...(withTrigger ? [
      `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
      `CREATE TRIGGER ${trigger} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
      `ALTER TABLE ${table} ENABLE REPLICA TRIGGER ${trigger}`,
    ] : []),
  ];
}

/** The statements that remove the blank guard: its trigger (when there is one) and its function. */
export function removeBlankGuardStatements(name: string, loc: FieldLocation, hasTrigger: boolean): string[] {
  return [
    ...(hasTrigger ? [`DROP TRIGGER ${ident(name, 'trigger name')} ON ${tableRef(loc)}`] : []),
    `DROP FUNCTION IF EXISTS ${functionRef(loc.namespace, name)}()`,
  ];
}

/**
 * CREATE OR REPLACE of a trigger function with a constant body: invoker's rights and a pinned
 * search path, stated so that a replace also undoes SECURITY DEFINER or another path set by hand.
 */
function createFunction(fn: string, tag: string, body: string, settings: [string, string][]): string {
  if (body.includes(tag)) throw new Error(`internal: the body contains its dollar-quote tag ${tag}`);
  const sets = settings.map(([k, v]) => ` SET ${k} = ${v}`).join('');
  return `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER ` +
    `SET search_path = ${PINNED_SEARCH_PATH}${sets} AS ${tag}${body}${tag}`;
}
