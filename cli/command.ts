/** One subcommand of the product's CLI (`npx authority <name>`). */
export interface Command {
  /** What the user types after `authority`, e.g. "review". */
  readonly name: string;
  /** One line for `authority --help`. */
  readonly summary: string;
  /** The command's own `--help` text: usage line, options, an example. */
  readonly help: string;
  /** Runs the command; resolves to the process's exit code. Throw a UsageError for bad input. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The project folder commands work in (policies, cdktf.json, cdktf.out). */
  readonly cwd: string;
}

/** Bad arguments: printed with the command's usage and exit code 2, never with a stack trace. */
export class UsageError extends Error {}
