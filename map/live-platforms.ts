/**
 * What terraform's state does not carry, read from the platforms now: how far each route's copy
 * lags (always, not only beyond max_lag), the conflicts waiting in a route's review queue, and the
 * values overridden locally on a copy (how many, the oldest, by whom). Read through the provider's
 * own platform adapters (the registry, never a kind directly), configured with the stack's
 * provider block exactly as terraform would pass it: passwords stay in their env var or file.
 * Read-only: health, queue and read-back, nothing applied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FieldLocation, SyncRoute } from '../provider/platforms/adapter';
import { Platforms } from '../provider/platforms/configured';
import { routerPair } from '../provider/platforms';
import { DiagnosticError } from '../provider/framework';
import { mappingOf } from '../provider/resources/sync-route-mapping';

/** A route's figures now. */
export interface RouteFigures {
  /** The copy's receiver is connected and streaming. */
  readonly connected: boolean;
  /** Seconds the copy took to apply the latest changes (0 when caught up). @default unknown (not connected) */
  readonly lagSeconds?: number;
  /** Changes the copy failed to apply, since its statistics were reset. */
  readonly applyErrors: number;
  /** divergence manual_review: the queue on the copy. @default no queue */
  readonly review?: { readonly queue: string; readonly open: number; readonly resolving: number; readonly oldestSeconds?: number };
}

/** A local override's figures now. */
export interface OverrideFigures {
  /** Values overridden now (active overrides). */
  readonly count: number;
  /** The oldest override's age, in seconds. @default none overridden */
  readonly oldestSeconds?: number;
  /** Who overrode them (logins, most values first). */
  readonly by: string[];
  /** Overrides past their expiry, waiting to revert. */
  readonly expired: number;
}

type Values = Record<string, any>;

/** The stack's provider configuration (cdk.tf.json), as the provider's ConfigureProvider receives it. */
export function providerConfig(stackDir: string): Values {
  const file = path.join(stackDir, 'cdk.tf.json');
  const blocks = JSON.parse(fs.readFileSync(file, 'utf8')).provider?.authority;
  const config = Array.isArray(blocks) ? blocks[0] : blocks;
  if (!config) throw new Error(`${file} declares no authority provider: nothing to read live.`);
  const text = JSON.stringify(config);
  if (text.includes('${')) {
    throw new Error(`${file}: the authority provider's configuration refers to variables or other resources; --live reads literal settings only (point passwords at password_env or password_file instead).`);
  }
  return config;
}

function locationOf(v: Values): FieldLocation {
  return { namespace: v.schema ?? 'public', container: v.table };
}

/** The platforms of a stack's provider configuration; close them when done. */
export function stackPlatforms(stackDir: string): Platforms {
  const platforms = new Platforms();
  const errors = platforms.configure(providerConfig(stackDir)).filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new Error(`The authority provider's configuration in ${stackDir} is not usable: ${errors.map((d) => `${d.summary}${d.detail ? ` (${d.detail})` : ''}`).join('; ')}`);
  }
  return platforms;
}

/** Unwraps a platform's refusal into its message (the provider's diagnostics name what to do). */
async function onPlatform<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DiagnosticError) throw new Error(`${e.diagnostic.summary}${e.diagnostic.detail ? `: ${e.diagnostic.detail}` : ''}`);
    throw e;
  }
}

/** A route's figures, from its refreshed state values (authority_sync_route). Undefined when the kinds keep no route. */
export async function routeFigures(platforms: Platforms, route: Values): Promise<RouteFigures | undefined> {
  const authority = platforms.get(route.authority, ['authority']);
  const copy = platforms.get(route.copy, ['copy']);
  const pair = routerPair(authority.kind, copy.kind);
  if (!pair) return undefined;
  const router = pair.route(authority, copy);
  const declared: SyncRoute = {
    authority: route.authority, copy: route.copy, location: locationOf(route), key: route.key ?? '', mapping: mappingOf(route),
    fields: route.columns ?? [], twoWay: route.two_way === true, divergence: route.divergence ?? 'authority_wins',
  };
  const health = await onPlatform(() => router.health(declared, true));
  const queue = route.divergence === 'manual_review' && router.reviewQueue ? await onPlatform(() => router.reviewQueue!(declared)) : undefined;
  return {
    connected: health?.connected ?? false,
    ...(health?.lagSeconds !== undefined ? { lagSeconds: health.lagSeconds } : {}),
    applyErrors: health?.applyErrors ?? 0,
    ...(queue ? { review: { queue: queue.table, open: queue.open, resolving: queue.resolving, ...(queue.oldestSeconds !== undefined ? { oldestSeconds: queue.oldestSeconds } : {}) } } : {}),
  };
}

/** A local override's figures, from its protection's refreshed state values (authority_field_protection). */
export async function overrideFigures(platforms: Platforms, protection: Values): Promise<OverrideFigures | undefined> {
  const adapter = platforms.get(protection.platform, ['platform']);
  const found = await onPlatform(() => adapter.readProtection(locationOf(protection), protection.key ?? protection.authority));
  if (!found?.override) return undefined;
  const values = found.overridden ?? [];
  const byCount = new Map<string, number>();
  for (const v of values) byCount.set(v.by, (byCount.get(v.by) ?? 0) + 1);
  return {
    count: values.length,
    ...(values.length ? { oldestSeconds: Math.max(...values.map((v) => v.ageSeconds)) } : {}),
    by: [...byCount].sort((a, b) => b[1] - a[1]).map(([who]) => who),
    expired: values.filter((v) => v.expired).length,
  };
}
