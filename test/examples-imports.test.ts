/**
 * Examples are for copying: they import the library by its package name (`resilient-llm`,
 * `resilient-llm/testing`, …), never by a path into the repository's sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['examples', 'inspector/examples'];

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

describe('examples', () => {
  const files = ROOTS.flatMap(sourcesUnder);

  it('exist', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('import the library by its package name, not by a path into the repository', () => {
    const offending: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
        const spec = match[1] ?? match[2] ?? '';
        if (!spec.startsWith('.')) continue;
        // A relative import may stay inside the example's own folder, never reach src/, machines/ or test/.
        if (/(^|\/)\.\.\/(\.\.\/)*(src|machines|test|bench)\//.test(spec) || spec.startsWith('../../')) {
          offending.push(`${relative('.', file)}: ${spec}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
