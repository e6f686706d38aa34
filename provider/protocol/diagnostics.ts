/** framework.ts diagnostics and thrown errors -> tfplugin6 Diagnostic messages. */
import { type Diagnostic, DiagnosticError, type PathStep } from '../framework';
import type { Message } from './descriptors';
import * as log from './log';

export function toProtoDiagnostics(diagnostics: readonly Diagnostic[] | undefined): Message[] {
  return (diagnostics ?? []).map(toProtoDiagnostic);
}

function toProtoDiagnostic(d: Diagnostic): Message {
  return {
    severity: d.severity === 'warning' ? 'WARNING' : 'ERROR',
    summary: d.summary,
    detail: d.detail ?? '',
    ...(d.attribute && d.attribute.length > 0 ? { attribute: toProtoPath(d.attribute) } : {}),
  };
}

/** Attribute names become attribute_name steps, numbers list indexes (element_key_int). */
export function toProtoPath(steps: readonly PathStep[]): Message {
  return {
    steps: steps.map((s) => (typeof s === 'number' ? { element_key_int: s } : { attribute_name: s })),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[] | undefined): boolean {
  return (diagnostics ?? []).some((d) => d.severity === 'error');
}

/**
 * What a call that threw reports to the user: a DiagnosticError's own
 * diagnostic, otherwise the error's message (the stack goes to the log only).
 * `activity` completes "while ...", e.g. "planning toy_thing".
 */
export function diagnosticFromError(err: unknown, activity: string): Diagnostic {
  if (isDiagnosticError(err)) return err.diagnostic;
  const message = err instanceof Error ? err.message : String(err);
  log.error(`while ${activity}: ${message}`, err);
  return { severity: 'error', summary: message, detail: `The provider failed while ${activity}.` };
}

// Duck-typed too: a second copy of framework.ts (another bundle) has its own class.
function isDiagnosticError(err: unknown): err is DiagnosticError {
  if (err instanceof DiagnosticError) return true;
  const d = (err as { diagnostic?: Partial<Diagnostic> } | null)?.diagnostic;
  return err instanceof Error && typeof d?.summary === 'string' && (d.severity === 'error' || d.severity === 'warning');
}
