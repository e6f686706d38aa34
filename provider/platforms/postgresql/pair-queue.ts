/**
 * Coalesces the changes terraform asks of one pair at once. Terraform calls the provider once per
 * resource, ten at a time, and every change to a pair waits for the pair's lock: one route at a
 * time, each re-reading and refreshing the whole pair, made N route changes cost O(N²). Here the
 * changes of one provider process that wait for a pair meanwhile run as one batch: one lock, one
 * read and one transaction on the publication, one refresh of the subscription.
 *
 * Only the waiting is shared: each change still resolves or fails on its own (a batch that fails
 * as a whole runs its changes one by one, so each gets its own diagnostic and the next apply
 * converges from what exists).
 */

/** One change waiting for its pair, and how to answer its caller. */
export interface Queued<I, R> {
  readonly item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** Runs a batch: must settle every entry it is given (resolve or reject), and may leave some for the next batch. */
export type BatchRunner<I, R> = (batch: Queued<I, R>[]) => Promise<Queued<I, R>[] | void>;

/**
 * A queue per pair and kind of change: entries that arrive while a batch runs form the next one.
 * `take` picks the entries of the next batch (the rest wait for the one after).
 */
export class PairQueue<I, R> {
  private waiting: Queued<I, R>[] = [];
  private running = false;

  constructor(
    private readonly run: BatchRunner<I, R>,
    private readonly take: (waiting: Queued<I, R>[]) => Queued<I, R>[] = (w) => w,
  ) {}

  public submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // The calls terraform makes together arrive within a few event-loop turns: let them join.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length) {
        const batch = this.take(this.waiting);
        this.waiting = this.waiting.filter((q) => !batch.includes(q));
        let left: Queued<I, R>[] | void = undefined;
        try {
          left = await this.run(batch);
        } catch (e) {
          for (const q of batch) q.reject(e);
        }
        if (left && left.length) this.waiting = [...left, ...this.waiting];
      }
    } finally {
      this.running = false;
    }
  }
}

/** One entry per table: routes of one table change one after the other, in the order they came. */
export function onePerTable<I extends { readonly location: { readonly namespace: string; readonly container: string } }, R>(waiting: Queued<I, R>[]): Queued<I, R>[] {
  const seen = new Set<string>();
  return waiting.filter((q) => {
    const table = JSON.stringify([q.item.location.namespace, q.item.location.container]);
    if (seen.has(table)) return false;
    seen.add(table);
    return true;
  });
}
