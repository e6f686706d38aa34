/** Checks of configured names that every resource makes the same way. */
import { Diagnostic, PathStep, Value } from '../framework';
import { MAX_IDENTIFIER_BYTES } from '../platforms';

/** Names the provider sends to PostgreSQL as identifiers (a schema, table, column or role). */
const IDENTIFIERS = ['schema', 'table', 'column', 'sync_principal'];

/**
 * Returns a check for one configured name: not empty, no NUL byte (PostgreSQL cannot store one),
 * and for PostgreSQL identifiers no longer than PostgreSQL keeps. `wouldInstead` says what a
 * truncated name would make the resource do ("protect something else").
 */
export function nameCheck(diags: Diagnostic[], wouldInstead: string): (name: string, v: Value, at: PathStep[]) => void {
  return (name, v, at) => {
    if (typeof v !== 'string') return;
    const problem = nameProblem(name, v, wouldInstead);
    if (problem) diags.push({ ...problem, attribute: at });
  };
}

/** What is wrong with the configured `name` = `v`, if anything: a summary and what to do. */
export function nameProblem(name: string, v: string, wouldInstead: string): { severity: 'error'; summary: string; detail?: string } | undefined {
  if (v.trim() === '') return { severity: 'error', summary: `${name} must not be empty` };
  if (v.includes('\0')) {
    return { severity: 'error', summary: `${name} ${JSON.stringify(v)} contains a NUL byte`, detail: 'PostgreSQL cannot store a NUL byte in a name or text. Remove it.' };
  }
  if (IDENTIFIERS.includes(name) && Buffer.byteLength(v) > MAX_IDENTIFIER_BYTES) {
    return {
      severity: 'error',
      summary: `${name} "${v}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`,
      detail: `PostgreSQL would silently truncate it and ${wouldInstead}. Use the name exactly as the database has it.`,
    };
  }
  return undefined;
}
