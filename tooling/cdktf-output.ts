/**
 * Reading what `cdktf apply '*'` printed: its stacks' output comes interleaved, with spinner codes
 * and redrawn lines, so each stack's lines are grouped by its name and its result is found in them,
 * anywhere in the output, or counted from its plan.
 */

/**
 * cdktf deploys stacks in parallel and prints each block of terraform output with the stack's
 * name on its first line and the other lines indented to match; its own status lines come in
 * between. Groups the lines by stack.
 */
export function byStack(output: string, stackNames: string[]): Map<string, string[]> {
  const stacks = new Map<string, string[]>(stackNames.sort().map((n) => [n, []]));
  let current: { lines: string[]; indent: number } | undefined;
  for (const line of output.split('\n')) {
    const head = /^([\w-]+) {2,}/.exec(line);
    if (head && stacks.has(head[1])) {
      current = { lines: stacks.get(head[1])!, indent: head[0].length };
      current.lines.push(line.slice(head[0].length).trim());
    } else if (current && line.startsWith(' '.repeat(current.indent))) {
      current.lines.push(line.trim());
    }
  }
  return stacks;
}

/** cdktf prints spinner and colour codes even without a TTY. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
}

/**
 * A stack's result counted from its plan's lines, when cdktf's interleaved output lost its summary
 * line (cdktf exited 0: every stack applied what it planned).
 */
export function fromPlan(lines: readonly string[]): string | undefined {
  const planned = lines.filter((l) => /^# .* (will|must) be /.test(l));
  if (planned.length === 0) return undefined;
  const count = (re: RegExp) => planned.filter((l) => re.test(l)).length;
  const replaced = count(/ (must|will) be replaced/);
  return `${count(/ will be created/) + replaced} added, ${count(/ will be updated in-place/)} changed, ${count(/ will be destroyed/) + replaced} destroyed.`;
}

/**
 * What a stack's apply did: terraform's summary ("N added, M changed, K destroyed."), "no changes",
 * or, when cdktf's interleaving lost the summary line, the same counted from its plan.
 */
export function stackResult(stack: string, lines: readonly string[], output: string): string {
  if (lines.includes('No changes. Your infrastructure matches the configuration.')) return 'no changes';
  const applied = lines.find((l) => l.startsWith('Apply complete!'))?.replace('Apply complete! Resources: ', '') ??
    new RegExp(`\\b${stack}\\s+Apply complete! Resources: ([^\\n]*?destroyed\\.)`).exec(output)?.[1];
  return applied ?? fromPlan(lines) ?? 'no result reported';
}
