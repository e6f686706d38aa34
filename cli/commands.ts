/** The CLI's subcommands, in the order `authority --help` lists them. Register a command here. */
import type { Command } from './command';
import { explainCommand } from './explain-command';
import { mapCommand } from './map-command';
import { mcpCommand } from './mcp-command';
import { reviewCommand } from './review-command';

export const COMMANDS: readonly Command[] = [
  reviewCommand,
  mapCommand,
  explainCommand,
  mcpCommand,
];
