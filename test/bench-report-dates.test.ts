/**
 * The `report` part rebuilds the result pages from their JSON without re-running the parts: each page must
 * keep the time its part ran, not the time of the rebuild.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environmentLine, ranAtOf } from '../bench/lib/markdown.js';

describe('bench report dates', () => {
  it('reads the run time from the page a rebuild replaces', () => {
    for (const page of ['overhead.md', 'chaos.md', 'routing.md', 'scale.md']) {
      const text = readFileSync(new URL(`../bench/results/${page}`, import.meta.url), 'utf8');
      const ranAt = ranAtOf(page);
      expect(ranAt, page).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      // The page's own line, whatever Node version wrote it: the rebuild stamps the same run time.
      const line = text.split('\n')[2] ?? '';
      expect(line.endsWith(`, run ${ranAt}`), page).toBe(true);
      expect(environmentLine(ranAt).endsWith(`, run ${ranAt}`)).toBe(true);
    }
  });

  it('stamps the given run time, and now when none is given', () => {
    expect(environmentLine('2026-01-02T03:04:05.006Z')).toMatch(/, run 2026-01-02T03:04:05\.006Z$/);
    const now = Date.now();
    const stamped = Date.parse(/, run (\S+)$/.exec(environmentLine())?.[1] ?? '');
    expect(Math.abs(stamped - now)).toBeLessThan(60_000);
    expect(ranAtOf('no-such-page.md')).toBeUndefined();
  });
});
