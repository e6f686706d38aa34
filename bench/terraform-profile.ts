/**
 * Where terraform's own CPU goes in a `perf record -g` of a command (BENCH_PERF=<dir>, live-run.ts):
 * terraform's release binary is stripped, so perf shows bare addresses, but a Go binary keeps its
 * function table (.gopclntab) for its own stack traces. This reads that table (the layout of Go
 * 1.20 and later) and prints the functions with the most samples, by self and by inclusive time.
 *
 *   perf script -i <file>.data --comm terraform -F ip > stacks.txt
 *   npm run bench:terraform-profile -- stacks.txt [path of the terraform that ran]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

function readelf(option: string, binary: string): string {
  try {
    return execFileSync('readelf', [option, binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new Error('readelf is needed to read the binary\'s headers: install binutils (apt install binutils)');
    throw e;
  }
}

/** Function entry addresses (ascending) and names from a Go binary's .gopclntab. */
export function goFunctions(binary: string): { entries: number[]; names: string[] } {
  const headers = readelf('-SW', binary);
  const line = headers.split('\n').find((l) => /\s\.gopclntab\s/.test(l));
  if (!line) throw new Error(`${binary} has no .gopclntab section: not a Go binary`);
  const fields = line.slice(line.indexOf(']') + 1).trim().split(/\s+/); // name type address offset size ...
  const offset = parseInt(fields[3], 16);
  const data = fs.readFileSync(binary);
  const table = data.subarray(offset);
  const magic = table.readUInt32LE(0);
  if (magic !== 0xfffffff1) throw new Error(`${binary}: not the function table of Go 1.20 or later (magic ${magic.toString(16)})`);
  const word = (i: number) => Number(table.readBigUInt64LE(8 + i * 8));
  const [count, textStart, namesAt, functionsAt] = [word(0), word(2), word(3), word(7)];
  const entries: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const entry = table.readUInt32LE(functionsAt + i * 8);
    const info = table.readUInt32LE(functionsAt + i * 8 + 4);
    const nameOffset = table.readInt32LE(functionsAt + info + 4);
    const start = namesAt + nameOffset;
    entries.push(textStart + entry);
    names.push(table.toString('utf8', start, table.indexOf(0, start)));
  }
  return { entries, names };
}

/** Where the binary's first segment loads: perf prints its addresses relative to that. */
export function loadAddress(binary: string): number {
  const load = readelf('-lW', binary).split('\n').find((l) => /^\s*LOAD\s/.test(l));
  if (!load) throw new Error(`${binary} has no loadable segment`);
  return parseInt(load.trim().split(/\s+/)[2], 16); // LOAD offset virtual-address ...
}

/** perf script's samples (blank-line separated stacks of hex addresses, innermost first). */
export function perfStacks(text: string): number[][] {
  return text.split(/\n\s*\n/).map((block) => block.trim().split('\n').map((l) => parseInt(l.trim().split(/\s+/)[0], 16))
    .filter((n) => !Number.isNaN(n))).filter((s) => s.length > 0);
}

function main(): void {
  const [stacksFile, binary = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim()] = process.argv.slice(2);
  if (!stacksFile) throw new Error('usage: terraform-profile <perf script output> [terraform binary]');
  const { entries, names } = goFunctions(binary);
  // perf prints terraform's addresses relative to its first mapping, the kernel's as they are.
  const base = loadAddress(binary);
  const nameOf = (ip: number) => {
    if (ip >= 2 ** 47) return '[kernel]';
    const address = ip + base;
    let lo = 0;
    let hi = entries.length - 1;
    if (address < entries[0]) return '?';
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (entries[mid] <= address) lo = mid; else hi = mid - 1;
    }
    return names[lo];
  };
  const stacks = perfStacks(fs.readFileSync(stacksFile, 'utf8'));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const stack of stacks) {
    const frames = stack.map(nameOf);
    self.set(frames[0], (self.get(frames[0]) ?? 0) + 1);
    for (const f of new Set(frames)) inclusive.set(f, (inclusive.get(f) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([f, c]) => `${(100 * c / stacks.length).toFixed(1).padStart(5)}%  ${f}`).join('\n');
  console.log(`${stacks.length} samples\n\nself:\n${top(self, 25)}\n\ninclusive:\n${top(inclusive, 50)}`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
