/**
 * The SQL of a local override on a PostgreSQL copy (Copy.localOverride): people may change the
 * copied columns; each change is recorded; the sync does not overwrite an overridden value; once
 * the override expires, people are refused and overridden values go back to the authority's.
 *
 * What lives where:
 * - schema `authority_records` on the copy's database (not `authority`: a login of that name would
 *   create its unqualified tables there, "$user" leads the default search_path) holds the log,
 *   `authority_records.overrides`: one row per override of one column of one record (who:
 *   session_user and the role it acted as, when, the old and new value, the declared reason and expiry,
 *   the authority's latest value), readable by everyone. At most one row per cell is active
 *   (ended_at IS NULL). The log outlives the protections (the record of who changed what).
 * - A BEFORE INSERT OR UPDATE row trigger per protection (ENABLE ALWAYS, so also for the apply
 *   worker) calling authority.override_row() with the protection in its arguments:
 *   - the sync's write (the sync principal, the apply worker of the subscription from the columns'
 *     authority, the provider's settle of these columns) of an overridden cell keeps the copy's
 *     value and records the incoming one as the authority's; past the expiry it lets it in and ends the override;
 *   - anyone else's change of a governed column is an override, recorded; past the expiry it is
 *     refused with the correction path; a write of the row past the expiry puts the authority's
 *     value back in its overridden cells.
 * - An AFTER ... FOR EACH STATEMENT trigger (ENABLE ALWAYS) that, once the expiry has passed,
 *   reverts every expired override of the table on the next write of any of its rows.
 * PostgreSQL has no scheduler: between the expiry and the next write of the table, sync of the
 * row or apply, an expired value stays as it is (plan shows it as drift, apply reverts it).
 *
 * The clock is the copy's server clock, statement_timestamp(): an override with expiry E is
 * allowed while statement_timestamp() < E. A date expiry (YYYY-MM-DD) ends at the end of that day, UTC.
 *
 * Only the provider's triggers write the log (records-functions.ts says how, and why it holds): the
 * row trigger is SECURITY DEFINER and nobody else may attach it; the functions it writes through
 * are its owner's alone. All bodies are constants with qualified names and the pinned search path,
 * as the guard's (guard-sql.ts).
 */
import { createHash } from 'node:crypto';
import { FieldLocation } from '../adapter';
import { KEPT_INTO_NEW, MAX_IDENTIFIER_BYTES, ident, lit, settleSkips, tableRef } from './guard-sql';
import {
  ACTING_ROLE, OVERRIDE_SCHEMA, ROW_CODE_DECLARATIONS, ROW_CODE_TRUSTED, SYNC_APPLY_WORKER, SYNC_WRITER, onlyInTrigger, recordsFunctions,
  recordsGrantsStatement, recordsTablesStatement, recordKeyInto,
} from './records-functions';
import { schemaTrustStatement } from './schema-trust';
import { asTableOwnerStatements } from './owner-run';

// The records schema's function machinery lives in records-functions.ts; named here too, where its users import it from.
export { OVERRIDE_SCHEMA, SYNC_APPLY_WORKER, SYNC_WRITER, onlyInTrigger, recordsFunctions } from './records-functions';
export type { RecordsFunction, RecordsFunctionKind } from './records-functions';
export const OVERRIDE_LOG = `${OVERRIDE_SCHEMA}.overrides`;
/** The tables the provider and its functions write in OVERRIDE_SCHEMA (the log, the review queue): only trusted owners. */
export const OVERRIDE_RELATIONS = ['overrides', 'review_queue'];
/** Set (transaction-local) to the table's oid while overridden values are reverted: ":all" when the override itself goes. */
export const REVERT_MARKER = 'authority.override_revert';
/** Trigger arguments before the column names: sync principal, authority, correction hint, fact, key, reason, expires, feed. */
export const OVERRIDE_FIXED_ARGS = 8;

const ROW_PREFIX = 'authority_override_';
const STATEMENT_PREFIX = 'authority_expiry_';

