/** The CLI's subcommands, in the order `authority --help` lists them. Register a command here. */
import type { Command } from './command';
import { applyCommand } from './apply-command';
import { codeownersCommand } from './codeowners-command';
import { explainCommand } from './explain-command';
import { gateCommand } from './gate-command';
import { mapCommand } from './map-command';
import { mcpCommand } from './mcp-command';
import { reviewCommand } from './review-command';

export const COMMANDS: readonly Command[] = [
  reviewCommand,
  gateCommand,
  applyCommand,
  codeownersCommand,
  explainCommand,
  mapCommand,
  mcpCommand,
];
