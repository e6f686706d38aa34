/**
 * How a pair's receiver runs, as a plan reports it (warnings, never drift): connected and
 * streaming, failing on a change, or not connected.
 *
 * Not disable_on_error: it also stops a route for good when the authority merely restarts (a lost
 * stream counts as an error), so a change the copy cannot apply is retried every few seconds
 * (wal_retrieve_retry_interval, 5 s by default), and watching tells the cases apart.
 */
import { RouteHealth } from '../adapter';

/** Two of the 5 s a failed receiver waits before it retries, so a retry shows even on a slow machine. */
const WATCH_MS = 11_000;
const WATCH_STEP_MS = 200;
/** Reads in a row that find the receiver streaming: longer than a failing one stays connected. */
const STREAMING_READS = 4;

export interface PairReads {
  subscription(): Promise<{ enabled: boolean; errors: number } | undefined>;
  sender(): Promise<{ consumer: string | null; lag: number | null } | undefined>;
  /** The receiver connects with the authority's settings of this configuration. */
  connectionCurrent(): Promise<boolean>;
}

/**
 * Watches the pair named `name`; without `watch`, only what the catalogs say at once. Undefined
 * when the pair has no subscription.
 */
export async function watchPair(name: string, watch: boolean, reads: PairReads): Promise<RouteHealth | undefined> {
  const first = await reads.subscription();
  if (!first) return undefined;
  const connectionCurrent = await reads.connectionCurrent();
  const report = (connected: boolean, errors: number, lag?: number | null): RouteHealth => ({
    enabled: first.enabled, connected, failing: errors > first.errors, applyErrors: errors, connectionCurrent,
    lagSeconds: connected ? Number(lag ?? 0) : undefined,
  });
  if (!first.enabled || !watch) return report(false, first.errors);
  // Connected on several reads in a row, with no new error: a receiver that fails on a change
  // connects for a moment every few seconds; one that restarts after an apply connects within a
  // moment and stays.
  let streak = 0;
  for (let watched = 0; watched <= WATCH_MS; watched += WATCH_STEP_MS) {
    const now = await reads.sender();
    streak = now?.consumer === name ? streak + 1 : 0;
    if (streak >= STREAMING_READS) {
      const errors = (await reads.subscription())?.errors ?? first.errors;
      if (errors === first.errors) return report(true, errors, now?.lag);
      return report(false, errors);
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_STEP_MS));
  }
  return report(false, (await reads.subscription())?.errors ?? first.errors);
}
