// Runtime checks of props for callers the TypeScript types do not reach (JavaScript, or Python
// and other languages through jsii): a wrong value gets a message naming where, which prop, and
// what to pass, instead of a TypeError at synth.

/** A short description of what was passed, for messages: `the string "crm"`, `an object with keys a, b`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    if (name && name !== 'Object') return `a ${name}`;
    const keys = Object.keys(value as object);
    return keys.length ? `an object with ${keys.slice(0, 5).join(', ')}` : 'an empty object';
  }
  return typeof value;
}

/** What a check reports into: `<where>: <prop> must be <what>; got <value>. <hint>`. */
export class PropError extends Error {
  constructor(where: string, prop: string, what: string, value: unknown, hint?: string) {
    super(`${where}: ${prop} must be ${what}; got ${describeValue(value)}.${hint ? ` ${hint}` : ''}`);
    this.name = 'PropError';
  }
}

/** The props (or options) object itself: an object, or undefined where it is optional. */
export function checkObject(where: string, prop: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PropError(where, prop, 'an object of named settings', value);
  }
}

/** A string; blank is refused unless `blankAllowed`. */
export function checkString(where: string, prop: string, value: unknown, options: { optional?: boolean; blankAllowed?: boolean } = {}): void {
  if (options.optional && value === undefined) return;
  if (typeof value !== 'string') throw new PropError(where, prop, 'a string', value);
  if (!options.blankAllowed && value.trim() === '') throw new PropError(where, prop, 'a non-blank string', value);
}

/** true or false. */
export function checkBoolean(where: string, prop: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'boolean') throw new PropError(where, prop, 'true or false', value);
}

/** An instance of one of the library's classes, made the way `how` says. */
export function checkInstance<T>(
  where: string, prop: string, value: unknown, isIt: (x: unknown) => x is T, what: string, how: string, optional = false,
): void {
  if (optional && value === undefined) return;
  if (!isIt(value)) throw new PropError(where, prop, what, value, `Pass ${how}.`);
}

/** A list whose every item passes `item` (called with the item's prop name, e.g. "copies[1]"). */
export function checkList(where: string, prop: string, value: unknown, what: string, item: (prop: string, v: unknown) => void, optional = false): void {
  if (optional && value === undefined) return;
  if (!Array.isArray(value)) throw new PropError(where, prop, `a list of ${what}`, value, `Pass [ ... ], even for one.`);
  value.forEach((v, i) => item(`${prop}[${i}]`, v));
}

/** One of an enum's values. */
export function checkOneOf(where: string, prop: string, value: unknown, enumName: string, values: Record<string, string>, optional = false): void {
  if (optional && value === undefined) return;
  const allowed = Object.values(values);
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new PropError(where, prop, `one of ${enumName}'s values`, value, `Use ${Object.keys(values).map((k) => `${enumName}.${k}`).join(', ')}.`);
  }
}
