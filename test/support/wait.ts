/** Waiting on a condition with a bounded deadline: tests prove what they claim instead of sleeping. */

/**
 * Polls `check` until it returns something other than undefined/false, and returns that. Fails
 * with `what` and the last value seen when `withinMs` runs out.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  withinMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${withinMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Polls `read` until `done` holds or `withinMs` passes, and returns the last value read: for
 * tests that then assert on it, so a failure shows the value rather than a timeout.
 */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, withinMs = 15_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
