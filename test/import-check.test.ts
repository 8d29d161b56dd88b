/**
 * The import check of `npm run lint` (`scripts/check-imports.ts`): the repository passes it, and it catches
 * each kind of violation in a seeded graph.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkGraph, findCycles, graphOf, parseImports } from '../scripts/check-imports.js';

const seeded = (files: Record<string, string>) => checkGraph(graphOf(new Map(Object.entries(files))));

describe('import check', () => {
  it('passes on the repository, run as the lint step runs it', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-imports.ts'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/import check: \d+ files, no cycles, imports run one way/);
  });

  it('reports a cycle, counting type-only imports and leaving dynamic imports out', () => {
    const problems = seeded({
      'src/a.ts': "import { b } from './b.js';",
      'src/b.ts': "import type { C } from './c.js';\nexport const b = 1;",
      'src/c.ts': "export type C = 1;\nimport { a } from './a.js';",
      'src/d.ts': "export const d = () => import('./e.js');",
      'src/e.ts': "import { d } from './d.js';",
    });
    expect(problems).toEqual(['cycle: src/a.ts <-> src/b.ts <-> src/c.ts']);
  });

  it('reports machines/ importing src/ or a package other than xstate, and the test kit in product code', () => {
    const problems = seeded({
      'machines/m.ts':
        "import { setup } from 'xstate';\nimport type { X } from '../src/x.js';\nimport z from 'zod';",
      'src/x.ts': "import { faultyProvider } from './testing/faulty-provider.js';",
      'src/testing/faulty-provider.ts': 'export const faultyProvider = 1;',
      'inspector/page.ts': "import { kit } from '../src/testing/index.js';",
      'src/y.ts': "import { page } from '../inspector/page.js';",
    });
    expect(problems).toEqual([
      'machines/m.ts -> src/x.ts (machines/ imports only xstate and machines/)',
      'machines/m.ts -> zod (machines/ imports only xstate and machines/)',
      'src/x.ts -> src/testing/faulty-provider.ts (product code never imports the test kit)',
      'inspector/page.ts -> src/testing/index.ts (product code never imports the test kit)',
      'src/y.ts -> inspector/page.ts (src/ never imports inspector/)',
    ]);
  });

  it('reports inspection (or ws) loaded by the main entry through static imports only', () => {
    const problems = seeded({
      'src/index.ts': "export { client } from './client.js';",
      'src/client.ts':
        "import { bridge } from './inspect/bridge.js';\nimport type { T } from './inspect/types.js';",
      'src/inspect/bridge.ts': "import { WebSocket } from 'ws';",
      'src/inspect/types.ts': 'export type T = 1;',
    });
    expect(problems).toEqual([
      'src/index.ts -> src/client.ts -> src/inspect/bridge.ts (inspection loads only when asked)',
    ]);
    const lazy = seeded({
      'src/index.ts': "export { client } from './client.js';",
      'src/client.ts': "export const load = () => import('./inspect/bridge.js');",
      'src/inspect/bridge.ts': "import { WebSocket } from 'ws';",
    });
    expect(lazy).toEqual([]);
  });

  it('ignores import statements inside comments and reads multi-line imports', () => {
    const edges = parseImports(
      'src/a.ts',
      "/**\n * ```ts\n * import { x } from 'resilient-llm';\n * ```\n */\n// import { y } from './y.js';\nimport {\n  b,\n  c,\n} from './b.js';\nexport * from './d.js';\nimport './e.js';",
    );
    expect(edges.map((e) => e.target ?? e.specifier)).toEqual(['src/b.ts', 'src/d.ts', 'src/e.ts']);
    expect(findCycles(graphOf(new Map([['src/a.ts', "import { a } from './a.js';"]])))).toEqual([
      ['src/a.ts'],
    ]);
  });
});
