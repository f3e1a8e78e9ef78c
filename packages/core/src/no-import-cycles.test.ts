import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// No package of the repository has an import cycle between its source files (issue 9). Imports of types only
// (`import type`, `export type`) are left out: the compiler erases them, so they cannot change the order in
// which modules initialize (Process and Context name each other's types, as they must).

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'dist') out.push(...sourceFiles(path));
    } else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** The relative imports of `file` that exist when it runs (type-only ones left out), as absolute paths. */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.{1,2}\/[^']+)'/gm)) {
    if (match[2] !== undefined) continue;
    // `import { type A, type B } from` is erased too.
    const names = match[3]!.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    const target = resolve(dirname(file), match[4]!);
    out.push(target.endsWith('.ts') ? target : statSafe(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'));
  }
  return out;
}

function statSafe(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A cycle through the graph, as a list of files, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('import cycles', () => {
  const roots = ['packages', 'apps'].flatMap((top) =>
    readdirSync(join(repo, top))
      .map((name) => join(repo, top, name, 'src'))
      .filter((dir) => statSafe(join(dir, 'index.ts')) || statSafe(join(dir, 'main.ts'))),
  );

  it.each(roots.map((root) => [relative(repo, root), root]))('%s has none between its source files', (_label, root) => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(root)) graph.set(file, runtimeImports(file));
    const cycle = findCycle(graph);
    expect(cycle?.map((file) => relative(repo, file)) ?? null).toBeNull();
  });

  it('finds one when there is one (the check itself)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeNull();
  });
});
