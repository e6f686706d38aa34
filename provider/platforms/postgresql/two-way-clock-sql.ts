/**
 * The SQL of divergence newest_wins on a two-way sync without a split (PostgreSQL 16+): both
 * platforms write the same columns, and of two writes of one cell the more recent wins, on both.
 *
 * The clock: a per-cell write clock the platforms keep beside the rows. Each side holds a clock
 * table per table, `authority_records.clock_<hash of schema and table>`: per record (the primary
 * key as jsonb), column and origin (the name of the platform whose write it is), when that
 * platform last wrote the cell. Each route keeps two BEFORE INSERT OR UPDATE row triggers on the
 * table (ENABLE ALWAYS), `authority_clock_stamp_<hash>` on its sending side and
 * `authority_clock_resolve_<hash>` on its receiving side, calling clock_stamp and clock_resolve:
 * - stamp: each route column a local write changes (anything but the apply worker of the
 *   subscription into this side) gets the writing server's clock_timestamp(), taken holding the
 *   row's lock, never below the cell's newest stamp plus a microsecond (so a write made after a
 *   newer remote one was seen is newer still, whatever the servers' clocks say). The stamp is
 *   written before the row, so in the WAL, and in the other side's apply of the same transaction,
 *   the clock row comes first. The clock table travels in the route's publication, subscribed
 *   with origin = none like the rows.
 * - resolve: when the route's apply worker (`feed`) writes the row, a column whose newest write is
 *   this side's keeps its value here (OLD's); the others take the incoming value. A cell's newest
 *   write is its clock row with the greatest (changed_at, origin COLLATE "C"): a tie of timestamps
 *   goes to the platform whose name sorts last, byte-wise, the same on both sides.
 * The two halves of a sync of the same columns thus order both sides' writes; halves of a split
 * (disjoint columns) never find a newer write of their own on the receiving side. Each side writes
 * only its own clock rows (the apply worker brings the other's), so a local writer and the apply
 * worker never wait for each other in a circle (row, then own clock row; the other's clock row,
 * then the row). An apply worker's INSERT of a clock row this side has already updates it in place
 * (trigger `authority_clock_merge`), so it never stops replication.
 *
 * Rows: a row created on both sides at once (same key) meets as an INSERT of an existing key; the
 * incoming insert becomes an update of the local row, column by column as above. A DELETE wins
 * over any concurrent write of the row, whatever its time (an update of a row deleted here finds
 * nothing to update; the delete then reaches the other side). Clock rows stay after a delete, so
 * a row made again later is stamped after them.
 *
 * Only the stamp trigger writes the clock (records-functions.ts says how, and why it holds): it is
 * SECURITY DEFINER and nobody else may attach it; clock_write, which it writes through, is its
 * owner's alone and writes only the records schema's clock tables. People may read them, not write them.
 */
import { createHash } from 'node:crypto';
import { FieldLocation } from '../adapter';
import { KEPT_INTO_NEW, ident, lit, tableRef } from './guard-sql';
import { OVERRIDE_RELATIONS } from './override-sql';
import {
  OVERRIDE_SCHEMA, ROW_CODE_DECLARATIONS, ROW_CODE_TRUSTED, SYNC_APPLY_WORKER, onlyInTrigger, recordsFunctions, recordsGrantsStatement,
  recordsTablesStatement, recordKeyInto,
} from './records-functions';
import { schemaTrustStatement } from './schema-trust';

const CLOCK_TABLE_PREFIX = 'clock_';
/** The clock table's merge trigger (one per clock table). */
export const MERGE_TRIGGER = 'authority_clock_merge';
/** Arguments of a user table's clock trigger before the column names: its mode, this side's name, the subscription, the route's pair, the clock table. */
export const CLOCK_FIXED_ARGS = 5;

