import type { AuthorityPolicy } from './authority-policy';
import type { Copy } from './copy';
import { Divergence, PropagationKind } from './propagation';

/**
 * The copy a policy syncs with both ways on the same fields: a two-way sync without a split,
 * decided by NEWEST_WINS, with exactly one copy fed from the authority (the rule
 * two-way-newest-wins reports any other shape). Both platforms write the fields; none is guarded.
 * Undefined for any other policy.
 */
export function bothWaysCopy(policy: AuthorityPolicy): Copy | undefined {
  const p = policy.propagation;
  if (p.kind !== PropagationKind.TWO_WAY || p.split.length > 0 || policy.divergence !== Divergence.NEWEST_WINS) return undefined;
  if (policy.copies.length !== 1) return undefined;
  const copy = policy.copies[0];
  return !copy.feedsFrom || copy.feedsFrom === policy.authority ? copy : undefined;
}
