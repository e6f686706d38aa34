/** Checks of configured names that every resource makes the same way. */
import { Diagnostic, PathStep, Value } from '../framework';
import { MAX_IDENTIFIER_BYTES } from '../platforms';

/**
 * Returns a check for one configured name: not empty, and for PostgreSQL identifiers (schema,
 * table, column) no longer than PostgreSQL keeps. `wouldInstead` says what a truncated name would
 * make the resource do ("protect something else").
 */
export function nameCheck(diags: Diagnostic[], wouldInstead: string): (name: string, v: Value, at: PathStep[]) => void {
  return (name, v, at) => {
    if (typeof v !== 'string') return;
    if (v.trim() === '') diags.push({ severity: 'error', summary: `${name} must not be empty`, attribute: at });
    else if (['schema', 'table', 'column'].includes(name) && Buffer.byteLength(v) > MAX_IDENTIFIER_BYTES) {
      diags.push({
        severity: 'error',
        summary: `${name} "${v}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`,
        detail: `PostgreSQL would silently truncate it and ${wouldInstead}. Use the name exactly as the database has it.`,
        attribute: at,
      });
    }
  };
}
