/**
 * Names a user (or an attacker with CREATE on a schema) can give a table, column, role or policy:
 * every SQL and message builder is tested against each of them. PostgreSQL accepts all but the
 * NUL byte and names over 63 bytes; builders must either quote them safely or refuse them clearly.
 */
export const HOSTILE_NAMES: readonly { readonly label: string; readonly name: string }[] = [
  { label: 'double quote', name: 'a"b' },
  { label: 'single quote', name: "o'brien" },
  { label: 'semicolon and statement', name: 'x; DROP TABLE victim; --' },
  { label: 'empty dollar quote', name: 'a$$b' },
  { label: 'dollar tag of ours', name: '$authority$;DROP TABLE IF EXISTS victim;SELECT $authority$' },
  { label: 'dollar tag of the guard', name: '$authority_guard$;DROP TABLE victim;$authority_guard$' },
  { label: 'backslash', name: 'back\\slash' },
  { label: 'percent (format)', name: '100%s%I%L' },
  { label: 'newline', name: 'line\nbreak' },
  { label: 'reserved word', name: 'select' },
  { label: 'upper case', name: 'MixedCase' },
  { label: 'leading digit', name: '1st' },
  { label: 'space', name: 'two words' },
  { label: 'Unicode', name: 'naïve_名前_🚀' },
  { label: 'single letter (alias-like)', name: 'b' },
  { label: 'internal-looking', name: 'new' },
  { label: '63 bytes', name: 'c'.repeat(63) },
];

/** Names PostgreSQL itself cannot hold: builders must refuse them with a clear error. */
export const IMPOSSIBLE_NAMES: readonly { readonly label: string; readonly name: string }[] = [
  { label: 'NUL byte', name: 'nul\u0000byte' },
  { label: '64 bytes', name: 'd'.repeat(64) },
  { label: '63 characters, over 63 bytes', name: 'é'.repeat(32) },
  { label: 'empty', name: '' },
];
