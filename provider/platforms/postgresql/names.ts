/** Which configured names PostgreSQL can hold: no NUL byte anywhere, identifiers up to 63 bytes. */
import { NameKind, NameProblem } from '../kind';
import { MAX_IDENTIFIER_BYTES } from './guard-sql';

export function checkPostgresqlName(what: NameKind, label: string, value: string, wouldInstead: string): NameProblem | undefined {
  if (value.includes('\0')) {
    return { summary: `${label} ${JSON.stringify(value)} contains a NUL byte`, detail: 'PostgreSQL cannot store a NUL byte in a name or text. Remove it.' };
  }
  if (what === 'identifier' && Buffer.byteLength(value) > MAX_IDENTIFIER_BYTES) {
    return {
      summary: `${label} "${value}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`,
      detail: `PostgreSQL would silently truncate it and ${wouldInstead}. Use the name exactly as the database has it.`,
    };
  }
  return undefined;
}