function suffix(key: string): string {
  const readable = /^[a-z0-9_]+$/.test(key) && ROW_PREFIX.length + key.length <= MAX_IDENTIFIER_BYTES;
  return readable ? key : createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The row trigger's name (per table). */
export function overrideTriggerName(key: string): string {
  return ROW_PREFIX + suffix(key);
}

/** The statement trigger's name: reverts expired overrides on the next write of the table. */
export function expiryTriggerName(key: string): string {
  return STATEMENT_PREFIX + suffix(key);
}

/** The log, its index and who may read it; idempotent, serialized by an advisory lock of the transaction. */
export function overrideLogStatements(): string[] {
  return [
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))",
    schemaTrustStatement(OVERRIDE_SCHEMA, OVERRIDE_RELATIONS),
    `CREATE SCHEMA IF NOT EXISTS ${OVERRIDE_SCHEMA}`,
    `CREATE TABLE IF NOT EXISTS ${OVERRIDE_LOG} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      table_oid oid NOT NULL,
      schema_name text NOT NULL,
      table_name text NOT NULL,
      protection text NOT NULL,
      record jsonb NOT NULL,
      column_name text NOT NULL,
      old_value jsonb,
      new_value jsonb,
      authority_value jsonb,
      authority_changed_at timestamptz,
      reason text NOT NULL,
      expires_at timestamptz,
      changed_by text NOT NULL,
      acting_as text NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
      ended_at timestamptz,
      ended_by text,
      ended_how text)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS overrides_active ON ${OVERRIDE_LOG} (table_oid, protection, record, column_name) WHERE ended_at IS NULL`,
    `GRANT USAGE ON SCHEMA ${OVERRIDE_SCHEMA} TO PUBLIC`,
    `REVOKE ALL ON ${OVERRIDE_LOG} FROM PUBLIC`,
    `GRANT SELECT ON ${OVERRIDE_LOG} TO PUBLIC`,
    recordsTablesStatement(['overrides']),
    ...OVERRIDE_FUNCTIONS.map((f) => f.sql),
    recordsGrantsStatement(OVERRIDE_FUNCTIONS),
  ];
}

/**
 * PL/pgSQL (at `indent`): writes `o.authority_value` into column `o.column_name` of the row of
 * `o.nspname.o.relname` that contains `o.record`, and adds the rows written to `counter` (an
 * override reverted, a review resolved to the authority: one cell back to the authority's value).
 */
export function writeAuthorityValue(counter: string, indent: string): string {
  const more = `${indent}${' '.repeat('EXECUTE pg_catalog.format('.length)}`;
  return [
    `${indent}EXECUTE pg_catalog.format('UPDATE %I.%I t SET %I = (pg_catalog.jsonb_populate_record(NULL::%I.%I, $1)).%I '`,
    `${more}'WHERE pg_catalog.to_jsonb(t.*) OPERATOR(pg_catalog.@>) $2',`,
    `${more}o.nspname, o.relname, o.column_name, o.nspname, o.relname, o.column_name)`,
    `${indent}  USING pg_catalog.jsonb_build_object(o.column_name, o.authority_value), o.record;`,
    `${indent}GET DIAGNOSTICS done = ROW_COUNT;`,
    `${indent}${counter} := ${counter} OPERATOR(pg_catalog.+) done;`,
  ].join('\n');
}

const fn = recordsFunctions('$authority_override$');
const ONLY_IN_TRIGGER = onlyInTrigger('the override log');

/** Records a person's override of one cell, ending the cell's earlier one (whose authority value it keeps). */
const NOTE_OVERRIDE = fn('note_override',
  'rel oid, key text, rec jsonb, col text, old_value jsonb, new_value jsonb, why text, expires timestamptz, acting text', 'void', 'helper', `
DECLARE
  earlier ${OVERRIDE_LOG}%ROWTYPE;
BEGIN${ONLY_IN_TRIGGER}
  SELECT * INTO earlier FROM ${OVERRIDE_LOG} o WHERE o.table_oid OPERATOR(pg_catalog.=) rel AND o.protection OPERATOR(pg_catalog.=) key
     AND o.record OPERATOR(pg_catalog.=) rec AND o.column_name OPERATOR(pg_catalog.=) col AND o.ended_at IS NULL FOR UPDATE;
  IF FOUND THEN
    UPDATE ${OVERRIDE_LOG} SET ended_at = pg_catalog.clock_timestamp(), ended_by = session_user, ended_how = 'overridden again'
     WHERE id OPERATOR(pg_catalog.=) earlier.id;
  END IF;
  INSERT INTO ${OVERRIDE_LOG} (table_oid, schema_name, table_name, protection, record, column_name, old_value, new_value,
                               authority_value, authority_changed_at, reason, expires_at, changed_by, acting_as)
  SELECT rel, n.nspname, c.relname, key, rec, col, old_value, new_value,
         CASE WHEN earlier.id IS NULL THEN old_value ELSE earlier.authority_value END, earlier.authority_changed_at,
         why, expires, session_user, acting
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
   WHERE c.oid OPERATOR(pg_catalog.=) rel;
END
`);

