/**
 * The functions of the records schema `authority_records` on a copy (the override log, the review
 * queue, newest-wins; override-sql.ts, review-queue-sql.ts, newest-wins-sql.ts): how each runs, who
 * may call it, and the PL/pgSQL fragments their triggers share.
 *
 * Only the records' triggers may write the records, and only as the provider attached them. So:
 * - A trigger that writes the records (override_row, hold_row, newest_row: a "recording trigger")
 *   is SECURITY DEFINER, owned by the provider's user, and nobody else may EXECUTE it. CREATE
 *   TRIGGER takes EXECUTE on the function; firing a trigger checks nothing: everyone's writes of
 *   the copy's tables fire it, but nobody else can attach it to a table of their own (a TEMP one).
 *   Only superusers, members of the owner's role and (cloning it to a new partition) the owner of a
 *   partitioned copy table the provider governs get it onto another table: each is trusted already.
 *   So every firing is of a trigger the provider made, with its arguments, on a table it governs:
 *   what the trigger records it derives from that table's row and the log, never from its caller.
 * - The functions that write the records for them (note_override, hold_local, supersede_override,
 *   ...: "helpers") are SECURITY INVOKER and nobody but their owner may EXECUTE them: called from a
 *   recording trigger they run as the owner, who owns the records; called from anywhere else they are
 *   refused before they start. Checking pg_trigger_depth() only (an earlier design, with the helpers
 *   SECURITY DEFINER and PUBLIC) let anyone call them from a trigger of their own; checking the
 *   caller in PG_CONTEXT is not sound either (the context includes statement text the caller writes).
 * - The other triggers (override_expiry, review_resolve) are SECURITY INVOKER, attached by the
 *   provider only (the same EXECUTE rule); the functions that write only what their caller may
 *   (revert_overrides, hold_apply_resolutions) run with the caller's rights and anyone may call
 *   them: what the records make of such a write is the recording trigger's decision.
 * Inside a recording trigger current_user is the records' owner, so the writer is taken from what
 * SECURITY DEFINER does not change: the role of SET ROLE, else the session's user (ACTING_ROLE). That
 * is current_user outside any other SECURITY DEFINER function; a write through another role's
 * SECURITY DEFINER function is recorded as the session's role's, not as that function owner's.
 * A recording trigger reads its row as JSON and may write JSON back into it, which runs code the
 * column types bring (a cast to json, a domain's constraint); with the owner's rights, it refuses the
 * write if that code is neither a superuser's nor the owner's (ROW_CODE_TRUSTED), as the provider
 * otherwise writes a table as its owner so that the owner's code never runs with its rights.
 * The records' tables are written by their owner alone (recordsTablesStatement): a TRIGGER grant
 * on them would run its holder's trigger with the owner's rights as the records are written.
 * Read-back (recordsFunctionsIntact) compares body, SECURITY DEFINER, search path, owner and who
 * may EXECUTE, and the tables' grants: an install of the earlier design is drift, and apply
 * replaces its functions and their privileges (recordsGrantsStatement).
 */
import { PINNED_SEARCH_PATH, SETTLE_MARKER, dollarQuoted, lit } from './guard-sql';

/** The schema on the copy that holds the override log, the review queue and their functions. */
export const OVERRIDE_SCHEMA = 'authority_records';

/** How a function of the records schema runs and who may EXECUTE it (see the file comment). */
export type RecordsFunctionKind = 'recording trigger' | 'trigger' | 'helper' | 'caller rights';

/** A function of the records schema: its name, kind, CREATE statement (body quoted with `tag`) and body (read-back compares it). */
export interface RecordsFunction {
  readonly name: string;
  readonly sql: string;
  readonly body: string;
  readonly kind: RecordsFunctionKind;
}

/** Whether a function of this kind is SECURITY DEFINER. */
export function isDefiner(kind: RecordsFunctionKind): boolean {
  return kind === 'recording trigger';
}

/** Whether anyone may EXECUTE a function of this kind (else its owner only). */
export function isPublic(kind: RecordsFunctionKind): boolean {
  return kind === 'caller rights';
}

/** The maker of the records schema's functions whose bodies are quoted with `tag` (the override log's, the review queue's). */
export function recordsFunctions(tag: string): (name: string, params: string, returns: string, kind: RecordsFunctionKind, body: string) => RecordsFunction {
  return (name, params, returns, kind, body) => {
    if (body.includes(tag)) throw new Error(`internal: the body of ${name} contains its dollar-quote tag`);
    return {
      name, body, kind,
      sql: `CREATE OR REPLACE FUNCTION ${OVERRIDE_SCHEMA}.${name}(${params}) RETURNS ${returns} LANGUAGE plpgsql ` +
        `${isDefiner(kind) ? 'SECURITY DEFINER' : 'SECURITY INVOKER'} SET search_path = ${PINNED_SEARCH_PATH} AS ${tag}${body}${tag}`,
    };
  };
}

