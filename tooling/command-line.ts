/** What the project's own commands (embedded, directus, tryton) share: their output and dispatch. */
import * as path from 'node:path';
import { PROJECT_DIR } from './paths';

/** One line on standard output. */
export function say(text: string): void {
  process.stdout.write(text + '\n');
}

/** A path as short as it can be said: relative to the project when inside it. */
export function display(p: string): string {
  const rel = path.relative(PROJECT_DIR, p);
  return rel.startsWith('..') ? p : rel;
}

/**
 * Runs the action named by the first argument: an unknown one prints the usage (exit 2), a failure
 * its message in one line (exit 1), never a stack trace.
 */
export function runCommand(name: string, actions: Record<string, () => Promise<void>>): void {
  const command = process.argv[2];
  if (!Object.prototype.hasOwnProperty.call(actions, command)) {
    process.stderr.write(`usage: ${name} ${Object.keys(actions).join(' | ')}\n`);
    process.exit(2);
  }
  actions[command]().catch((e: Error) => {
    process.stderr.write(`authority: ${e.message}\n`);
    process.exit(1);
  });
}
