/** What approvals are bound to: each saved plan file's sha256, and one digest over all of them. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** sha256 (hex) of a saved plan file's bytes. */
export function fileDigest(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The report's planDigest: the sha256 (hex) of the lines `<domain> <digest>\n`, in the order
 * given (the report's, sorted by domain). The domain names are in it, so two domains' plans
 * swapped do not digest alike.
 */
export function planDigestOf(plans: ReadonlyArray<{ readonly domain: string; readonly digest: string }>): string {
  return createHash('sha256').update(plans.map((p) => `${p.domain} ${p.digest}\n`).join('')).digest('hex');
}

/** sha256 (hex) of a saved plan file, read from disk. */
export function planFileDigest(file: string): string {
  return fileDigest(fs.readFileSync(file));
}

/** A digest as people compare it: the first 12 characters. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 12);
}
