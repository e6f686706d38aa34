/**
 * The SQL of divergence manual_review on a PostgreSQL copy: conflicting values are not
 * overwritten; they wait in a review queue on the copy until a person chooses a side.
 *
 * A conflict, precisely: the sync brings a value for a cell (record, column) of the copy whose
 * current value is not the one the sync last wrote there (someone changed it on the copy since:
 * the guard was off, or a side of a split wrote it), and the incoming value differs from the
 * copy's. Values that already differ when the route starts are conflicts too (nobody knows which
 * came first). The copy keeps its value; the queue holds both.
 *
 * What lives where (schema `authority_records`, beside the override log, override-sql.ts):
 * - `authority_records.review_queue`, one row per cell that diverged, readable by everyone:
 *   `status` 'diverged' (changed on the copy; no different value from the authority yet: not a
 *   conflict), 'open' (a conflict: waits for review), 'resolving' (resolved to the authority's
 *   value: waits for the sync to write it), 'closed' (done, `closed_how` says how). Both values,
 *   who changed the copy's and when (`copy_changed_by`, `copy_changed_at`: session_user, and the
 *   role it acted as when another), when the authority's arrived (`authority_changed_at`: the
 *   copy's clock; the authority's writer is not known on the copy), the value the sync last wrote
 *   (`synced_value`). At most one row per cell is not closed.
 * - A BEFORE UPDATE row trigger per route (ENABLE ALWAYS: it must see the apply worker's writes)
 *   calling authority_records.hold_row(authority, feed, columns...). It fires before the override
 *   trigger (`authority_hold_` sorts before `authority_override_`) and leaves overridden cells to it.
 *   The sync, to it, is the apply worker of the route's subscription (`feed`) and the provider's
 *   settle of its columns: another authority's worker writing its own columns of the row brings
 *   no value of these, so it neither closes nor opens anything.
 * - People resolve with `UPDATE authority_records.review_queue SET resolution = 'authority' | 'copy'
 *   WHERE id = ...` (the only column they may update; they need UPDATE on the copy's table):
 *   'authority' waits for the sync to write the authority's value (the next change of the row
 *   at the authority, or the next apply, which writes it as a settle does); 'copy' keeps the
 *   copy's value, and the cell stays diverged: a later different value from the authority is a
 *   new conflict. Values flow only through declared routes: to have the authority hold the
 *   copy's value, correct it at the authority; when its value arrives equal to the copy's, the
 *   item closes by itself ('agreed').
 *
 * Only the provider's triggers write the queue, as the override log's (records-functions.ts says
 * how, and why it holds): the hold trigger is SECURITY DEFINER and nobody else may attach it; the
 * functions it writes through are its owner's alone. Bodies are constants with qualified names
 * and the pinned search path.
 */
import { createHash } from 'node:crypto';
import { FieldLocation } from '../adapter';
import { KEPT_INTO_NEW, SETTLE_COLUMNS, dollarQuoted, ident, lit, settleSkips, tableRef } from './guard-sql';
import { OVERRIDE_LOG, OVERRIDE_RELATIONS, writeAuthorityValue } from './override-sql';
import {
  ACTING_ROLE, OVERRIDE_SCHEMA, ROW_CODE_DECLARATIONS, ROW_CODE_TRUSTED, SYNC_APPLY_WORKER, SYNC_WRITER, onlyInTrigger, recordsFunctions,
  recordsGrantsStatement, recordsTablesStatement, recordKeyInto,
} from './records-functions';
import { schemaTrustStatement } from './schema-trust';

export const REVIEW_QUEUE = `${OVERRIDE_SCHEMA}.review_queue`;
const HOLD_PREFIX = 'authority_hold_';

/** The hold trigger's name for one route: `authority_hold_<hash>` of authority, table and route key. */
export function holdTriggerName(authority: string, loc: FieldLocation, routeKey: string): string {
  return HOLD_PREFIX + createHash('sha256').update(JSON.stringify([authority, loc.namespace, loc.container, routeKey])).digest('hex').slice(0, 16);
}

