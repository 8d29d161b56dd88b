/**
 * The import check of `npm run lint`: parses the import statements of the product code (`machines/`,
 * `src/`, `inspector/`), builds the module graph and fails on any cycle or wrong-way import.
 *
 * Rules (imports run one way: inspector -> src -> machines -> xstate):
 * - no cycle, counting type-only imports (dynamic `import()` does not load at import time, so it is left
 *   out of cycles but still checked against the layers);
 * - `machines/` imports only `xstate` and `machines/` (whose `vocabulary.ts` is the shared bottom);
 * - `src/` imports nothing from `inspector/`; product code (`src/` outside `src/testing/`, `machines/`,
 *   `inspector/`) imports nothing from `src/testing/`;
 * - the main entry (`src/index.ts`) reaches no inspection module and no `ws` through static imports:
 *   inspection loads only when asked.
 *
 * Run: `tsx scripts/check-imports.ts` (exit code 1 and one line per violation when something is wrong).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One import of a module: what it names and how. */
export interface ImportEdge {
  specifier: string;
  /** The repo-relative file it resolves to, or undefined for a package. */
  target: string | undefined;
  dynamic: boolean;
  /** `import type` / `export type`: erased at compile time, so it never loads the target. */
  typeOnly: boolean;
}

/** Directories whose `.ts` files make up the checked graph. */
export const CHECKED_DIRS = ['machines', 'src', 'inspector'];
/** Packages `machines/` may import. */
const MACHINE_PACKAGES = new Set(['xstate']);
const ENTRY = 'src/index.ts';
/** The one inspection module the client loads up front: it imports the bridge when `inspect` is set. */
const LAZY_BRIDGE = 'src/inspect/lazy-bridge.ts';

/** Removes comments (TSDoc examples contain import statements that are not imports). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The imports of one source file (static `import`/`export … from`, side-effect imports, `import()`). */
export function parseImports(file: string, source: string): ImportEdge[] {
  const code = stripComments(source);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, dynamic: boolean, typeOnly = false) => {
    const target = specifier.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts')
      : undefined;
    edges.push({ specifier, target, dynamic, typeOnly });
  };
  const statics = /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(statics)) add(match[2] as string, false, match[1] !== undefined);
  for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(match[1] as string, true);
  return edges;
}

/** Every cycle of static imports, each as the list of files around it (one per strongly connected set). */
export function findCycles(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[][] {
  // Tarjan's strongly connected components over static edges between checked files.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const edge of graph.get(node) ?? []) {
      const next = edge.target;
      if (edge.dynamic || next === undefined || !graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indexOf.get(next) as number));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).some((e) => !e.dynamic && e.target === node);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indexOf.has(node)) visit(node);
  return cycles;
}

const layerOf = (file: string) =>
  file.startsWith('machines/')
    ? 'machines'
    : file.startsWith('src/testing/')
      ? 'testing'
      : file.startsWith('src/')
        ? 'src'
        : file.startsWith('inspector/')
          ? 'inspector'
          : 'other';

/** Wrong-way imports: each as `from -> to (rule)`. */
export function findWrongWay(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[] {
  const problems: string[] = [];
  for (const [file, edges] of graph) {
    const layer = layerOf(file);
    for (const edge of edges) {
      const to = edge.target === undefined ? edge.specifier : edge.target;
      const target = edge.target === undefined ? 'package' : layerOf(edge.target);
      if (
        layer === 'machines' &&
        target === 'package' &&
        !MACHINE_PACKAGES.has(edge.specifier.split('/')[0] ?? '')
      ) {
        problems.push(`${file} -> ${to} (machines/ imports only xstate and machines/)`);
      }
      if (layer === 'machines' && target !== 'package' && target !== 'machines') {
        problems.push(`${file} -> ${to} (machines/ imports only xstate and machines/)`);
      }
      if (layer === 'src' && target === 'inspector')
        problems.push(`${file} -> ${to} (src/ never imports inspector/)`);
      if (layer !== 'testing' && target === 'testing') {
        problems.push(`${file} -> ${to} (product code never imports the test kit)`);
      }
    }
  }
  return problems;
}

/** Inspection modules (or `ws`) the main entry loads through static imports, with the chain that loads them. */
export function findEagerInspection(
  graph: ReadonlyMap<string, readonly ImportEdge[]>,
  entry = ENTRY,
): string[] {
  if (!graph.has(entry)) return [];
  const via = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  const problems: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const chain = via.get(file) as string[];
    for (const edge of graph.get(file) ?? []) {
      if (edge.dynamic || edge.typeOnly) continue;
      if (edge.specifier === 'ws')
        problems.push(`${[...chain, 'ws'].join(' -> ')} (ws loads only when inspecting)`);
      const next = edge.target;
      if (next === undefined || via.has(next) || !graph.has(next)) continue;
      via.set(next, [...chain, next]);
      if (next.startsWith('src/inspect/') && next !== LAZY_BRIDGE) {
        problems.push(`${[...chain, next].join(' -> ')} (inspection loads only when asked)`);
        continue;
      }
      queue.push(next);
    }
  }
  return problems;
}

/** Every violation of a graph: cycles, wrong-way imports and eager inspection. */
export function checkGraph(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[] {
  return [
    ...findCycles(graph).map((cycle) => `cycle: ${cycle.join(' <-> ')}`),
    ...findWrongWay(graph),
    ...findEagerInspection(graph),
  ];
}

/** The graph of the given sources (repo-relative path to text). */
export function graphOf(sources: ReadonlyMap<string, string>): Map<string, ImportEdge[]> {
  return new Map([...sources].map(([file, source]) => [file, parseImports(file, source)]));
}

/** The `.ts` sources of the checked directories under `root`. */
export function readSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts'))
        sources.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const dir of CHECKED_DIRS) walk(join(root, dir));
  return sources;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const sources = readSources(root);
  const problems = checkGraph(graphOf(sources));
  if (problems.length > 0) {
    for (const problem of problems) console.error(`import check: ${problem}`);
    process.exit(1);
  }
  console.log(`import check: ${sources.size} files, no cycles, imports run one way`);
}
