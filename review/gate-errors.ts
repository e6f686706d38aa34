/**
 * Bad input to the gate, apply and codeowners commands (a missing file, bad JSON, an unknown
 * option value): the message names the file and what to fix; the command exits 2 with it.
 */
export class InputError extends Error {}