const hashOf = (parts: readonly string[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/** The clock table's name (in the records schema) for a table: `clock_<hash>` of schema and table, the same on both sides. */
export function clockTableName(loc: FieldLocation): string {
  return CLOCK_TABLE_PREFIX + hashOf([loc.namespace, loc.container]);
}

/** The clock table, qualified. */
export function clockTableRef(loc: FieldLocation): string {
  return `${OVERRIDE_SCHEMA}.${clockTableName(loc)}`;
}

/**
 * What a route's clock trigger does on one side: `stamp` the local writes on its sending side, or
 * `resolve` what its subscription brings on its receiving side.
 */
export type ClockMode = 'stamp' | 'resolve';

/** A route's clock trigger on one side: `authority_clock_<mode>_<hash>` of table, pair and route key (each route has its own). */
export function clockTriggerName(loc: FieldLocation, pair: string, routeKey: string, mode: ClockMode): string {
  return `authority_clock_${mode}_${hashOf([loc.namespace, loc.container, pair, routeKey])}`;
}

const fn = recordsFunctions('$authority_clock$');

/** The expression matching the row of `rel` (alias t) whose key is in jsonb $1: by the primary key's columns, so by its index. */
const KEY_MATCH = fn('clock_key_match', 'rel oid', 'text', 'caller rights', `
DECLARE
  cols pg_catalog.text[];
BEGIN
  SELECT pg_catalog.array_agg(pg_catalog.quote_ident(a.attname::pg_catalog.text) ORDER BY a.attnum) INTO cols
    FROM pg_catalog.pg_index x JOIN pg_catalog.pg_attribute a
      ON a.attrelid OPERATOR(pg_catalog.=) x.indrelid AND a.attnum OPERATOR(pg_catalog.=) ANY (x.indkey)
   WHERE x.indrelid OPERATOR(pg_catalog.=) rel AND x.indisprimary;
  IF cols IS NULL THEN
    RAISE EXCEPTION 'authority: % has no primary key; a two-way newest_wins sync finds rows by it', rel::pg_catalog.regclass;
  END IF;
  RETURN pg_catalog.format('(%s) = (SELECT %s FROM pg_catalog.jsonb_populate_record(NULL::%s, $1) n)',
    (SELECT pg_catalog.string_agg('t.' OPERATOR(pg_catalog.||) c, ', ') FROM pg_catalog.unnest(cols) c),
    (SELECT pg_catalog.string_agg('n.' OPERATOR(pg_catalog.||) c, ', ') FROM pg_catalog.unnest(cols) c),
    rel::pg_catalog.regclass);
END
`);

/**
 * Stamps a local write of one cell: this side's clock row of the cell is replaced (a DELETE and an
 * INSERT on the wire: the other side takes the insert even where it has no row to update). Each side
 * writes only its own rows, so a writer here and the apply worker bringing the other side's never
 * wait for each other's clock rows.
 */
const WRITE = fn('clock_write', 'clock pg_catalog.regclass, rec jsonb, col text, me text', 'timestamptz', 'helper', `
DECLARE
  prev pg_catalog.timestamptz;
  stamp pg_catalog.timestamptz;
BEGIN${onlyInTrigger('the two-way clock')}
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                  WHERE c.oid OPERATOR(pg_catalog.=) clock AND n.nspname OPERATOR(pg_catalog.=) '${OVERRIDE_SCHEMA}'
                    AND c.relname OPERATOR(pg_catalog.~) '^${CLOCK_TABLE_PREFIX}[0-9a-f]{16}$') THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'authority: the two-way clock writes only its clock tables';
  END IF;
  EXECUTE pg_catalog.format('SELECT pg_catalog.max(c.changed_at) FROM %s c WHERE c.record OPERATOR(pg_catalog.=) $1 AND c.column_name OPERATOR(pg_catalog.=) $2', clock)
    INTO prev USING rec, col;
  EXECUTE pg_catalog.format('DELETE FROM %s c WHERE c.record OPERATOR(pg_catalog.=) $1 AND c.column_name OPERATOR(pg_catalog.=) $2 AND c.origin OPERATOR(pg_catalog.=) $3', clock)
    USING rec, col, me;
  stamp := pg_catalog.clock_timestamp();
  IF prev IS NOT NULL AND stamp OPERATOR(pg_catalog.<=) prev THEN
    stamp := prev OPERATOR(pg_catalog.+) '1 microsecond'::pg_catalog.interval;
  END IF;
  EXECUTE pg_catalog.format('INSERT INTO %s (record, column_name, origin, changed_at) VALUES ($1, $2, $3, $4)', clock) USING rec, col, me, stamp;
  RETURN stamp;
END
`);

/**
 * The clock table's trigger: the apply worker's INSERT of a row this side holds already (its
 * DELETE found nothing to delete, say) updates it in place when newer, instead of stopping
 * replication on the duplicate key.
 */
const MERGE = fn('clock_merge', '', 'trigger', 'trigger', `
DECLARE
  fn_owner pg_catalog.oid;
BEGIN
  IF pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 1 THEN
    RETURN NEW; -- a local write's stamp, or this trigger's own upsert
  END IF;
  SELECT p.proowner INTO fn_owner FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
   WHERE t.tgrelid OPERATOR(pg_catalog.=) TG_RELID AND t.tgname OPERATOR(pg_catalog.=) TG_NAME;
  -- Only the provider's subscriptions bring clock rows (they are the only ones that receive the clock table).
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_stat_subscription s
                   JOIN pg_catalog.pg_subscription sub ON sub.oid OPERATOR(pg_catalog.=) s.subid
                   JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) sub.subowner
                  WHERE s.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND (r.rolsuper OR sub.subowner OPERATOR(pg_catalog.=) fn_owner)) THEN
    RETURN NEW;
  END IF;
  EXECUTE pg_catalog.format('INSERT INTO %I.%I AS c (record, column_name, origin, changed_at) VALUES ($1, $2, $3, $4) '
    'ON CONFLICT (record, column_name, origin) DO UPDATE SET changed_at = excluded.changed_at '
    'WHERE c.changed_at OPERATOR(pg_catalog.<) excluded.changed_at', TG_TABLE_SCHEMA, TG_TABLE_NAME)
    USING NEW.record, NEW.column_name, NEW.origin, NEW.changed_at;
  RETURN NULL;
END
`);

/**
 * A route's trigger on the user table (see the file comment). Arguments: its mode; this side's
 * name; the subscription into this side (stamp: whose writes are not stamped) or the route's own
 * (resolve: whose writes are resolved); the route's pair; the clock table; the columns.
 *
 * Two functions with this body, one per mode: the stamp is a recording trigger (SECURITY DEFINER:
 * it writes the clock through a helper only its owner may run, so nobody forges a stamp from a
 * trigger of their own; it first refuses a row whose reading would run another role's code with
 * the provider's rights), the resolve runs with the writer's rights (it acts only in the apply
 * worker, which runs as the table's owner, and writes the user's table when both sides made a row:
 * the owner's other triggers must not run as the provider).
 */
const rowBody = (trusted: boolean) => `
DECLARE
  mode pg_catalog.text := TG_ARGV[0];
  me pg_catalog.text := TG_ARGV[1];
  feed pg_catalog.text := TG_ARGV[2];
  clock pg_catalog.regclass := pg_catalog.to_regclass(TG_ARGV[4]);
  newj pg_catalog.jsonb;
  oldj pg_catalog.jsonb := '{}';
  rec pg_catalog.jsonb;
  kept pg_catalog.jsonb := '{}';
  cols pg_catalog.text[] := '{}';
  col pg_catalog.text;
  won pg_catalog.text;
  here pg_catalog.bool;
  fn_owner pg_catalog.oid;
  i pg_catalog.int4;${ROW_CODE_DECLARATIONS}
BEGIN${trusted ? ROW_CODE_TRUSTED : ''}
  -- Only after the check: reading the row as JSON runs the casts its column types bring.
  newj := pg_catalog.to_jsonb(NEW);
${recordKeyInto('rec', 'newj')}
  IF rec IS NULL OR clock IS NULL THEN
    RETURN NEW; -- no primary key (plan refuses the route), or the clock table was dropped by hand (read-back shows it)
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    oldj := pg_catalog.to_jsonb(OLD);
  END IF;
  FOR i IN ${CLOCK_FIXED_ARGS} .. TG_NARGS OPERATOR(pg_catalog.-) 1 LOOP
    CONTINUE WHEN NOT newj OPERATOR(pg_catalog.?) TG_ARGV[i];
    cols := cols OPERATOR(pg_catalog.||) TG_ARGV[i];
  END LOOP;
  SELECT p.proowner INTO fn_owner FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
   WHERE t.tgrelid OPERATOR(pg_catalog.=) TG_RELID AND t.tgname OPERATOR(pg_catalog.=) TG_NAME;
  IF mode OPERATOR(pg_catalog.=) 'stamp' THEN
    IF ${SYNC_APPLY_WORKER} THEN
      RETURN NEW; -- the other side's write, brought by the sync: stamped there
    END IF;
    -- A local write: stamp each route column it changes (an insert: each it fills).
    FOREACH col IN ARRAY cols LOOP
      CONTINUE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND (newj OPERATOR(pg_catalog.->) col) IS NOT DISTINCT FROM (oldj OPERATOR(pg_catalog.->) col);
      CONTINUE WHEN TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND pg_catalog.jsonb_typeof(newj OPERATOR(pg_catalog.->) col) OPERATOR(pg_catalog.=) 'null';
      PERFORM ${OVERRIDE_SCHEMA}.clock_write(clock, rec, col, me);
    END LOOP;
    RETURN NEW;
  END IF;
  IF NOT ${SYNC_APPLY_WORKER} THEN
    RETURN NEW; -- resolve: only the route's own subscription's writes
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    -- Both sides created the row: the incoming insert is an update of the local one (this trigger then resolves it).
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s t WHERE %s)', TG_RELID::pg_catalog.regclass, ${OVERRIDE_SCHEMA}.clock_key_match(TG_RELID))
      INTO here USING rec;
    IF NOT here OR pg_catalog.cardinality(cols) OPERATOR(pg_catalog.=) 0 THEN
      RETURN NEW;
    END IF;
    EXECUTE pg_catalog.format('UPDATE %s t SET (%s) = (SELECT %s FROM pg_catalog.jsonb_populate_record(NULL::%s, $2) n) WHERE %s',
      TG_RELID::pg_catalog.regclass,
      (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ') FROM pg_catalog.unnest(cols) c),
      (SELECT pg_catalog.string_agg('n.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c), ', ') FROM pg_catalog.unnest(cols) c),
      TG_RELID::pg_catalog.regclass, ${OVERRIDE_SCHEMA}.clock_key_match(TG_RELID)) USING rec, newj;
    RETURN NULL;
  END IF;
  -- The other side's write: its clock rows came first and were merged; where this side's is newer, its value stays.
  FOREACH col IN ARRAY cols LOOP
    EXECUTE pg_catalog.format('SELECT c.origin FROM %s c WHERE c.record OPERATOR(pg_catalog.=) $1 AND c.column_name OPERATOR(pg_catalog.=) $2 '
                              'ORDER BY c.changed_at DESC, c.origin COLLATE "C" DESC LIMIT 1', clock)
      INTO won USING rec, col;
    IF won OPERATOR(pg_catalog.=) me THEN
      kept := kept OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(col, oldj OPERATOR(pg_catalog.->) col);
    END IF;
  END LOOP;
${KEPT_INTO_NEW}`;

const STAMP_ROW = fn('clock_stamp', '', 'trigger', 'recording trigger', rowBody(true));
const RESOLVE_ROW = fn('clock_resolve', '', 'trigger', 'trigger', rowBody(false));

export const CLOCK_FUNCTIONS = [KEY_MATCH, WRITE, MERGE, STAMP_ROW, RESOLVE_ROW];

/** The function a route's clock trigger calls in `mode`. */
export function clockFunctionName(mode: ClockMode): string {
  return mode === 'stamp' ? STAMP_ROW.name : RESOLVE_ROW.name;
}

/** A route's clock on one side: its mode, the side's platform name, the subscription (see ROW), the route's pair and key, the table and columns. */
export interface ClockTrigger {
  readonly mode: ClockMode;
  readonly me: string;
  readonly feed: string;
  readonly pair: string;
  readonly routeKey: string;
  readonly location: FieldLocation;
  readonly columns: readonly string[];
}

/** The arguments a route's clock trigger is given, in order. */
export function clockTriggerArgs(t: ClockTrigger): string[] {
  return [t.mode, t.me, t.feed, t.pair, clockTableRef(t.location), ...t.columns];
}

/** Installs (or repairs) a route's clock on one side: functions, the table's clock table and its merge trigger, the route's trigger; one transaction. */
export function installClockStatements(t: ClockTrigger): string[] {
  const table = tableRef(t.location);
  const clock = clockTableRef(t.location);
  const trigger = ident(clockTriggerName(t.location, t.pair, t.routeKey, t.mode), 'trigger name');
  t.columns.forEach((c) => ident(c, 'column'));
  const what = `${t.location.namespace}.${t.location.container}`;
  return [
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('authority overrides'))",
    schemaTrustStatement(OVERRIDE_SCHEMA, [...OVERRIDE_RELATIONS, clockTableName(t.location)]),
    `CREATE SCHEMA IF NOT EXISTS ${OVERRIDE_SCHEMA}`,
    `GRANT USAGE ON SCHEMA ${OVERRIDE_SCHEMA} TO PUBLIC`,
    ...CLOCK_FUNCTIONS.map((f) => f.sql),
    `CREATE TABLE IF NOT EXISTS ${clock} (record jsonb NOT NULL, column_name text NOT NULL, origin text NOT NULL, changed_at timestamptz NOT NULL, PRIMARY KEY (record, column_name, origin))`,
    `COMMENT ON TABLE ${clock} IS ${lit(`Managed by authority: when each cell of ${what} was last written, and on which platform (two-way sync, newest_wins)`)}`,
    `REVOKE ALL ON ${clock} FROM PUBLIC`,
    `GRANT SELECT ON ${clock} TO PUBLIC`,
    recordsTablesStatement([clockTableName(t.location)]),
    recordsGrantsStatement(CLOCK_FUNCTIONS),
    `DROP TRIGGER IF EXISTS ${MERGE_TRIGGER} ON ${clock}`,
    `CREATE TRIGGER ${MERGE_TRIGGER} BEFORE INSERT ON ${clock} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.clock_merge()`,
    `ALTER TABLE ${clock} ENABLE ALWAYS TRIGGER ${MERGE_TRIGGER}`,
    `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${OVERRIDE_SCHEMA}.${clockFunctionName(t.mode)}(${clockTriggerArgs(t).map((v) => lit(v)).join(', ')})`,
    `ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`,
  ];
}

/** Removes a route's clock trigger on one side (the clock table stays while anything still uses it). */
export function stopClockStatements(loc: FieldLocation, pair: string, routeKey: string, mode: ClockMode): string[] {
  return [`DROP TRIGGER IF EXISTS ${ident(clockTriggerName(loc, pair, routeKey, mode), 'trigger name')} ON ${tableRef(loc)}`];
}

/** Drops one side's clock table, its rows and trigger with it (functions stay: other tables may use them). */
export function dropClockStatements(loc: FieldLocation): string[] {
  return [`DROP TABLE IF EXISTS ${clockTableRef(loc)}`];
}
