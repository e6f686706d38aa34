/**
 * Names and loop rules of sync routes between PostgreSQL platforms: the name every route of one
 * authority and copy shares, and which routes would send values back and forth (refused).
 */
import { createHash } from 'node:crypto';
import { Diagnostic } from '../../framework';
import type { FieldLocation, SyncRouteIdentity } from '../adapter';
import { ORIGIN_NONE_SINCE } from './catalog';
import { MAX_IDENTIFIER_BYTES } from './guard-sql';

const NAME_PREFIX = 'authority_';

/**
 * The name of the publication, subscription and slot every route from `authority` to `copy`
 * shares: `authority_<authority>_to_<copy>_<hash>` when the names are plain and short (the hash
 * keeps "a_to_b"+"c" apart from "a"+"to_b_c"), otherwise `authority_pair_<hash>`. At most 63
 * bytes, only a-z, 0-9 and "_" (what slot names allow).
 */
export function syncPairName(r: { readonly authority: string; readonly copy: string }): string {
  const hash = createHash('sha256').update(JSON.stringify([r.authority, r.copy])).digest('hex');
  const readable = `${NAME_PREFIX}${r.authority}_to_${r.copy}`.replace(/-/g, '_');
  if (/^[a-z0-9_]+$/.test(readable) && readable.length + 7 <= MAX_IDENTIFIER_BYTES) return `${readable}_${hash.slice(0, 6)}`;
  return `${NAME_PREFIX}pair_${hash.slice(0, 16)}`;
}

/** A route as its triggers on the copy know it: the authority, its subscription (the feed), the table, the route's key and columns. */
export interface RouteOnCopy {
  readonly authority: string;
  readonly feed: string;
  readonly location: FieldLocation;
  readonly routeKey: string;
  readonly columns: readonly string[];
}

/** The route `r` as its triggers on the copy (review hold, newest wins) are given it. */
export function routeOnCopy(r: SyncRouteIdentity, columns: readonly string[]): RouteOnCopy {
  return { authority: r.authority, feed: syncPairName(r), location: r.location, routeKey: r.key ?? '', columns };
}

/** Whether `name` has the form syncPairName gives (trigger arguments before a feed was one held a column there). */
export function looksLikeSyncPairName(name: string | undefined): boolean {
  return /^authority_(pair_[0-9a-f]{16}|[a-z0-9_]+_to_[a-z0-9_]+_[0-9a-f]{6})$/.test(name ?? '');
}

/**
 * Which routes are refused at plan (and again at apply, under a lock) because values would flow
 * both ways on one table:
 * - a route whose reverse exists on the platforms, unless both are declared halves of a two-way
 *   split (two_way): without a declared split nobody decided which side sends which fields, on
 *   every PostgreSQL version;
 * - before PostgreSQL 16 on either side, any two-way split: a subscription cannot ignore changes
 *   that themselves arrived by replication (origin = none), so both halves echo forever.
 */
export function loopRefusals(o: {
  authority: string; copy: string; table: string;
  authorityVersion: number; copyVersion: number; twoWay: boolean;
  /** The reverse route found on the platforms (its subscription on the authority), if any. */
  reverseRoute?: string;
}): Diagnostic[] {
  const older = [[o.authority, o.authorityVersion], [o.copy, o.copyVersion]].filter(([, v]) => (v as number) < ORIGIN_NONE_SINCE) as [string, number][];
  const runs = older.map(([name, v]) => `"${name}" runs PostgreSQL ${Math.floor(v / 10000)}`).join(' and ');
  const why = 'Before PostgreSQL 16 a subscription cannot ignore changes that themselves arrived by replication, so two routes on one table in opposite directions send every change back and forth forever.';
  if (o.twoWay && older.length) {
    return [{
      severity: 'error',
      summary: `two_way needs PostgreSQL 16 or later on both platforms: ${runs}`,
      detail: `${why} Upgrade both servers to 16 or later, or split the fields into one table per direction and declare two one-way routes (two_way = false).`,
      attribute: ['two_way'],
    }];
  }
  if (o.reverseRoute && !o.twoWay) {
    return [{
      severity: 'error',
      summary: `A route from "${o.copy}" back to "${o.authority}" on ${o.table} already exists (subscription "${o.reverseRoute}" on "${o.authority}")${older.length ? `, and ${runs}` : ''}`,
      detail: older.length
        ? `${why} This route would close that loop. Keep one direction per table (move the other fields to their own table), or upgrade both servers to 16 or later and declare both routes two_way.`
        : 'Two routes in opposite directions on one table send values both ways, and nothing declared which side sends which fields. ' +
          'If each side owns different fields of the table, declare a two-way split (Propagation.twoWay with a split; two_way = true on both routes). ' +
          'Otherwise keep one direction per table: remove the other route first, or move the fact with an ownership transfer (change the policy\'s authority).',
      attribute: ['copy'],
    }];
  }
  return [];
}
