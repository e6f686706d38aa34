/**
 * A small JSON Schema (draft 2020-12) validator for the keywords the project's schemas use. A
 * keyword it does not know fails loudly, so a schema cannot pass by being misunderstood.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const ASSERTIONS = new Set([
  'type', 'required', 'additionalProperties', 'properties', 'items', 'enum', 'const', 'pattern', 'minLength', 'minimum', 'minItems', '$ref',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The errors of `value` against `schema` (empty when valid), each with its JSON pointer. */
export function validate(schema: Schema, value: unknown): string[] {
  const root = schema;
  const errors: string[] = [];
  const check = (s: Schema, v: unknown, at: string): void => {
    for (const k of Object.keys(s)) {
      if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) throw new Error(`schema keyword "${k}" at ${at || '/'} is not supported by this validator`);
    }
    if (typeof s.$ref === 'string') {
      const m = /^#\/\$defs\/(.+)$/.exec(s.$ref);
      const target = m && (root.$defs as Record<string, Schema> | undefined)?.[m[1]];
      if (!target) throw new Error(`unresolvable $ref ${s.$ref}`);
      check(target, v, at);
    }
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) {
        errors.push(`${at || '/'}: is ${t}, expected ${types.join(' or ')}`);
        return;
      }
    }
    if (s.enum && !(s.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${at}: ${JSON.stringify(v)} is not one of the allowed values`);
    if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(v)) errors.push(`${at}: must be ${JSON.stringify(s.const)}`);
    if (t === 'string') {
      const str = v as string;
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(str)) errors.push(`${at}: "${str}" does not match ${s.pattern}`);
      if (typeof s.minLength === 'number' && [...str].length < s.minLength) errors.push(`${at}: shorter than ${s.minLength}`);
    }
    if ((t === 'integer' || t === 'number') && typeof s.minimum === 'number' && (v as number) < s.minimum) errors.push(`${at}: below ${s.minimum}`);
    if (t === 'array') {
      const arr = v as unknown[];
      if (typeof s.minItems === 'number' && arr.length < s.minItems) errors.push(`${at}: fewer than ${s.minItems} items`);
      if (s.items) arr.forEach((x, i) => check(s.items as Schema, x, `${at}/${i}`));
    }
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required ?? []) as string[]) if (!(r in obj)) errors.push(`${at}: missing required "${r}"`);
      for (const [k, x] of Object.entries(obj)) {
        if (props[k]) check(props[k], x, `${at}/${k}`);
        else if (s.additionalProperties === false) errors.push(`${at}: unexpected property "${k}"`);
      }
    }
  };
  check(schema, value, '');
  return errors;
}