const fn = recordsFunctions('$authority_review$');
const ONLY_IN_TRIGGER = onlyInTrigger('the review queue');

const WHO = `CASE WHEN session_user OPERATOR(pg_catalog.=) acting THEN session_user::pg_catalog.text
                  ELSE session_user::pg_catalog.text OPERATOR(pg_catalog.||) ' (as ' OPERATOR(pg_catalog.||) acting OPERATOR(pg_catalog.||) ')' END`;

/** A person changed a cell on the copy: it diverges from what the sync wrote (or the change goes on). */
const HOLD_LOCAL = fn('hold_local', 'mark bigint, rel oid, auth text, rec jsonb, col text, held jsonb, incoming jsonb, acting text', 'void', 'helper', `
DECLARE
  m ${REVIEW_QUEUE}%ROWTYPE;
BEGIN${ONLY_IN_TRIGGER}
  IF mark IS NULL THEN
    INSERT INTO ${REVIEW_QUEUE} (table_oid, schema_name, table_name, authority, record, column_name, status, synced_value,
                                 copy_value, copy_changed_by, copy_changed_at)
    SELECT rel, n.nspname, c.relname, auth, rec, col, 'diverged', held, incoming, ${WHO}, pg_catalog.clock_timestamp()
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) rel;
    RETURN;
  END IF;
  SELECT * INTO m FROM ${REVIEW_QUEUE} WHERE id OPERATOR(pg_catalog.=) mark FOR UPDATE;
  IF incoming IS NOT DISTINCT FROM m.synced_value OR (m.status OPERATOR(pg_catalog.<>) 'diverged' AND incoming IS NOT DISTINCT FROM m.authority_value) THEN
    UPDATE ${REVIEW_QUEUE} SET status = 'closed', copy_value = incoming, copy_changed_by = ${WHO}, copy_changed_at = pg_catalog.clock_timestamp(),
           closed_at = pg_catalog.clock_timestamp(), closed_how = 'agreed: the copy took the value the sync wrote'
     WHERE id OPERATOR(pg_catalog.=) mark;
    RETURN;
  END IF;
  IF m.status OPERATOR(pg_catalog.=) 'resolving' THEN
    -- Changed again after a person chose the authority's value: a conflict to decide anew.
    UPDATE ${REVIEW_QUEUE} SET status = 'open', resolution = NULL, resolved_by = NULL, resolved_at = NULL WHERE id OPERATOR(pg_catalog.=) mark;
  END IF;
  UPDATE ${REVIEW_QUEUE} SET copy_value = incoming, copy_changed_by = ${WHO}, copy_changed_at = pg_catalog.clock_timestamp()
   WHERE id OPERATOR(pg_catalog.=) mark;
END
`);

/** The sync brought a value for a diverged cell: a conflict (or a newer value for one). */
const HOLD_CONFLICT = fn('hold_conflict', 'mark bigint, incoming jsonb', 'void', 'helper', `
DECLARE
  m ${REVIEW_QUEUE}%ROWTYPE;
BEGIN${ONLY_IN_TRIGGER}
  SELECT * INTO m FROM ${REVIEW_QUEUE} WHERE id OPERATOR(pg_catalog.=) mark FOR UPDATE;
  IF m.resolution IS NULL THEN
    UPDATE ${REVIEW_QUEUE} SET status = 'open', authority_value = incoming, authority_changed_at = pg_catalog.clock_timestamp()
     WHERE id OPERATOR(pg_catalog.=) mark;
    RETURN;
  END IF;
  -- Decided before (the copy's value kept): a new value from the authority is a new conflict.
  UPDATE ${REVIEW_QUEUE} SET status = 'closed', closed_at = pg_catalog.clock_timestamp(),
         closed_how = 'a new value came from the authority: a new conflict follows' WHERE id OPERATOR(pg_catalog.=) mark;
  INSERT INTO ${REVIEW_QUEUE} (table_oid, schema_name, table_name, authority, record, column_name, status, synced_value,
                               copy_value, copy_changed_by, copy_changed_at, authority_value, authority_changed_at)
  VALUES (m.table_oid, m.schema_name, m.table_name, m.authority, m.record, m.column_name, 'open', m.synced_value,
          m.copy_value, m.copy_changed_by, m.copy_changed_at, incoming, pg_catalog.clock_timestamp());
END
`);

