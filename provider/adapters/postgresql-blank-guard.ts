/**
 * Divergence authority_unless_blank, kept on the copy: the authority's value wins unless it is
 * blank (NULL or ''), in which case the copy keeps its own. Replication cannot filter by value, so
 * the copy holds a trigger that fires only for replicated writes (ENABLE REPLICA: the apply worker
 * and the provider's settle write with session_replication_role = replica, people do not) and puts
 * the copy's value back where the incoming one is blank. One per (authority, table) on the copy.
 */
import { createHash } from 'node:crypto';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { FieldLocation } from './adapter';
import { inTransaction } from './postgresql';
import { Run, runOn } from './postgresql-catalog';

/** The trigger's and its function's name: `authority_keep_<hash>` of authority and table. */
export function blankGuardName(authority: string, loc: FieldLocation): string {
  return `authority_keep_${createHash('sha256').update(JSON.stringify([authority, loc.namespace, loc.container])).digest('hex').slice(0, 16)}`;
}

/** The guard's trigger state on the copy ('R': fires for replication), or undefined when there is none. */
async function triggerState(query: Run, authority: string, loc: FieldLocation): Promise<string | undefined> {
  const found = await query<{ enabled: string }>(
    `SELECT t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3`, [loc.namespace, loc.container, blankGuardName(authority, loc)]);
  return found.rows[0]?.enabled;
}

/** Whether the copy keeps its values against blank ones from `authority` on this table: the trigger exists and fires for replication. */
export async function hasBlankGuard(query: Run, authority: string, loc: FieldLocation): Promise<boolean> {
  return (await triggerState(query, authority, loc)) === 'R';
}

/**
 * Statements that install the guard, or refresh its function for other columns, in one
 * transaction. Trigger DDL locks the copy's table against everything: only when it is missing or
 * switched off.
 */
export function installBlankGuard(authority: string, loc: FieldLocation, fields: string[], installed: boolean): string[] {
  const name = escapeIdentifier(blankGuardName(authority, loc));
  const schema = escapeIdentifier(loc.namespace);
  const table = `${schema}.${escapeIdentifier(loc.container)}`;
  const keeps = fields.map(escapeIdentifier).map((f) => `IF NEW.${f} IS NULL OR NEW.${f}::text = '' THEN NEW.${f} := OLD.${f}; END IF;`);
  return [
    `CREATE OR REPLACE FUNCTION ${schema}.${name}() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $authority$
BEGIN
  ${keeps.join('\n  ')}
  RETURN NEW;
END
$authority$`,
    `COMMENT ON FUNCTION ${schema}.${name}() IS ${escapeLiteral(`Managed by authority: ${authority}'s values win on ${loc.namespace}.${loc.container} unless blank.`)}`,
    ...(installed ? [] : [
      `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
      `CREATE TRIGGER ${name} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${schema}.${name}()`,
      `ALTER TABLE ${table} ENABLE REPLICA TRIGGER ${name}`,
    ]),
  ];
}

/** Removes the guard and its function, if there. */
export async function removeBlankGuard(db: Client, authority: string, loc: FieldLocation): Promise<void> {
  const name = escapeIdentifier(blankGuardName(authority, loc));
  const schema = escapeIdentifier(loc.namespace);
  const trigger = await triggerState(runOn(db), authority, loc);
  await inTransaction(db, [
    // DROP TRIGGER locks the table against everything: only when there is one.
    ...(trigger !== undefined ? [`DROP TRIGGER ${name} ON ${schema}.${escapeIdentifier(loc.container)}`] : []),
    `DROP FUNCTION IF EXISTS ${schema}.${name}()`,
  ]);
}
