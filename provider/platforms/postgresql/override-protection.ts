/**
 * A local override as a PostgreSQL protection: what the adapter installs, reads back and checks
 * at plan when a protection says people may override (override-sql.ts has the SQL, and what
 * happens when).
 */
import { Diagnostic } from '../../framework';
import { FieldLocation, FieldProtection, ProtectionReadBack } from '../adapter';
import { Run } from './catalog';
import { removeGuardStatements } from './guard-sql';
import { readOverride } from './override-read';
import { installOverrideStatements, overrideLogStatements } from './override-sql';
import { syncPairName } from './route-names';

/**
 * The statements that install or repair an override protection on platform `copy` (the log, the
 * functions, the triggers), replacing a guard of the key.
 */
export function overrideStatements(p: FieldProtection, copy: string): string[] {
  if (!p.override) throw new Error('internal: not a local override');
  return [
    ...overrideLogStatements(),
    ...removeGuardStatements(p.location, p.key, true),
    ...installOverrideStatements(p.location, {
      syncPrincipal: p.syncPrincipal, authority: p.authority, correctionHint: p.correctionHint, fact: p.fact, key: p.key,
      reason: p.override.reason, expiresAt: p.override.expiresAt, feed: syncPairName({ authority: p.authority, copy }), columns: p.fields,
    }),
  ];
}

/**
 * The override of the key as a protection read back. Not enforced when its triggers were altered,
 * or when an expired override still holds its value (no write, sync or apply reverted it yet):
 * apply then repairs and reverts.
 */
export async function readOverrideProtection(query: Run, loc: FieldLocation, key: string, copy: string): Promise<ProtectionReadBack | null> {
  const found = await readOverride(query, loc, key, copy);
  if (!found) return null;
  return {
    location: loc, key: found.key, authority: found.authority, fields: found.columns, syncPrincipal: found.syncPrincipal,
    correctionHint: found.correctionHint, fact: found.fact, mechanism: found.trigger,
    override: { reason: found.reason, expiresAt: found.expiresAt },
    enforced: found.intact && !found.values.some((v) => v.expired),
    overridden: found.values,
  };
}

/** Plan's refusal for an override on a table without a primary key: the log names each record by it. */
export function overrideKeyRefusal(p: FieldProtection, hasPrimaryKey: boolean, where: string): Diagnostic[] {
  if (!p.override || hasPrimaryKey) return [];
  return [{
    severity: 'error',
    summary: `${p.location.namespace}.${p.location.container} ${where} has no primary key: its local overrides cannot be recorded`,
    detail: 'The override log names each overridden record by its primary key. Give the table one, or make the copy read-only.',
    attribute: ['override_reason'],
  }];
}
