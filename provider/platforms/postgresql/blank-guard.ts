/**
 * Divergence authority_unless_blank, kept on the copy: the authority's value wins unless it is
 * blank (NULL or ''), in which case the copy keeps its own. Replication cannot filter by value, so
 * the copy holds a trigger that fires only for replicated writes (ENABLE REPLICA: the apply worker
 * and the provider's settle write with session_replication_role = replica, people do not) and puts
 * the copy's value back where the incoming one is blank. One per (authority, table) on the copy.
 * Its SQL, a constant body with the columns in its function's setting, is in guard-sql.ts.
 */
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { FieldLocation } from '../adapter';
import { inTransaction } from './connection';
import { Run } from './catalog';
import { blankGuardIntact } from './guard-read';
import { blankGuardStatements, removeBlankGuardStatements } from './guard-sql';

/** The trigger's and its function's name: `authority_keep_<hash>` of authority and table. */
export function blankGuardName(authority: string, loc: FieldLocation): string {
  return `authority_keep_${createHash('sha256').update(JSON.stringify([authority, loc.namespace, loc.container])).digest('hex').slice(0, 16)}`;
}

/**
 * Whether the copy keeps its values against blank ones from `authority` on this table: the trigger
 * exists, fires for replication, and neither it nor its function was altered by hand.
 */
export async function hasBlankGuard(query: Run, authority: string, loc: FieldLocation): Promise<boolean> {
  return blankGuardIntact(query, loc, blankGuardName(authority, loc));
}

/**
 * Statements that install the guard, or refresh its function (columns, body, owner), in one
 * transaction. Trigger DDL locks the copy's table against everything: only when the guard is not
 * `installed` intact.
 */
export function installBlankGuard(authority: string, loc: FieldLocation, fields: string[], installed: boolean): string[] {
  return blankGuardStatements(blankGuardName(authority, loc), loc, authority, fields, !installed);
}

/** Removes the guard and its function, if there. */
export async function removeBlankGuard(db: Client, authority: string, loc: FieldLocation): Promise<void> {
  const name = blankGuardName(authority, loc);
  const trigger = await db.query(
    `SELECT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3`, [loc.namespace, loc.container, name]);
  // DROP TRIGGER locks the table against everything: only when there is one.
  await inTransaction(db, removeBlankGuardStatements(name, loc, (trigger.rowCount ?? 0) > 0));
}

