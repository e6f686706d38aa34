/** The CLI's subcommands, in the order `authority --help` lists them. Register a command here. */
import type { Command } from './command';
import { reviewCommand } from './review-command';

export const COMMANDS: readonly Command[] = [
  reviewCommand,
];