const HOLD_CLOSE = fn('hold_close', 'mark bigint, how text', 'void', 'helper', `
BEGIN${ONLY_IN_TRIGGER}
  UPDATE ${REVIEW_QUEUE} SET status = 'closed', closed_at = pg_catalog.clock_timestamp(), closed_how = how
   WHERE id OPERATOR(pg_catalog.=) mark AND status OPERATOR(pg_catalog.<>) 'closed';
END
`);

/** The row trigger on the copy (see the file comment). Arguments: the authority, the route's subscription, then the route's columns. */
const HOLD_ROW = fn('hold_row', '', 'trigger', 'recording trigger', `
DECLARE
  auth pg_catalog.text := TG_ARGV[0];
  feed pg_catalog.text := TG_ARGV[1];
  newj pg_catalog.jsonb;
  oldj pg_catalog.jsonb;
  rec pg_catalog.jsonb;
  kept pg_catalog.jsonb := '{}';
  col pg_catalog.text;
  incoming pg_catalog.jsonb;
  held pg_catalog.jsonb;
  by_sync pg_catalog.bool;
  settling pg_catalog.bool;
  fn_owner pg_catalog.oid;
  m ${REVIEW_QUEUE}%ROWTYPE;
  overridden pg_catalog.bool;
  i pg_catalog.int4;${ROW_CODE_DECLARATIONS}
BEGIN${ROW_CODE_TRUSTED}
  newj := pg_catalog.to_jsonb(NEW);
  oldj := pg_catalog.to_jsonb(OLD);
${recordKeyInto('rec', 'oldj')}
  IF rec IS NULL THEN
    RETURN NEW; -- no primary key: plan refuses manual_review there
  END IF;
-- The sync: the apply worker of the route's subscription, or the provider's settle.${SYNC_WRITER}
  by_sync := settling OR ${SYNC_APPLY_WORKER};
  -- From the feed on: it is no column of the row (skipped); in a trigger made before it was an argument, the first column is there.
  FOR i IN 1 .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    col := TG_ARGV[i];
    CONTINUE WHEN NOT newj OPERATOR(pg_catalog.?) col;
    incoming := newj OPERATOR(pg_catalog.->) col;
    held := oldj OPERATOR(pg_catalog.->) col;
    m := NULL;
    SELECT * INTO m FROM ${REVIEW_QUEUE} q
     WHERE q.table_oid OPERATOR(pg_catalog.=) TG_RELID AND q.authority OPERATOR(pg_catalog.=) auth AND q.record OPERATOR(pg_catalog.=) rec
       AND q.column_name OPERATOR(pg_catalog.=) col AND q.status OPERATOR(pg_catalog.<>) 'closed';
    IF NOT by_sync THEN
      CONTINUE WHEN incoming IS NOT DISTINCT FROM held;
      PERFORM ${OVERRIDE_SCHEMA}.hold_local(m.id, TG_RELID, auth, rec, col, held, incoming, ${ACTING_ROLE});
      CONTINUE;
    END IF;
    CONTINUE WHEN m.id IS NULL;
    -- A settle writes only its route's columns: another's unchanged value here is the copy's, not the authority's.
    CONTINUE WHEN settling AND ${settleSkips('col')};
    -- A cell under a local override: the override keeps it, and its log records the authority's value.
    overridden := false;
    IF pg_catalog.to_regclass('${OVERRIDE_LOG}') IS NOT NULL THEN
      SELECT true INTO overridden FROM ${OVERRIDE_LOG} o WHERE o.table_oid OPERATOR(pg_catalog.=) TG_RELID
         AND o.record OPERATOR(pg_catalog.=) rec AND o.column_name OPERATOR(pg_catalog.=) col AND o.ended_at IS NULL LIMIT 1;
    END IF;
    CONTINUE WHEN overridden;
    IF m.status OPERATOR(pg_catalog.=) 'resolving' THEN
      PERFORM ${OVERRIDE_SCHEMA}.hold_close(m.id, 'resolved: the sync wrote the authority''s value');
      CONTINUE;
    END IF;
    IF incoming IS NOT DISTINCT FROM held THEN
      PERFORM ${OVERRIDE_SCHEMA}.hold_close(m.id, 'agreed: the authority''s value equals the copy''s');
      CONTINUE;
    END IF;
    kept := kept OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(col, held);
    PERFORM ${OVERRIDE_SCHEMA}.hold_conflict(m.id, incoming);
  END LOOP;
${KEPT_INTO_NEW}`);

