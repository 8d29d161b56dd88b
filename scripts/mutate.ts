/**
 * `npm run mutate`: the mutation check. Applies realistic mutations to the source one at a time (in place,
 * always restored: on success, failure, Ctrl-C or a crash of a test run), runs only the test files that
 * should notice each one, and requires them to fail. Reports the kill rate; exits 1 below 100%.
 *
 * `tsx scripts/mutate.ts [name…]` runs only the named mutations.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One mutation: a single textual change and the tests that must fail under it. */
export interface Mutation {
  name: string;
  file: string;
  find: string;
  replace: string;
  tests: string[];
  /** Only the tests whose names match (vitest `-t`), for a long generated suite. */
  testNamePattern?: string;
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'half-open limit off by one',
    file: 'machines/breaker-rules.ts',
    find: 'return inFlight < halfOpenMaxCalls;',
    replace: 'return inFlight <= halfOpenMaxCalls;',
    tests: ['test/breaker-model.test.ts'],
  },
  {
    name: 'half-open round tolerates one failed probe too many',
    file: 'machines/breaker-rules.ts',
    find: 'return failures > probeFailuresTolerated(config);',
    replace: 'return failures > probeFailuresTolerated(config) + 1;',
    tests: ['test/breaker-model.test.ts'],
  },
  {
    name: 'rate limit counted as a breaker failure',
    file: 'machines/circuit-breaker-types.ts',
    find: "countedErrors: ['provider_error', 'timeout', 'unknown'],",
    replace: "countedErrors: ['provider_error', 'timeout', 'unknown', 'rate_limit'],",
    tests: ['test/breaker-runtime.test.ts', 'test/rate-limit-admission.test.ts'],
  },
  {
    name: 'degradation order swapped (simplified before cache)',
    file: 'machines/request.ts',
    find: "            { guard: 'hasCache', target: 'cache' },\n            ...toDegradeAfterCache,",
    replace:
      "            toDegradeAfterCache[0],\n            { guard: 'hasCache', target: 'cache' },\n            ...toDegradeAfterCache.slice(1),",
    tests: ['test/lifecycle-model.test.ts'],
    testNamePattern: 'paths 1–40',
  },
  {
    name: 're-prompt without the validation error',
    file: 'machines/request-logic.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
    find: "    `${context.lastValidation ?? 'It was not valid JSON.'}\\n` +",
    replace: "    'It was not valid JSON.\\n' +",
    tests: ['test/lifecycle-scenarios.test.ts'],
  },
  {
    name: 'Retry-After seconds read as milliseconds',
    file: 'src/errors/retry-after.ts',
    find: 'if (/^\\d+(?:\\.\\d+)?$/.test(text)) return Number(text) * 1_000;',
    replace: 'if (/^\\d+(?:\\.\\d+)?$/.test(text)) return Number(text);',
    tests: ['test/retry-after.test.ts'],
  },
  {
    name: 'truncation drops the system message',
    file: 'src/client/truncate.ts',
    find: 'return kept.length > 0 ? { ...request, messages: [...system, ...kept] } : request;',
    replace: 'return kept.length > 0 ? { ...request, messages: [...kept] } : request;',
    tests: ['test/lifecycle-scenarios.test.ts'],
  },
  {
    name: 'fast path skips validation',
    file: 'src/client/fast-path.ts',
    find: 'const validated = judgeAnswer(value, this.req, this.provider.id, options.validation);',
    replace: 'const validated = judgeAnswer(value, {}, this.provider.id, options.validation);',
    tests: ['test/fast-path.test.ts'],
  },
  {
    name: 'rate-limit pause never ends',
    file: 'src/routing/admission.ts',
    find: 'if (this.pausedUntil > now) {',
    replace: 'if (this.pausedUntil > Number.NEGATIVE_INFINITY) {',
    tests: ['test/rate-limit-admission.test.ts'],
  },
  {
    name: 'fast path skips the context-window check',
    file: 'src/client/fast-path.ts',
    find: 'if (overflowOf(req.request, entry.provider.contextWindow, countTokens) !== undefined) {',
    replace: 'if (false) {',
    tests: ['test/fast-path.test.ts'],
  },
  {
    name: 'success record drops the cache write',
    file: 'src/client/steps.ts',
    find: 'return options.degradation.cache !== undefined && cacheKey !== undefined;',
    replace: 'return false;',
    tests: ['test/fast-path.test.ts', 'test/lifecycle-degradation.test.ts'],
  },
  {
    name: 'breaker never leaves open (open duration forgotten)',
    file: 'machines/breaker-rules.ts',
    find: '  return Math.max(grown, hinted);',
    replace: '  return Math.max(grown, hinted) * 1_000_000;',
    tests: ['test/breaker-model.test.ts'],
  },
  {
    name: 'a stopped attempt still reports its late outcome',
    file: 'src/client/attempt-actions.ts',
    find: '        if (attempt.over) return;\n        attempt.over = true;\n        if (self',
    replace: '        attempt.over = true;\n        if (self',
    tests: ['test/fast-path.test.ts'],
  },
  {
    name: 'leaving the attempt does not abort its call',
    file: 'src/client/attempt-actions.ts',
    find: '      attempt.controller.abort();\n',
    replace: '',
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a failover keeps the provider it left',
    file: 'machines/request.ts',
    find: "const failOver = [{ type: 'decide', params: { decision: 'failover' } }, 'excludeProvider'] as const;",
    replace: "const failOver = [{ type: 'decide', params: { decision: 'failover' } }] as const;",
    tests: ['test/lifecycle-scenarios.test.ts'],
  },
  {
    name: 'the retry budget is asked on a branch not taken',
    file: 'machines/request.ts',
    find: "{ guard: and(['isStreamMode', ...guards]), target: 'streaming', actions },",
    replace: "{ guard: and([...guards, 'isStreamMode']), target: 'streaming', actions },",
    tests: ['test/retry-budget-tokens.test.ts'],
  },
  {
    name: 'a race after a failure ignores its share of the hedge budget',
    file: 'src/client/hedge-actor.ts',
    find: "hedging.mode === 'both' ? hedging.raceShare : 1;",
    replace: "hedging.mode === 'both' ? 1 : 1;",
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a race stays planned after its hedge',
    file: 'machines/request.ts',
    find: "exit: 'endRace',",
    replace: 'exit: [],',
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a race after a failure waits for the hedge delay',
    file: 'machines/request.ts',
    find: "{ guard: 'canStartRace', target: 'hedging' },",
    replace: '',
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a failover gives a provider whose hedge failed a fresh set of attempts',
    file: 'machines/request-setup.ts',
    find: 'attemptsMadeOn(context.attempts, out.provider?.id)',
    replace: '0',
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a failure while a latency hedge runs is left to the hedge (no retry beside it)',
    file: 'machines/request.ts',
    find: "guard: and(['hedgeInFlight', 'canRetryBesideHedge', 'retryBudgetAllows']),",
    replace: "guard: and(['hedgeInFlight', 'canRetryBesideHedge', 'retryBudgetAllows', () => false]),",
    tests: ['test/hedging.test.ts'],
  },
  {
    name: 'a failed retry of a race is retried again beside the race’s own hedge',
    file: 'machines/hedge-logic.ts',
    find: '    !context.raceNow &&\n',
    replace: '',
    tests: ['test/hedging.test.ts'],
  },
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Applies `mutation`, runs its tests, restores the file; true when the tests failed (the mutant is killed). */
function run(mutation: Mutation): { killed: boolean; ms: number } {
  const path = join(root, mutation.file);
  const original = readFileSync(path, 'utf8');
  const at = original.indexOf(mutation.find);
  if (at < 0 || original.indexOf(mutation.find, at + 1) >= 0) {
    throw new Error(
      `mutation "${mutation.name}": the text to change is not in ${mutation.file} exactly once`,
    );
  }
  // A missing test file would make vitest fail with "no test files" and count the mutant as killed.
  for (const test of mutation.tests) {
    if (!existsSync(join(root, test))) throw new Error(`mutation "${mutation.name}": no test file ${test}`);
  }
  const restore = () => writeFileSync(path, original);
  const onSignal = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  try {
    writeFileSync(path, original.replace(mutation.find, mutation.replace));
    const args = ['vitest', 'run', ...mutation.tests, '--bail=1', '--reporter=dot'];
    if (mutation.testNamePattern !== undefined) args.push('-t', mutation.testNamePattern);
    const result = spawnSync('npx', args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    return { killed: result.status !== 0, ms: Date.now() - started };
  } finally {
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  const chosen = only.length === 0 ? MUTATIONS : MUTATIONS.filter((m) => only.includes(m.name));
  let killed = 0;
  for (const mutation of chosen) {
    const outcome = run(mutation);
    if (outcome.killed) killed++;
    const verdict = outcome.killed ? 'killed  ' : 'SURVIVED';
    console.log(
      `${verdict} ${mutation.name} (${mutation.tests.join(', ')}; ${(outcome.ms / 1000).toFixed(1)} s)`,
    );
  }
  const rate = chosen.length === 0 ? 0 : killed / chosen.length;
  console.log(`mutation check: ${killed}/${chosen.length} killed (${(rate * 100).toFixed(0)}%)`);
  process.exit(killed === chosen.length ? 0 : 1);
}
