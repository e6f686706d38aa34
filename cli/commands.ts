/** The CLI's subcommands, in the order `authority --help` lists them. Register a command here. */
import type { Command } from './command';

export const COMMANDS: readonly Command[] = [
];
