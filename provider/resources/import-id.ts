/** Resource ids and import ids: the identifying parts, each URL-encoded, joined by "/". */
import { DiagnosticError } from '../framework';

export function joinId(...parts: string[]): string {
  return parts.map(encodeURIComponent).join('/');
}

/**
 * Splits an import id into its `names.length` parts, or says how to write it.
 * @param example an id a user could have written, for the diagnostic
 */
export function splitId(id: string, names: string[], example: string): string[] {
  const parts = id.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts.length !== names.length || parts.some((p) => p === '')) {
    const form = names.join('/');
    throw new DiagnosticError({
      severity: 'error',
      summary: `Import id "${id}" is not ${form}`,
      detail: `Write the id as ${names.map((n) => `<${n}>`).join('/')}, e.g. ${example} (URL-encode a part that holds "/").`,
    });
  }
  return parts;
}
