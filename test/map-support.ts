/** Helpers for the map, explain and MCP tests. */
import * as path from 'node:path';
import type { CommandIo } from '../cli/command';

export const PROJECT = path.resolve(__dirname, '..');

/** A CommandIo that keeps what a command prints. */
export function captureIo(cwd = PROJECT): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, cwd, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}
