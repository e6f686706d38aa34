/**
 * Logging for the plugin process. stdout belongs to the go-plugin handshake,
 * so everything goes to stderr, where go-plugin picks up the `[LEVEL]` prefix
 * and shows the line in Terraform's log (TF_LOG=debug and up).
 */
const verbose = Boolean(process.env.TF_LOG || process.env.TF_LOG_PROVIDER);

function write(level: string, message: string): void {
  process.stderr.write(`[${level}] ${message}\n`);
}

/** Only written when Terraform logging is on: saves the writes otherwise. */
export function debug(message: string): void {
  if (verbose) write('DEBUG', message);
}

export function warn(message: string): void {
  write('WARN', message);
}

export function error(message: string, err?: unknown): void {
  write('ERROR', message);
  // A stack helps whoever reads TF_LOG output; users never see it in diagnostics.
  if (verbose && err instanceof Error && err.stack) write('ERROR', err.stack);
}
