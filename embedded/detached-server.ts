/**
 * An application server the project starts detached (Directus, trytond), so it outlives the
 * command that started it like the PostgreSQL servers: its pid and port kept in its folder, a
 * start that waits until it answers (failing early, with its log, when it dies), and a stop.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alive } from '../tooling/directus-install';
import { freePort } from './local-postgres';

/** Starts `command` detached in `dir`, its output appended to `logFile`; records and returns its pid. */
export function spawnDetached(command: string, args: readonly string[], dir: string, env: NodeJS.ProcessEnv, logFile: string): number {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  child.unref();
  fs.writeFileSync(path.join(dir, 'pid'), String(child.pid));
  return child.pid!;
}

/** The pid recorded in `dir`, while that process runs. */
export function runningPid(dir: string): number | undefined {
  const file = path.join(dir, 'pid');
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8'));
  return pid && alive(pid) ? pid : undefined;
}

/**
 * Waits until `answers()` holds; fails early when the process dies, and at the deadline, each
 * time with the log's last lines. `what` names the server and where it was asked, for messages.
 */
export async function waitUntilAnswering(what: { name: string; asked: string }, pid: number, logFile: string, timeoutMs: number, answers: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await answers()) return;
    } catch {
      // not listening yet
    }
    const tail = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '');
    if (!alive(pid)) throw new Error(`${what.name} (pid ${pid}) exited before answering ${what.asked}; ${logFile}:\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`${what.name} did not answer ${what.asked} within ${timeoutMs / 1000} s; ${logFile}:\n${tail()}`);
    await sleep(250);
  }
}

/** Stops the server recorded in `dir` if it runs (SIGTERM, then SIGKILL after a deadline); false when none ran. */
export async function stopDetached(dir: string, timeoutMs = 15000): Promise<boolean> {
  const pid = runningPid(path.resolve(dir));
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
  fs.rmSync(path.join(dir, 'pid'), { force: true });
  return true;
}

/** A free port chosen at the first start and kept in the folder, so the URL stays the same. */
export async function keptPort(dir: string): Promise<number> {
  const file = path.join(dir, 'port');
  if (!fs.existsSync(file)) fs.writeFileSync(file, String(await freePort()));
  return Number(fs.readFileSync(file, 'utf8'));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
