/**
 * The product's CLI: `npx authority <command> [options]`. Each command lives in its own module
 * and is registered in commands.ts; this file only dispatches and turns errors into messages.
 */
import { Command, CommandIo, UsageError } from './command';
import { COMMANDS } from './commands';

export function helpText(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  return [
    'usage: authority <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `authority <command> --help` for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CommandIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText(commands));
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`authority: unknown command "${name}".\n${helpText(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`authority ${command.name}: ${e.message}\n\n${command.help}`);
      return 2;
    }
    // Failures are the user's to act on: say what happened, no stack trace.
    io.err(`authority ${command.name}: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  const io: CommandIo = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    cwd: process.cwd(),
  };
  runCli(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
