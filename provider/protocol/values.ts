/**
 * Terraform values (tfplugin6 DynamicValue) <-> the plain JavaScript values of
 * framework.ts, driven by the schema.
 *
 * On the wire an object is a msgpack map with one key per attribute and
 * nested block; unknown values are msgpack extensions (Terraform writes type
 * 0, and type 12 for "refined" unknowns). Going in we are lenient (a missing
 * key is null, keys the schema does not know are dropped, numbers may arrive
 * as strings); going out we are strict, so a provider bug shows up as a clear
 * diagnostic instead of a puzzling Terraform error.
 */
import { Decoder, Encoder, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import {
  type AttributeType,
  type BlockSchema,
  type NestedBlockSchema,
  type ObjectValue,
  type Value,
  UNKNOWN,
  isUnknown,
} from '../framework';

export interface DynamicValue {
  msgpack?: Uint8Array;
  json?: Uint8Array;
}

/** fixext1, type 0, payload 0x00: what Terraform itself writes for an unknown. */
const UNKNOWN_ON_WIRE = new ExtData(0, new Uint8Array([0]));

// Without this, ext type -1 (msgpack timestamp) would decode to a Date; every
// extension Terraform sends means "unknown", so keep them all as ExtData.
const extensionCodec = new ExtensionCodec();
extensionCodec.register({ type: -1, encode: () => null, decode: (data) => new ExtData(-1, data) });

const decoder = new Decoder({ extensionCodec });
const encoder = new Encoder({ extensionCodec });

const isWireUnknown = (raw: unknown): boolean => raw instanceof ExtData;

/** Decodes an object of the given schema; null when Terraform sent null (or nothing). */
export function decodeObject(value: DynamicValue | null | undefined, schema: BlockSchema): ObjectValue | null {
  let raw: unknown = null;
  if (value?.msgpack && value.msgpack.length > 0) raw = decoder.decode(value.msgpack);
  else if (value?.json && value.json.length > 0) raw = JSON.parse(Buffer.from(value.json).toString('utf8'));
  return fromRawObject(raw, schema);
}

/** Reads an already parsed value (e.g. stored JSON state) as an object of the schema. */
export function fromRawObject(raw: unknown, schema: BlockSchema): ObjectValue | null {
  const result = readBlock(raw, schema, '');
  if (isUnknown(result)) throw new TypeError('the whole object is unknown');
  return result;
}

/** Encodes an object of the given schema as msgpack; null encodes as msgpack nil. */
export function encodeObject(value: ObjectValue | null, schema: BlockSchema): { msgpack: Uint8Array } {
  return { msgpack: encoder.encode(writeBlock(value, schema, '')) };
}

// ---------------------------------------------------------------------------
// wire -> JS

function readBlock(raw: unknown, block: BlockSchema, path: string): ObjectValue | null | typeof UNKNOWN {
  if (raw === null || raw === undefined) return null;
  if (isWireUnknown(raw)) return UNKNOWN;
  if (!isPlainObject(raw)) throw new TypeError(`${where(path)}expected an object, got ${describe(raw)}`);
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(block.attributes)) {
    out[name] = readValue(raw[name], attribute.type, join(path, name));
  }
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    out[name] = readNested(raw[name], nested, join(path, name));
  }
  return out;
}

function readNested(raw: unknown, nested: NestedBlockSchema, path: string): Value {
  if (nested.nesting === 'single') return readBlock(raw, nested.block, path);
  if (raw === null || raw === undefined) return []; // no blocks written
  if (isWireUnknown(raw)) return UNKNOWN;
  if (!Array.isArray(raw)) throw new TypeError(`${where(path)}expected a list of blocks, got ${describe(raw)}`);
  return raw.map((item, i) => readBlock(item, nested.block, `${path}[${i}]`));
}

