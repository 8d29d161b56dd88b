/**
 * Every ```ts snippet of README.md compiles in strict mode against the package's exports. One program checks
 * them all, plus a snippet that must not compile, so the check itself is shown to catch errors.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkSnippets,
  extractSnippets,
  type SnippetDiagnostic,
  snippetsOf,
} from './helpers/readme-snippets.js';

const root = resolve(import.meta.dirname, '..');
const readme = snippetsOf(resolve(root, 'README.md'));
const broken = {
  name: 'broken',
  line: 0,
  code: "import { createResilientLLM } from 'resilient-llm';\nconst n: number = createResilientLLM;",
};
let diagnostics = new Map<string, SnippetDiagnostic[]>();
const dir = resolve(root, '.tmp/readme-snippets');

beforeAll(() => {
  diagnostics = checkSnippets(root, dir, [...readme, broken]);
}, 600_000);

const format = (list: SnippetDiagnostic[]) =>
  list.map((d) => `line ${d.line}: TS${d.code} ${d.message}`).join('\n');

describe('README.md snippets', () => {
  it('extracts only ```ts blocks, with their line numbers', () => {
    const found = extractSnippets('text\n```ts\nconst a = 1;\n```\n```sh\nnpm test\n```\n```ts\nlet b;\n```');
    expect(found).toEqual([
      { line: 3, code: 'const a = 1;' },
      { line: 9, code: 'let b;' },
    ]);
    expect(readme.length).toBeGreaterThan(10);
  });

  it('reports a snippet that does not compile', () => {
    const list = diagnostics.get(resolve(dir, 'broken.ts')) ?? [];
    expect(list.map((d) => d.code)).toContain(2322);
  });

  it('has no diagnostics outside the snippets', () => {
    const outside = [...diagnostics].filter(([file]) => !file.startsWith(dir)).flatMap(([, list]) => list);
    expect(format(outside)).toBe('');
  });

  for (const snippet of readme) {
    it(`compiles the snippet at README.md line ${snippet.line}`, () => {
      expect(format(diagnostics.get(resolve(dir, `${snippet.name}.ts`)) ?? [])).toBe('');
    });
  }
});
