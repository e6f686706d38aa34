/** The product CLI's dispatcher: every command listed and documented; bad input is a message and exit 2, never a stack trace. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { helpText, runCli } from '../cli/authority';
import { Command, CommandIo, UsageError } from '../cli/command';
import { COMMANDS } from '../cli/commands';

function io(): CommandIo & { text: () => string } {
  const lines: string[] = [];
  return { out: (t) => lines.push(t), err: (t) => lines.push(t), cwd: process.cwd(), text: () => lines.join('\n') };
}

test('help lists every command with a summary, and each command has its own help with a usage line', async () => {
  const help = helpText();
  for (const c of COMMANDS) {
    expect(help).toMatch(new RegExp(`\\n  ${c.name} +[A-Z]`));
    expect(c.help).toMatch(new RegExp(`usage: authority ${c.name}\\b`));
    const out = io();
    expect(await runCli([c.name, '--help'], out)).toBe(0);
    expect(out.text()).toBe(c.help);
  }
  expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
});

test('an unknown command, a usage error and a failure each say what happened with their own exit code', async () => {
  const failing: Command = {
    name: 'boom', summary: 'Fails', help: 'usage: authority boom',
    run: async (args) => { if (args[0] === 'bad') throw new UsageError('unknown option bad'); throw new Error('the platform said no'); },
  };
  const a = io();
  expect(await runCli(['nope'], a, [failing])).toBe(2);
  expect(a.text()).toContain('unknown command "nope"');
  const b = io();
  expect(await runCli(['boom', 'bad'], b, [failing])).toBe(2);
  expect(b.text()).toContain('authority boom: unknown option bad\n\nusage: authority boom');
  const c = io();
  expect(await runCli(['boom'], c, [failing])).toBe(1);
  expect(c.text()).toBe('authority boom: the platform said no');
  expect(c.text()).not.toMatch(/\bat .*\.ts:\d+/);
});

test('the built CLI runs as npx authority does', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'cli', 'authority.js'), '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('usage: authority <command> [options]');
});
