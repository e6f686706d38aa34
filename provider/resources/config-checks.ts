/**
 * Checks of configured names that every resource makes the same way. Terraform validates a
 * resource before it configures the provider, so the platform's kind is not known then: a name is
 * checked against every registered kind's rules (conservative: what one kind cannot hold is refused).
 */
import { Diagnostic, PathStep, Value } from '../framework';
import { KINDS } from '../platforms';
import { NameKind } from '../platforms/kind';

/** Names the platforms hold as identifiers (a schema, table, column or role); the others are texts. */
const IDENTIFIERS = ['schema', 'table', 'column', 'sync_principal'];

/**
 * Returns a check for one configured name: not empty, and holdable by every registered kind.
 * `wouldInstead` says what an altered (e.g. truncated) name would make the resource do
 * ("protect something else").
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
  const what: NameKind = IDENTIFIERS.includes(name) ? 'identifier' : 'text';
  for (const kind of KINDS) {
    const problem = kind.checkName(what, name, v, wouldInstead);
    if (problem) return { severity: 'error', ...problem };
  }
  return undefined;
}
