/**
 * Noticing that terraform is gone. go-plugin connects the plugin by pipes (its stdout and stderr
 * go to terraform; its stdin is terraform's own stdin, so it says nothing about terraform) and a
 * gRPC connection over a unix socket. A terraform killed outright (kill -9, the OOM killer, a CI
 * job cancelled) sends no Shutdown: the plugin is reparented, and writes to stderr fail with EPIPE.
 */

/** How often the parent is looked at: a getppid() call, cheap. */
const PARENT_POLL_MS = 250;

/** Calls `onGone` once, when the process that started this one has ended. Keeps nothing alive. */
export function watchParent(onGone: (reason: string) => void): void {
  const parent = process.ppid;
  let called = false;
  const gone = (reason: string) => {
    if (called) return;
    called = true;
    clearInterval(timer);
    onGone(reason);
  };
  // On Linux and macOS an orphan is adopted by init or a subreaper: its parent pid changes.
  const timer = setInterval(() => {
    if (process.ppid !== parent) gone(`terraform (pid ${parent}) has exited`);
  }, PARENT_POLL_MS);
  timer.unref();
  // The read end of our stderr is terraform's: once it is closed, terraform is gone.
  for (const stream of [process.stderr, process.stdout]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') gone(`terraform (pid ${parent}) closed the plugin's output`);
    });
  }
}
