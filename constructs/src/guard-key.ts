import { createHash } from 'crypto';
import { FieldProtectionConfig } from './l1/field-protection';

/** Longest key the PostgreSQL adapter keeps readable: 63 bytes less its "authority_guard_" prefix. */
export const MAX_GUARD_KEY_LENGTH = 47;
/** Hex digits of the path's digest in a key. */
const DIGEST_LENGTH = 8;

/**
 * The key that tells a policy's protections on one table apart (it names the guard trigger):
 * a readable part, the path lowercased with every run of other characters as "_", then "_" and a
 * digest of the exact path. Two paths that read the same ("deal-title" and "deal_title", or
 * "sales_x/y" and "sales/x_y") differ in the digest, and the key depends on nothing but the path,
 * so it stays put when the policy's authority changes. At most 47 characters, so the adapter
 * keeps it readable (a-z, 0-9, "_").
 *
 * @param path the construct ids from the Domain down to the policy, then any qualifier (a split
 *   side's "from", owner)
 */
export function guardKey(path: string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(path)).digest('hex').slice(0, DIGEST_LENGTH);
  const readable = path.join('_').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const room = MAX_GUARD_KEY_LENGTH - DIGEST_LENGTH - 1;
  const head = readable.slice(0, room).replace(/_+$/, '');
  return head ? `${head}_${digest}` : digest;
}

/** One protection a policy makes: its construct id, its configuration, and whether it is the owner's own table. */
export interface ProtectionSpec {
  readonly id: string;
  readonly config: FieldProtectionConfig;
  readonly owned: boolean;
}