/**
 * A person's resolution (the queue's BEFORE UPDATE trigger): only of an open conflict, only by
 * someone who may update the copy's table; records who and when. The queue's owner changing an
 * item's state (its functions, the provider closing items) passes.
 */
const RESOLVE = fn('review_resolve', '', 'trigger', 'trigger', `
BEGIN
  -- The queue's owner (the provider, and the queue's own functions) changes state, never a resolution.
  IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner
              WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID AND r.rolname OPERATOR(pg_catalog.=) current_user)
     AND (NEW.resolution IS NULL OR NEW.resolution IS NOT DISTINCT FROM OLD.resolution) THEN
    RETURN NEW;
  END IF;
  IF OLD.status OPERATOR(pg_catalog.<>) 'open' THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = pg_catalog.format('review item %s is %s, not an open conflict: nothing to resolve', OLD.id, OLD.status);
  END IF;
  IF NEW.resolution IS NULL OR NEW.resolution OPERATOR(pg_catalog.<>) ALL (ARRAY['authority', 'copy']) THEN
    RAISE EXCEPTION USING ERRCODE = 'check_violation',
      MESSAGE = pg_catalog.format('review item %s: resolution must be ''authority'' or ''copy''', OLD.id);
  END IF;
  IF NOT pg_catalog.has_table_privilege(current_user, OLD.table_oid, 'UPDATE') THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('review item %s: resolving it takes UPDATE on %I.%I', OLD.id, OLD.schema_name, OLD.table_name);
  END IF;
  NEW.resolved_by := CASE WHEN session_user OPERATOR(pg_catalog.=) current_user THEN session_user::pg_catalog.text
                          ELSE session_user::pg_catalog.text OPERATOR(pg_catalog.||) ' (as ' OPERATOR(pg_catalog.||) current_user::pg_catalog.text OPERATOR(pg_catalog.||) ')' END;
  NEW.resolved_at := pg_catalog.clock_timestamp();
  IF NEW.resolution OPERATOR(pg_catalog.=) 'authority' THEN
    NEW.status := 'resolving';
  ELSE
    -- The copy's value stands; the cell stays diverged from the authority's value it was held against.
    NEW.status := 'diverged';
    NEW.synced_value := OLD.authority_value;
  END IF;
  RETURN NEW;
END
`);

/**
 * Writes the authority's value of every 'resolving' item of (rel, auth) into the copy, with the
 * caller's rights (the provider's settle: a replica session marked for the table, so the guard
 * and the hold trigger take it as the sync's, and the hold trigger closes each item). Returns how many.
 */
const APPLY = fn('hold_apply_resolutions', 'rel oid, auth text', 'integer', 'caller rights', `
DECLARE
  o record;
  written pg_catalog.int4 := 0;
  done pg_catalog.int4;
BEGIN
  FOR o IN SELECT q.record, q.column_name, q.authority_value, n.nspname, c.relname
             FROM ${REVIEW_QUEUE} q JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) q.table_oid
             JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
            WHERE q.table_oid OPERATOR(pg_catalog.=) rel AND q.authority OPERATOR(pg_catalog.=) auth AND q.status OPERATOR(pg_catalog.=) 'resolving'
            ORDER BY q.id LOOP
    -- One cell at a time: the other held cells of the row are not written by this UPDATE.
    PERFORM pg_catalog.set_config('${SETTLE_COLUMNS}', pg_catalog.jsonb_build_array(o.column_name)::pg_catalog.text, true);
${writeAuthorityValue('written', '    ')}
  END LOOP;
  RETURN written;
END
`);

