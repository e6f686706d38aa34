/**
 * The import structure the project keeps: no import cycles at run time in the provider or the
 * constructs (type-only imports are erased and do not count), and platform kinds are plug-ins:
 * only the registry (provider/platforms/index.ts) imports a kind's folder, and kinds do not
 * import each other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { stronglyConnected } from '../constructs/src/graph';

const ROOT = path.resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'proto' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The project files `file` imports at run time (relative imports that are not type-only). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const s of source.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes = !!clause && (clause.isTypeOnly ||
        (!clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      if (!onlyTypes) spec = s.moduleSpecifier;
    } else if (ts.isExportDeclaration(s) && !s.isTypeOnly) {
      spec = s.moduleSpecifier;
    }
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), spec.text);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (target) found.push(target);
  }
  return found;
}

/** Every cycle of the graph, each once, as the list of its nodes (strongly connected components of more than one node, or a self-import). */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const next = (v: string) => graph.get(v) ?? [];
  return stronglyConnected(graph.keys(), next).filter((c) => c.length > 1 || next(c[0]).includes(c[0])).map((c) => c.sort());
}

const files = [...sourceFiles(path.join(ROOT, 'provider')), ...sourceFiles(path.join(ROOT, 'constructs', 'src'))];
/** Every folder of the project's own code: the CLI and its map and review, tooling, policies. */
const allFiles = ['provider', 'constructs/src', 'cli', 'map', 'review', 'tooling', 'embedded', 'policies']
  .filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap((d) => sourceFiles(path.join(ROOT, d)));
const graph = new Map(files.map((f) => [f, runtimeImports(f)]));
const relative = (f: string) => path.relative(ROOT, f);

test('the cycle finder finds a cycle, and only cycles', () => {
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  expect(cyclesOf(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  expect(cyclesOf(new Map([['a', ['a']]]))).toEqual([['a']]);
});

test('the provider and the constructs import nothing in a circle', () => {
  expect(files.length).toBeGreaterThan(50);
  expect(cyclesOf(graph).map((c) => c.map(relative))).toEqual([]);
});

test('nor does the rest of the project (CLI, map, review, tooling, policies)', () => {
  const whole = new Map(allFiles.map((f) => [f, runtimeImports(f)]));
  expect(cyclesOf(whole).map((c) => c.map(relative))).toEqual([]);
});

/** The kind folder a file belongs to (provider/platforms/<kind>/...), if any. */
function kindOf(file: string): string | undefined {
  const m = /^provider\/platforms\/([^/]+)\//.exec(relative(file));
  return m?.[1];
}

test('only the registry imports a platform kind, and kinds do not import each other', () => {
  const registry = path.join(ROOT, 'provider', 'platforms', 'index.ts');
  const reaches = [...graph].flatMap(([from, targets]) => targets
    .filter((to) => kindOf(to) !== undefined && kindOf(to) !== kindOf(from) && from !== registry)
    .map((to) => `${relative(from)} -> ${relative(to)}`));
  expect(reaches).toEqual([]);
});

test('resources import no platform kind', () => {
  const resources = files.filter((f) => relative(f).startsWith('provider/resources/'));
  expect(resources.length).toBeGreaterThan(0);
  for (const f of resources) {
    const text = fs.readFileSync(f, 'utf8');
    expect([relative(f), text.match(/from '[^']*platforms\/(postgresql|directus)[^']*'/g)]).toEqual([relative(f), null]);
  }
});
