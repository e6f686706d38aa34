/** The machine's processes as /proc shows them (Linux): who started whom, who still runs. */
import * as fs from 'node:fs';

interface ProcStat {
  readonly state: string;
  readonly ppid: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function stat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Whether a process runs: a zombie waiting for its reaper does not. */
export function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z';
}

/** The running processes started by `parent` whose command line contains `command`. */
export function childrenOf(parent: number, command: string): number[] {
  return fs.readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => stat(pid)?.ppid === parent && alive(pid) && commandLine(pid).includes(command));
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}