export const REVIEW_FUNCTIONS = [HOLD_LOCAL, HOLD_CONFLICT, HOLD_CLOSE, HOLD_ROW, RESOLVE, APPLY];
export const HOLD_ROW_BODY = HOLD_ROW.body;

/** The queue, its index, its trigger and who may read and resolve; idempotent, serialized by the override log's lock. */
export function reviewQueueStatements(): string[] {
  return [
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))",
    schemaTrustStatement(OVERRIDE_SCHEMA, OVERRIDE_RELATIONS),
    `CREATE SCHEMA IF NOT EXISTS ${OVERRIDE_SCHEMA}`,
    `CREATE TABLE IF NOT EXISTS ${REVIEW_QUEUE} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      table_oid oid NOT NULL,
      schema_name text NOT NULL,
      table_name text NOT NULL,
      authority text NOT NULL,
      record jsonb NOT NULL,
      column_name text NOT NULL,
      status text NOT NULL CHECK (status IN ('diverged', 'open', 'resolving', 'closed')),
      synced_value jsonb,
      copy_value jsonb,
      copy_changed_by text,
      copy_changed_at timestamptz,
      authority_value jsonb,
      authority_changed_at timestamptz,
      resolution text CHECK (resolution IN ('authority', 'copy')),
      resolved_by text,
      resolved_at timestamptz,
      closed_at timestamptz,
      closed_how text)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS review_queue_active ON ${REVIEW_QUEUE} (table_oid, authority, record, column_name) WHERE status <> 'closed'`,
    `GRANT USAGE ON SCHEMA ${OVERRIDE_SCHEMA} TO PUBLIC`,
    `REVOKE ALL ON ${REVIEW_QUEUE} FROM PUBLIC`,
    `GRANT SELECT, UPDATE (resolution) ON ${REVIEW_QUEUE} TO PUBLIC`,
    recordsTablesStatement(['review_queue']),
    ...REVIEW_FUNCTIONS.map((f) => f.sql),
    recordsGrantsStatement(REVIEW_FUNCTIONS),
    `DROP TRIGGER IF EXISTS review_resolve ON ${REVIEW_QUEUE}`,
    `CREATE TRIGGER review_resolve BEFORE UPDATE ON ${REVIEW_QUEUE} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.review_resolve()`,
  ];
}

/** Installs (or repairs) a route's hold trigger: fires always, before the override trigger. */
export function installHoldStatements(authority: string, feed: string, loc: FieldLocation, routeKey: string, columns: readonly string[]): string[] {
  const table = tableRef(loc);
  const trigger = ident(holdTriggerName(authority, loc, routeKey), 'trigger name');
  columns.forEach((c) => ident(c, 'column'));
  return [
    `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
    `CREATE TRIGGER ${trigger} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.hold_row(${[authority, feed, ...columns].map((v) => lit(v)).join(', ')})`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`,
  ];
}

/** Removes a route's hold trigger; its queue rows stay (the record), the ones still open are closed. */
export function removeHoldStatements(authority: string, loc: FieldLocation, routeKey: string, columns: readonly string[], tableExists: boolean): string[] {
  return [
    ...(tableExists ? [`DROP TRIGGER IF EXISTS ${ident(holdTriggerName(authority, loc, routeKey), 'trigger name')} ON ${tableRef(loc)}`] : []),
    `DO ${dollarQuoted('close', ` BEGIN IF pg_catalog.to_regclass(${lit(REVIEW_QUEUE)}) IS NOT NULL THEN
       UPDATE ${REVIEW_QUEUE} SET status = 'closed', closed_at = pg_catalog.clock_timestamp(), closed_how = 'the route no longer holds it for review'
        WHERE schema_name = ${lit(loc.namespace)} AND table_name = ${lit(loc.container)} AND authority = ${lit(authority)}
          AND column_name = ANY (${lit(`{${columns.map((c) => `"${c.replace(/["\\]/g, '\\$&')}"`).join(',')}}`)}::text[]) AND status <> 'closed';
     END IF; END `)}`,
  ];
}
