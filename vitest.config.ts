import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The package's own name resolves to its sources, as `paths` in tsconfig.json does for tsc and tsx, so the
  // examples import 'resilient-llm' exactly as a user's copy would.
  resolve: {
    alias: [
      { find: /^resilient-llm$/, replacement: here('./src/index.ts') },
      { find: /^resilient-llm\/machines$/, replacement: here('./machines/index.ts') },
      { find: /^resilient-llm\/([a-z-]+)$/, replacement: here('./src/$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    // Both cores: vitest's default leaves one idle (availableParallelism - 1), and no test depends on speed.
    maxWorkers: 2,
  },
});