/** Records the authority's latest value of an overridden cell, as the sync brought it. */
const NOTE_AUTHORITY = fn('note_authority_value', 'override_id bigint, value jsonb', 'void', 'helper', `
BEGIN${ONLY_IN_TRIGGER}
  UPDATE ${OVERRIDE_LOG} SET authority_value = value, authority_changed_at = pg_catalog.clock_timestamp()
   WHERE id OPERATOR(pg_catalog.=) override_id AND ended_at IS NULL;
END
`);

/** Ends an override: its cell holds the authority's value again. */
const END_OVERRIDE = fn('end_override', 'override_id bigint, how text', 'void', 'helper', `
BEGIN${ONLY_IN_TRIGGER}
  UPDATE ${OVERRIDE_LOG} SET ended_at = pg_catalog.clock_timestamp(), ended_by = session_user, ended_how = how
   WHERE id OPERATOR(pg_catalog.=) override_id AND ended_at IS NULL;
END
`);

/**
 * Puts the authority's value back in each active override of (rel, key) once `expires` (the
 * protection's expiry now, whatever it was when a value was overridden) has passed, or in every
 * one, with `everything`: the override left the policy. Runs with the invoker's rights: a
 * writer who may not update a cell leaves it for the next write, sync or apply. The row trigger
 * ends each override as its value goes back (the marker tells it why; it takes `everything`'s
 * marker from the provider's session only: anyone may call this function and set the marker).
 */
const REVERT = fn('revert_overrides', 'rel oid, key text, everything boolean, expires timestamptz', 'integer', 'caller rights', `
DECLARE
  o record;
  reverted pg_catalog.int4 := 0;
  done pg_catalog.int4;
BEGIN
  FOR o IN SELECT l.id, l.record, l.column_name, l.authority_value, n.nspname, c.relname
             FROM ${OVERRIDE_LOG} l JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.table_oid
             JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
            WHERE l.table_oid OPERATOR(pg_catalog.=) rel AND l.protection OPERATOR(pg_catalog.=) key AND l.ended_at IS NULL
              AND (everything OR expires OPERATOR(pg_catalog.<=) pg_catalog.statement_timestamp())
            ORDER BY l.id LOOP
    PERFORM pg_catalog.set_config('${REVERT_MARKER}', rel::pg_catalog.text OPERATOR(pg_catalog.||) CASE WHEN everything THEN ':all' ELSE '' END, true);
    BEGIN
${writeAuthorityValue('reverted', '      ')}
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END LOOP;
  PERFORM pg_catalog.set_config('${REVERT_MARKER}', '', true);
  RETURN reverted;
END
`);

/** The statement trigger: once the expiry has passed, the next write of the table reverts its expired overrides. */
const EXPIRY = fn('override_expiry', '', 'trigger', 'trigger', `
DECLARE
  expires pg_catalog.timestamptz := NULLIF(TG_ARGV[1], '')::pg_catalog.timestamptz;
BEGIN
  IF expires IS NULL OR pg_catalog.statement_timestamp() OPERATOR(pg_catalog.<) expires
     OR COALESCE(pg_catalog.current_setting('${REVERT_MARKER}', true), '') OPERATOR(pg_catalog.<>) '' THEN
    RETURN NULL;
  END IF;
  PERFORM ${OVERRIDE_SCHEMA}.revert_overrides(TG_RELID, TG_ARGV[0], false, expires);
  RETURN NULL;
END
`);

