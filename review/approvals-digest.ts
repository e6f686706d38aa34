/**
 * The digests approvals are bound to. A reviewed plan is its saved file's sha256; the report's
 * planDigest is one sha256 over every domain's, so an approval names exactly one set of plans and
 * re-making any plan (even from the same code: a plan file holds its time) voids it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ReviewedPlan } from './report';

/** sha256 (hex) of a file's bytes. */
export function fileDigest(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * The report's planDigest: sha256 over one line per plan, "<domain> <digest>\n", in the report's
 * (domain) order. `authority review` computes it with this function.
 */
export function planSetDigest(plans: readonly Pick<ReviewedPlan, 'domain' | 'digest'>[]): string {
  return createHash('sha256').update(plans.map((p) => `${p.domain} ${p.digest}\n`).join('')).digest('hex');
}

/** A digest as people compare it: the first 12 characters. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 12);
}
