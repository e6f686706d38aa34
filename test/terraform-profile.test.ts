/**
 * bench/terraform-profile.ts names terraform's own functions in a perf recording from the
 * function table every Go 1.20+ binary keeps, stripped or not: the terraform on the PATH is read here
 * (readelf, from binutils, reads its headers).
 */
import { execFileSync } from 'node:child_process';
import { goFunctions, loadAddress, perfStacks } from '../bench/terraform-profile';

test('the terraform binary\'s function table names its functions, in address order', () => {
  const terraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  const { entries, names } = goFunctions(terraform);
  expect(names).toContain('main.main');
  expect(names.some((n) => n.startsWith('github.com/hashicorp/terraform/'))).toBe(true);
  expect(entries.every((e, i) => i === 0 || e >= entries[i - 1])).toBe(true);
  expect(entries[0]).toBeGreaterThanOrEqual(loadAddress(terraform));
});

test('perf script\'s output is read as one stack of addresses per sample, innermost first', () => {
  expect(perfStacks('\n\t    dd12\n\t   3cde5\n\n\n\tffffffff8133ce8d\n\t  7647c\n')).toEqual([[0xdd12, 0x3cde5], [0xffffffff8133ce8d, 0x7647c]]);
});
