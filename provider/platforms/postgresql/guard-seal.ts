/**
 * The guard's seal: proof that its trigger was not switched off and on again since the provider
 * installed it. A person with the rights can disable the guard, edit the copy, and enable it again;
 * read-back would then find the guard intact and the edited values would stay until their row
 * changes at the authority. Every change to a trigger (enable, disable, rename) writes a new
 * version of its pg_trigger row, with a new xmin (the writing transaction's id); the provider
 * records the xmin it installed in the trigger's comment (a comment lives in pg_description, so
 * writing it leaves the row alone). A guard whose xmin is not the recorded one reads back as not
 * enforced: plan shows the drift and compares the copy, and apply reinstalls the guard and settles
 * what people edited by the route's divergence rule.
 *
 * What it does not see: a clone on one partition toggled off and on (the parent's row is untouched),
 * or someone who also rewrites the comment; a guard without a seal (installed by an earlier version)
 * counts as sealed until the next apply seals it.
 */
import { FieldLocation } from '../adapter';
import { dollarQuoted, guardTriggerName, lit, tableRef } from './guard-sql';

const SEALED = 'Managed by authority: the copy\'s guard, sealed in transaction ';

/** The statement (after the guard's install, in its transaction) that records the trigger row's xmin in its comment. */
export function sealGuardStatement(loc: FieldLocation, key: string): string {
  const table = tableRef(loc);
  const trigger = guardTriggerName(key);
  return `DO ${dollarQuoted('seal', ` DECLARE x pg_catalog.text; BEGIN
    SELECT t.xmin::pg_catalog.text INTO STRICT x FROM pg_catalog.pg_trigger t
     WHERE t.tgrelid OPERATOR(pg_catalog.=) ${lit(table)}::pg_catalog.regclass AND t.tgname OPERATOR(pg_catalog.=) ${lit(trigger)};
    EXECUTE pg_catalog.format('COMMENT ON TRIGGER %I ON %s IS %L', ${lit(trigger)}, ${lit(table)}, ${lit(SEALED)} OPERATOR(pg_catalog.||) x);
  END `)}`;
}

/** Whether a guard's trigger row is the one the provider sealed (true when it has no seal: nothing to go by). */
export function sealHolds(comment: string | null, xmin: string): boolean {
  if (!comment?.startsWith(SEALED)) return true;
  return comment.slice(SEALED.length) === xmin;
}