/** The row trigger (see the file comment). */
const ROW = fn('override_row', '', 'trigger', 'recording trigger', `
DECLARE
  sync_principal pg_catalog.text := TG_ARGV[0];
  correction pg_catalog.text := TG_ARGV[2];
  key pg_catalog.text := TG_ARGV[4];
  why pg_catalog.text := TG_ARGV[5];
  expires pg_catalog.timestamptz := NULLIF(TG_ARGV[6], '')::pg_catalog.timestamptz;
  feed pg_catalog.text := TG_ARGV[7];
  expired pg_catalog.bool;
  by_sync pg_catalog.bool := false;
  settling pg_catalog.bool := false;
  marker pg_catalog.text := COALESCE(pg_catalog.current_setting('${REVERT_MARKER}', true), '');
  acting pg_catalog.text := ${ACTING_ROLE};
  fn_owner pg_catalog.oid;
  newj pg_catalog.jsonb;
  oldj pg_catalog.jsonb := '{}';
  rec pg_catalog.jsonb;
  kept pg_catalog.jsonb := '{}';
  col pg_catalog.text;
  active ${OVERRIDE_LOG}%ROWTYPE;
  i pg_catalog.int4;${ROW_CODE_DECLARATIONS}
BEGIN${ROW_CODE_TRUSTED}
  newj := pg_catalog.to_jsonb(NEW);
  -- The revert of an override that left the policy: only the provider's session (its user owns this function) or a superuser's.
  IF marker OPERATOR(pg_catalog.=) (TG_RELID::pg_catalog.text OPERATOR(pg_catalog.||) ':all')
     AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) session_user
                        AND (r.rolsuper OR r.rolname OPERATOR(pg_catalog.=) current_user)) THEN
    marker := '';
  END IF;
  expired := expires IS NOT NULL AND pg_catalog.statement_timestamp() OPERATOR(pg_catalog.>=) expires;
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    oldj := pg_catalog.to_jsonb(OLD);
  END IF;
${recordKeyInto('rec', 'newj')}
  IF acting OPERATOR(pg_catalog.=) sync_principal THEN
    by_sync := true;
  ELSE
${SYNC_WRITER}
    by_sync := settling OR ${SYNC_APPLY_WORKER};
  END IF;
  -- From the feed on: it is no column of the row (skipped); in a trigger made before it was an argument, the first column is there.
  FOR i IN ${OVERRIDE_FIXED_ARGS - 1} .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    col := TG_ARGV[i];
    CONTINUE WHEN NOT newj OPERATOR(pg_catalog.?) col;
    SELECT * INTO active FROM ${OVERRIDE_LOG} o
     WHERE o.table_oid OPERATOR(pg_catalog.=) TG_RELID AND o.protection OPERATOR(pg_catalog.=) key
       AND o.record OPERATOR(pg_catalog.=) rec AND o.column_name OPERATOR(pg_catalog.=) col AND o.ended_at IS NULL;
    IF by_sync THEN
      CONTINUE WHEN active.id IS NULL;
      -- Another route's settle of the row: this column's value is the copy's, not one the sync brought.
      CONTINUE WHEN settling AND ${settleSkips('col')};
      IF expired THEN
        PERFORM ${OVERRIDE_SCHEMA}.end_override(active.id, 'expired: the sync brought the authority''s value');
        CONTINUE;
      END IF;
      IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        -- The record was deleted and created anew at the authority: the override went with the old one.
        PERFORM ${OVERRIDE_SCHEMA}.end_override(active.id, 'the record was created anew at the authority');
        CONTINUE;
      END IF;
      IF (newj OPERATOR(pg_catalog.->) col) IS DISTINCT FROM active.authority_value THEN
        PERFORM ${OVERRIDE_SCHEMA}.note_authority_value(active.id, newj OPERATOR(pg_catalog.->) col);
      END IF;
      kept := kept OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(col, oldj OPERATOR(pg_catalog.->) col);
      CONTINUE;
    END IF;
    IF active.id IS NOT NULL AND (newj OPERATOR(pg_catalog.->) col) IS NOT DISTINCT FROM active.authority_value
       AND ((marker OPERATOR(pg_catalog.=) TG_RELID::pg_catalog.text AND expired)
            OR marker OPERATOR(pg_catalog.=) (TG_RELID::pg_catalog.text OPERATOR(pg_catalog.||) ':all')) THEN
      PERFORM ${OVERRIDE_SCHEMA}.end_override(active.id, CASE WHEN expired THEN 'expired: reverted to the authority''s value'
                                                    ELSE 'the override left the policy: reverted to the authority''s value' END);
      CONTINUE;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND (newj OPERATOR(pg_catalog.->) col) IS NOT DISTINCT FROM (oldj OPERATOR(pg_catalog.->) col) THEN
      IF active.id IS NOT NULL AND expired THEN
        kept := kept OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(col, active.authority_value);
        PERFORM ${OVERRIDE_SCHEMA}.end_override(active.id, 'expired: reverted to the authority''s value on a write of the row');
      END IF;
      CONTINUE;
    END IF;
    CONTINUE WHEN TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND pg_catalog.jsonb_typeof(newj OPERATOR(pg_catalog.->) col) OPERATOR(pg_catalog.=) 'null';
    IF expired THEN
      RAISE EXCEPTION USING
        ERRCODE = 'insufficient_privilege',
        MESSAGE = pg_catalog.format('%s.%s: the local override here expired at %s; it is a read-only copy again. %s',
                                    TG_TABLE_NAME, col, expires, correction),
        DETAIL = pg_catalog.format('Only the sync (%s) writes this column here now.', sync_principal),
        HINT = correction;
    END IF;
    PERFORM ${OVERRIDE_SCHEMA}.note_override(TG_RELID, key, rec, col,
      CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN oldj OPERATOR(pg_catalog.->) col END,
      newj OPERATOR(pg_catalog.->) col, why, expires, acting);
  END LOOP;
${KEPT_INTO_NEW}`);

