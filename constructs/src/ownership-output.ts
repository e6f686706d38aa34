/**
 * The form a Domain's ownership facts take in its Terraform output. Terraform keeps outputs in
 * state and, with a local backend, writes the whole state after every resource it applies: the
 * facts as plain JSON (~650 bytes a field) made that quadratic in a domain's size and most of a
 * large apply's time. Packed, they are ~20 times smaller.
 */
import { inflateRawSync } from 'node:zlib';
import { deflateFixed } from './fixed-deflate';

/** Marks the packed form: base64 of raw DEFLATE of the facts' JSON follows. */
const PACKED = 'deflate:';

/** The facts' JSON (Ownership.ofDomain, serialized) as the output's value. */
export function packOwnership(json: string): string {
  return PACKED + deflateFixed(Buffer.from(json, 'utf8')).toString('base64');
}

/**
 * The facts' JSON text from an output's value: packed, or plain JSON as states written before
 * packing hold it. Throws when the value is neither.
 */
export function unpackOwnership(value: string): string {
  if (!value.startsWith(PACKED)) return value;
  try {
    return inflateRawSync(Buffer.from(value.slice(PACKED.length), 'base64')).toString('utf8');
  } catch (e) {
    throw new Error(`the packed ownership facts do not unpack: ${(e as Error).message}`);
  }
}