/** The function belongs to the provider's user (only those get their privileges set). */
const OWN = 'p.proowner OPERATOR(pg_catalog.=) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user)';

/**
 * The statement (after the functions' CREATE) that leaves EXECUTE on each of `functions` to its
 * owner alone, or gives it to PUBLIC for the ones with the caller's rights. CREATE OR REPLACE keeps
 * a function's privileges, and default privileges may grant some to other roles: all are revoked.
 */
export function recordsGrantsStatement(functions: readonly RecordsFunction[]): string {
  const names = (pick: (f: RecordsFunction) => boolean) => lit(`{${functions.filter(pick).map((f) => f.name).join(',')}}`);
  const body = ` DECLARE
  g record;
BEGIN
  FOR g IN SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS f,
                  a.grantee, p.proname OPERATOR(pg_catalog.=) ANY (${names((f) => isPublic(f.kind))}::pg_catalog.text[]) AS open
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
             CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
            WHERE n.nspname OPERATOR(pg_catalog.=) ${lit(OVERRIDE_SCHEMA)} AND ${OWN}
              AND p.proname OPERATOR(pg_catalog.=) ANY (${names(() => true)}::pg_catalog.text[]) AND a.grantee OPERATOR(pg_catalog.<>) p.proowner LOOP
    CONTINUE WHEN g.open;
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM %s', g.f,
      CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END);
  END LOOP;
  FOR g IN SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS f
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
            WHERE n.nspname OPERATOR(pg_catalog.=) ${lit(OVERRIDE_SCHEMA)} AND ${OWN}
              AND p.proname OPERATOR(pg_catalog.=) ANY (${names((f) => isPublic(f.kind))}::pg_catalog.text[]) LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', g.f);
  END LOOP;
END `;
  return `DO ${dollarQuoted('grants', body)}`;
}

/** The privileges on the records schema's `relations` that someone other than its owner holds and should not: any but PUBLIC's SELECT. */
export function foreignTablePrivileges(relations: readonly string[]): string {
  return `SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS t, a.grantee, a.privilege_type
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
     WHERE n.nspname OPERATOR(pg_catalog.=) ${lit(OVERRIDE_SCHEMA)} AND c.relname OPERATOR(pg_catalog.=) ANY (${lit(`{${relations.join(',')}}`)}::pg_catalog.text[])
       AND a.grantee OPERATOR(pg_catalog.<>) c.relowner AND NOT (a.grantee OPERATOR(pg_catalog.=) 0 AND a.privilege_type OPERATOR(pg_catalog.=) 'SELECT')`;
}

/**
 * The statement (after the tables' GRANTs) that leaves writing the records' `relations` to their
 * owner: it revokes what default privileges gave others (TRIGGER too, whose trigger would run
 * with the owner's rights as the records are written). People resolve review items through a
 * column privilege, which this leaves.
 */
export function recordsTablesStatement(relations: readonly string[]): string {
  const body = ` DECLARE
  g record;
BEGIN
  FOR g IN ${foreignTablePrivileges(relations)} LOOP
    EXECUTE pg_catalog.format('REVOKE %s ON %s FROM %s', g.privilege_type, g.t,
      CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END);
  END LOOP;
END `;
  return `DO ${dollarQuoted('tables', body)}`;
}

/**
 * The expression (in a recording trigger): the role the write acts as, which SECURITY DEFINER does
 * not change: the role of SET ROLE (only one the session's user may take), else the session's user.
 */
export const ACTING_ROLE = `COALESCE(NULLIF(pg_catalog.current_setting('role'), 'none'), session_user::pg_catalog.text)`;

/**
 * PL/pgSQL, first in each recording trigger (before it reads its row as JSON): refuses the write when
 * reading the row as JSON or writing JSON back into it would run code made by a role other than a
 * superuser or the records' owner (current_user here): a cast to json of a type among the row's
 * columns (to_jsonb takes it), or a function or operator in a domain's constraint (checked as a
 * value goes back into the row). A row of built-in types only costs one catalog lookup.
 */