export const OVERRIDE_FUNCTIONS = [NOTE_OVERRIDE, NOTE_AUTHORITY, END_OVERRIDE, REVERT, EXPIRY, ROW];

/** The row trigger's function body, as read-back compares it. */
export const OVERRIDE_ROW_BODY = ROW.body;

/** What the override trigger's arguments say, in order. */
export interface OverrideArgs {
  readonly syncPrincipal: string;
  readonly authority: string;
  readonly correctionHint: string;
  readonly fact?: string;
  readonly key: string;
  readonly reason: string;
  /** When the override ends (ISO timestamp); none: it does not expire. */
  readonly expiresAt?: string;
  /** The subscription that brings the columns from the authority (syncPairName of authority and copy). */
  readonly feed: string;
  readonly columns: readonly string[];
}

/** The statements that install or repair an override's triggers (after overrideLogStatements), in one transaction. */
export function installOverrideStatements(loc: FieldLocation, a: OverrideArgs): string[] {
  const table = tableRef(loc);
  const row = ident(overrideTriggerName(a.key), 'trigger name');
  const statement = ident(expiryTriggerName(a.key), 'trigger name');
  const args = [a.syncPrincipal, a.authority, a.correctionHint, a.fact ?? '', a.key, a.reason, a.expiresAt ?? '', a.feed].map((v) => lit(v));
  const cols = a.columns.map((c) => lit(c, 'column'));
  a.columns.forEach((c) => ident(c, 'column'));
  return [
    `DROP TRIGGER IF EXISTS ${row} ON ${table}`,
    `DROP TRIGGER IF EXISTS ${statement} ON ${table}`,
    `CREATE TRIGGER ${row} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.override_row(${[...args, ...cols].join(', ')})`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${row}`,
    `CREATE TRIGGER ${statement} AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH STATEMENT ` +
      `EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.override_expiry(${lit(a.key)}, ${lit(a.expiresAt ?? '')})`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${statement}`,
    // Expired already (or applied after the expiry): revert now.
    // As the table's owner, whose triggers then run with its rights and cannot get back to the provider's (owner-run.ts).
    ...(a.expiresAt ? asTableOwnerStatements(table, `SELECT ${OVERRIDE_SCHEMA}.revert_overrides(${lit(table)}::pg_catalog.regclass, ${lit(a.key)}, false, ${lit(a.expiresAt)}::pg_catalog.timestamptz) AS result`) : []),
  ];
}

/**
 * The statements that end an override (it left the policy, or its protection goes): every
 * overridden value goes back to the authority's (the row trigger records why), then its triggers go.
 */
export function removeOverrideStatements(loc: FieldLocation, key: string): string[] {
  const table = tableRef(loc);
  return [
    ...asTableOwnerStatements(table, `SELECT ${OVERRIDE_SCHEMA}.revert_overrides(${lit(table)}::pg_catalog.regclass, ${lit(key)}, true, NULL) AS result`),
    `DROP TRIGGER IF EXISTS ${ident(overrideTriggerName(key), 'trigger name')} ON ${table}`,
    `DROP TRIGGER IF EXISTS ${ident(expiryTriggerName(key), 'trigger name')} ON ${table}`,
  ];
}
