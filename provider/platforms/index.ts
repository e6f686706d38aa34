/**
 * The registered platform kinds and sync router pairs: adding a kind is one folder beside this
 * file and one line in each list (see README, "How to add a platform kind").
 */
import { PlatformKind, SyncRouterPair } from './kind';
import { directus } from './directus';
import { postgresql, postgresqlToPostgresql } from './postgresql';
import { tryton } from './tryton';

export const KINDS: readonly PlatformKind[] = [postgresql, directus, tryton];

export const ROUTER_PAIRS: readonly SyncRouterPair[] = [postgresqlToPostgresql];

/** The pair that carries routes from kind `sender` to kind `receiver`, if any. */
export function routerPair(sender: string, receiver: string): SyncRouterPair | undefined {
  return ROUTER_PAIRS.find((p) => p.sender === sender && p.receiver === receiver);
}