export const ROW_CODE_TRUSTED = `
  IF EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) TG_RELID AND a.attnum OPERATOR(pg_catalog.>) 0
                AND NOT a.attisdropped AND a.atttypid OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid) THEN
    WITH RECURSIVE types(t) AS (
        SELECT a.atttypid FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) TG_RELID AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
      UNION
        SELECT inner_type.t FROM types JOIN pg_catalog.pg_type y ON y.oid OPERATOR(pg_catalog.=) types.t
          CROSS JOIN LATERAL (
            SELECT y.typbasetype WHERE y.typtype OPERATOR(pg_catalog.=) 'd'
            UNION ALL SELECT y.typelem WHERE y.typelem OPERATOR(pg_catalog.<>) 0
            UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
                       WHERE y.typrelid OPERATOR(pg_catalog.<>) 0 AND a.attrelid OPERATOR(pg_catalog.=) y.typrelid
                         AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
            UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid OPERATOR(pg_catalog.=) y.oid
            UNION ALL SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid OPERATOR(pg_catalog.=) y.oid) inner_type(t)),
    code(fn) AS (
        SELECT c.castfunc FROM pg_catalog.pg_cast c
         WHERE c.castsource OPERATOR(pg_catalog.=) ANY (SELECT t FROM types) AND c.casttarget OPERATOR(pg_catalog.=) ANY (ARRAY[114, 3802]::pg_catalog.oid[])
      UNION ALL
        SELECT CASE WHEN d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
                    THEN (SELECT o.oprcode::pg_catalog.oid FROM pg_catalog.pg_operator o WHERE o.oid OPERATOR(pg_catalog.=) d.refobjid)
                    ELSE d.refobjid END
          FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_depend d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) k.oid
         WHERE k.contypid OPERATOR(pg_catalog.=) ANY (SELECT t FROM types)
           AND d.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass]))
    SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text, r.rolname INTO untrusted_code, untrusted_owner
      FROM code JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) code.fn JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) p.proowner
     WHERE NOT r.rolsuper AND r.rolname OPERATOR(pg_catalog.<>) current_user LIMIT 1;
    IF untrusted_code IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = pg_catalog.format('authority: a write of %I.%I is not recorded: reading its row runs %s of role %s, which is neither '
                                    'the provider''s user nor a superuser; the records would run it with the provider''s rights',
                                    TG_TABLE_SCHEMA, TG_TABLE_NAME, untrusted_code, untrusted_owner),
        HINT = 'Make the provider''s user or a superuser own that function (a cast to json, a domain''s constraint), or give the column a type without it.';
    END IF;
  END IF;`;

/** The declarations ROW_CODE_TRUSTED needs. */
export const ROW_CODE_DECLARATIONS = `
  untrusted_code pg_catalog.text;
  untrusted_owner pg_catalog.name;`;

/**
 * PL/pgSQL (with `fn_owner oid`, `settling bool` declared): `settling`, the provider's settle of this table (a replica
 * session marked for it, by a superuser or the function's owner); false, never NULL, in an apply worker.
 */
export const SYNC_WRITER = `
  SELECT p.proowner INTO fn_owner FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
   WHERE t.tgrelid OPERATOR(pg_catalog.=) TG_RELID AND t.tgname OPERATOR(pg_catalog.=) TG_NAME;
  settling := COALESCE(pg_catalog.current_setting('session_replication_role') OPERATOR(pg_catalog.=) 'replica'
              AND TG_RELID::pg_catalog.text OPERATOR(pg_catalog.=) pg_catalog.current_setting('${SETTLE_MARKER}', true)
              AND EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user
                             AND (r.rolsuper OR r.oid OPERATOR(pg_catalog.=) fn_owner)), false);`;

/**
 * The expression (with `feed text`, `newj jsonb`, `fn_owner oid` declared): this backend is the apply worker of
 * subscription `feed`, which brings the trigger's columns from their authority (syncPairName), owned by a
 * superuser or the function's owner. Another authority's worker writes only its own columns of the row: these
 * columns' values in its write are the copy's. A trigger made before the feed was an argument has a column in
 * its place (no subscription's name): any of the provider's workers then, until apply replaces it (drift).
 */
export const SYNC_APPLY_WORKER = `EXISTS (SELECT FROM pg_catalog.pg_stat_subscription s
                 JOIN pg_catalog.pg_subscription sub ON sub.oid OPERATOR(pg_catalog.=) s.subid
                 JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) sub.subowner
                WHERE s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
                  AND (sub.subname OPERATOR(pg_catalog.=) feed OR newj OPERATOR(pg_catalog.?) feed)
                  AND (r.rolsuper OR sub.subowner OPERATOR(pg_catalog.=) fn_owner))`;

/** PL/pgSQL (in a row trigger): the row's primary key as jsonb, from the row `row` (a jsonb variable), into `into`; NULL without a primary key. */
export function recordKeyInto(into: string, row: string): string {
  return `  SELECT pg_catalog.jsonb_object_agg(a.attname, ${row} OPERATOR(pg_catalog.->) a.attname::pg_catalog.text) INTO ${into}
    FROM pg_catalog.pg_index x JOIN pg_catalog.pg_attribute a
      ON a.attrelid OPERATOR(pg_catalog.=) x.indrelid AND a.attnum OPERATOR(pg_catalog.=) ANY (x.indkey)
   WHERE x.indrelid OPERATOR(pg_catalog.=) TG_RELID AND x.indisprimary;`;
}

/** PL/pgSQL refusing a call from outside a trigger: `what` is written only by its triggers (a helper's second lock: EXECUTE is its owner's only). */
export function onlyInTrigger(what: string): string {
  return `
  IF pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 1 THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'authority: ${what} is written only by its triggers';
  END IF;`;
}
