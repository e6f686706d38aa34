/**
 * Identical reads that wait together run once. terraform reads ten resources at a time, and the
 * routes of one pair all ask the same things (the pair's registry and slot, the server's settings):
 * on two cores every round trip costs a wake-up of the server and of the provider.
 *
 * A read joins only a query that has not started yet, never one already running: that one may
 * have been sent before the caller's own last write, and its answer could miss it. So per key at
 * most one query runs and one waits; everyone who asks meanwhile gets the waiting one's answer.
 */

interface Key { readonly running: Promise<unknown>; waiting?: Promise<unknown>; sharers: number }

export class SharedReads<T> {
  private readonly keys = new Map<string, Key>();
  /** Queries saved so far: answers shared instead of asked again. */
  public saved = 0;

  /** @param copy an answer as another caller gets it (callers may change what they get). */
  constructor(private readonly copy: (answer: T) => T) {}

  /** `read`'s answer, or that of an identical read (same `key`) asked for meanwhile and not yet started. */
  public run(key: string, read: () => Promise<T>): Promise<T> {
    const found = this.keys.get(key);
    if (!found) return this.start(key, read);
    // One is running: when it ends, one more runs for everyone who asks meanwhile. Each of them
    // gets a copy (none the answer itself: one caller's changes never reach another's).
    found.waiting ??= found.running.then(() => undefined, () => undefined).then(() => this.start(key, read));
    if (found.sharers++) this.saved++;
    return found.waiting.then((answer) => this.copy(answer as T));
  }

  private start(key: string, read: () => Promise<T>): Promise<T> {
    const running = read();
    const entry: Key = { running, sharers: 0 };
    this.keys.set(key, entry);
    // Forgotten when its query ends, unless another now waits in its place: the next caller starts at once.
    const done = () => {
      if (this.keys.get(key) === entry && !entry.waiting) this.keys.delete(key);
    };
    running.then(done, done);
    return running;
  }
}
