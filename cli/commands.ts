/** The CLI's subcommands, in the order `authority --help` lists them. Register a command here. */
import type { Command } from './command';
import { applyCommand } from './apply-command';
import { codeownersCommand } from './codeowners-command';
import { gateCommand } from './gate-command';

export const COMMANDS: readonly Command[] = [
  gateCommand,
  applyCommand,
  codeownersCommand,
];
