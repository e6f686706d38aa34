/**
 * The SQL of divergence newest_wins on a PostgreSQL copy that allows local overrides: a person's
 * override and the authority's changes are ordered by time, and the most recent wins.
 *
 * The clock is the order in which writes reach the copy's row, not the authority's commit
 * timestamps: a person's override is a write on the copy; the authority's change is one when the
 * copy's replication apply worker writes it. Writes to one row are serialized by its row lock
 * (a BEFORE ROW trigger runs holding it), so there are no ties: of two, one comes after the
 * other and sees it. A change the authority committed before an override, but that reaches the
 * copy after it (replication lag is the window), is the newer one here and wins.
 *
 * How: a BEFORE INSERT OR UPDATE row trigger per route, `authority_newest_<hash>` (ENABLE ALWAYS:
 * it must see the apply worker's writes), calling authority_records.newest_row(authority,
 * feed, columns...). It fires before the override trigger (trigger names fire in name order:
 * `authority_hold_` < `authority_newest_` < `authority_override_`). For a write by the sync (the
 * apply worker of the route's subscription, `feed`, or the provider's settle of these columns; another
 * authority's worker writing its own columns of the row brings none of these) it ends the active
 * override of each cell for which the sync brings a value other than the authority's value the
 * log recorded (`ended_how` 'superseded: ...', `authority_value` the new one); the override
 * trigger then finds no override and lets the value in. A value equal to the recorded one is the
 * authority writing the row for another column: the override stands. A person's write is left to
 * the override trigger, which records it as an override, as always: it is then the newest.
 *
 * Only the provider's triggers write the log (records-functions.ts says how, and why it holds): the
 * row trigger is SECURITY DEFINER and nobody else may attach it; supersede_override is its owner's
 * alone. Bodies are constants with qualified names and the pinned search path.
 */
import { createHash } from 'node:crypto';
import { FieldLocation } from '../adapter';
import { ident, lit, settleSkips, tableRef } from './guard-sql';
import { OVERRIDE_LOG, OVERRIDE_RELATIONS } from './override-sql';
import {
  OVERRIDE_SCHEMA, ROW_CODE_DECLARATIONS, ROW_CODE_TRUSTED, SYNC_APPLY_WORKER, SYNC_WRITER, onlyInTrigger, recordsFunctions, recordsGrantsStatement, recordKeyInto,
} from './records-functions';
import { schemaTrustStatement } from './schema-trust';

const NEWEST_PREFIX = 'authority_newest_';

/** What the log's ended_how says of an override a newer value from the authority ended. */
export const SUPERSEDED = 'superseded: a newer value came from the authority';

/** The newest-wins trigger's name for one route: `authority_newest_<hash>` of authority, table and route key. */
export function newestTriggerName(authority: string, loc: FieldLocation, routeKey: string): string {
  return NEWEST_PREFIX + createHash('sha256').update(JSON.stringify([authority, loc.namespace, loc.container, routeKey])).digest('hex').slice(0, 16);
}

const fn = recordsFunctions('$authority_newest$');

/** Ends an active override: the sync brought a newer value, which the log keeps as the authority's. */
const SUPERSEDE = fn('supersede_override', 'override_id bigint, value jsonb', 'void', 'helper', `
BEGIN${onlyInTrigger('the override log')}
  UPDATE ${OVERRIDE_LOG} SET authority_value = value, authority_changed_at = pg_catalog.clock_timestamp(),
         ended_at = pg_catalog.clock_timestamp(), ended_by = session_user, ended_how = '${SUPERSEDED}'
   WHERE id OPERATOR(pg_catalog.=) override_id AND ended_at IS NULL;
END
`);