function readValue(raw: unknown, type: AttributeType, path: string): Value {
  if (raw === null || raw === undefined) return null;
  if (isWireUnknown(raw)) return UNKNOWN;
  if (typeof type === 'string') return readPrimitive(raw, type, path);
  const [kind, element] = type;
  if (kind === 'map') {
    if (!isPlainObject(raw)) throw new TypeError(`${where(path)}expected a map, got ${describe(raw)}`);
    const out: ObjectValue = {};
    for (const [key, item] of Object.entries(raw)) out[key] = readValue(item, element, `${path}["${key}"]`);
    return out;
  }
  if (!Array.isArray(raw)) throw new TypeError(`${where(path)}expected a ${kind}, got ${describe(raw)}`);
  return raw.map((item, i) => readValue(item, element, `${path}[${i}]`));
}

function readPrimitive(raw: unknown, type: 'string' | 'number' | 'bool', path: string): Value {
  switch (type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      // Terraform converts primitives freely; stored state may hold either form.
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      break;
    case 'number':
      if (typeof raw === 'number') return raw;
      // cty writes numbers that do not fit a float64 exactly as decimal strings.
      if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
      if (typeof raw === 'bigint') return Number(raw);
      break;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      break;
  }
  throw new TypeError(`${where(path)}expected a ${type}, got ${describe(raw)}`);
}

// ---------------------------------------------------------------------------
// JS -> wire

function writeBlock(value: Value | undefined, block: BlockSchema, path: string): unknown {
  if (value === null || value === undefined) return null;
  if (isUnknown(value)) return UNKNOWN_ON_WIRE;
  if (!isPlainObject(value)) throw new TypeError(`${where(path)}expected an object, got ${describe(value)}`);
  const blocks = block.blocks ?? {};
  for (const key of Object.keys(value)) {
    if (!(key in block.attributes) && !(key in blocks)) {
      throw new TypeError(`${where(path)}"${key}" is not an attribute or block of the schema`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(block.attributes)) {
    out[name] = writeValue(value[name], attribute.type, join(path, name));
  }
  for (const [name, nested] of Object.entries(blocks)) {
    out[name] = writeNested(value[name], nested, join(path, name));
  }
  return out;
}

function writeNested(value: Value | undefined, nested: NestedBlockSchema, path: string): unknown {
  if (nested.nesting === 'single') return writeBlock(value, nested.block, path);
  // Terraform represents "no blocks" as an empty collection, never null.
  if (value === null || value === undefined) return [];
  if (isUnknown(value)) return UNKNOWN_ON_WIRE;
  if (!Array.isArray(value)) throw new TypeError(`${where(path)}expected a list of blocks, got ${describe(value)}`);
  return value.map((item, i) => writeBlock(item, nested.block, `${path}[${i}]`));
}

function writeValue(value: Value | undefined, type: AttributeType, path: string): unknown {
  if (value === null || value === undefined) return null;
  if (isUnknown(value)) return UNKNOWN_ON_WIRE;
  if (typeof type === 'string') {
    const ok =
      (type === 'string' && typeof value === 'string') ||
      (type === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
      (type === 'bool' && typeof value === 'boolean');
    if (!ok) throw new TypeError(`${where(path)}expected a ${type}, got ${describe(value)}`);
    return value;
  }
  const [kind, element] = type;
  if (kind === 'map') {
    if (!isPlainObject(value)) throw new TypeError(`${where(path)}expected a map, got ${describe(value)}`);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = writeValue(item, element, `${path}["${key}"]`);
    return out;
  }
  if (!Array.isArray(value)) throw new TypeError(`${where(path)}expected a ${kind}, got ${describe(value)}`);
  return value.map((item, i) => writeValue(item, element, `${path}[${i}]`));
}

// ---------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof ExtData);
}

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const where = (path: string): string => (path ? `${path}: ` : '');

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  if (isUnknown(v)) return 'an unknown value';
  // Only the kind, never the value: it may be sensitive.
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