/** The row trigger on the copy (see the file comment). Arguments: the authority, the route's subscription, then the route's columns. */
const NEWEST_ROW = fn('newest_row', '', 'trigger', 'recording trigger', `
DECLARE
  feed pg_catalog.text := TG_ARGV[1];
  newj pg_catalog.jsonb;
  rec pg_catalog.jsonb;
  col pg_catalog.text;
  incoming pg_catalog.jsonb;
  settling pg_catalog.bool;
  fn_owner pg_catalog.oid;
  active record;
  i pg_catalog.int4;${ROW_CODE_DECLARATIONS}
BEGIN
  IF pg_catalog.to_regclass('${OVERRIDE_LOG}') IS NULL THEN
    RETURN NEW; -- nothing was ever overridden on this database
  END IF;${ROW_CODE_TRUSTED}
  newj := pg_catalog.to_jsonb(NEW);
${recordKeyInto('rec', 'newj')}
  IF rec IS NULL OR NOT EXISTS (SELECT FROM ${OVERRIDE_LOG} o WHERE o.table_oid OPERATOR(pg_catalog.=) TG_RELID
                                   AND o.record OPERATOR(pg_catalog.=) rec AND o.ended_at IS NULL) THEN
    RETURN NEW; -- no override of this row (overrides need a primary key)
  END IF;
-- The sync: the apply worker of the route's subscription, or the provider's settle.${SYNC_WRITER}
  IF NOT settling AND NOT ${SYNC_APPLY_WORKER} THEN
    RETURN NEW; -- a person's write (the override trigger records it, and it is the newest), or another route's
  END IF;
  -- From the feed on: it is no column of the row (skipped); in a trigger made before it was an argument, the first column is there.
  FOR i IN 1 .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    col := TG_ARGV[i];
    CONTINUE WHEN NOT newj OPERATOR(pg_catalog.?) col;
    -- A settle writes only its route's columns: another's unchanged value here is the copy's, not the authority's.
    CONTINUE WHEN settling AND ${settleSkips('col')};
    incoming := newj OPERATOR(pg_catalog.->) col;
    FOR active IN SELECT o.id, o.authority_value FROM ${OVERRIDE_LOG} o
                   WHERE o.table_oid OPERATOR(pg_catalog.=) TG_RELID AND o.record OPERATOR(pg_catalog.=) rec
                     AND o.column_name OPERATOR(pg_catalog.=) col AND o.ended_at IS NULL LOOP
      -- The same value as recorded: the authority wrote the row for another column; the override stands.
      CONTINUE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND incoming IS NOT DISTINCT FROM active.authority_value;
      PERFORM ${OVERRIDE_SCHEMA}.supersede_override(active.id, incoming);
    END LOOP;
  END LOOP;
  RETURN NEW;
END
`);

export const NEWEST_FUNCTIONS = [SUPERSEDE, NEWEST_ROW];

/** Installs (or repairs) a route's newest-wins trigger and its functions, in one transaction; serialized by the override log's lock. */
export function installNewestStatements(authority: string, feed: string, loc: FieldLocation, routeKey: string, columns: readonly string[]): string[] {
  const table = tableRef(loc);
  const trigger = ident(newestTriggerName(authority, loc, routeKey), 'trigger name');
  columns.forEach((c) => ident(c, 'column'));
  return [
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))",
    schemaTrustStatement(OVERRIDE_SCHEMA, OVERRIDE_RELATIONS),
    `CREATE SCHEMA IF NOT EXISTS ${OVERRIDE_SCHEMA}`,
    `GRANT USAGE ON SCHEMA ${OVERRIDE_SCHEMA} TO PUBLIC`,
    ...NEWEST_FUNCTIONS.map((f) => f.sql),
    recordsGrantsStatement(NEWEST_FUNCTIONS),
    `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.newest_row(${[authority, feed, ...columns].map((v) => lit(v)).join(', ')})`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`,
  ];
}

/** Removes a route's newest-wins trigger (the functions stay: other routes may use them). Overrides stand, kept by the override trigger. */
export function removeNewestStatements(authority: string, loc: FieldLocation, routeKey: string): string[] {
  return [`DROP TRIGGER IF EXISTS ${ident(newestTriggerName(authority, loc, routeKey), 'trigger name')} ON ${tableRef(loc)}`];
}
