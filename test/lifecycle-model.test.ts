/**
 * Model-based tests of the request lifecycle: paths generated from `requestMachine` with `xstate/graph`
 * (through `modelPaths`) for ten feature configurations — one path per explored edge — every one executed
 * against the real client (scripted providers, cache and hooks, simulated clock). The runtime must pass
 * through exactly the model's states, and together the runs must reach every state and transition.
 *
 * The paths run in chunks, one test each, so no test's duration grows with the number of paths; the last
 * tests check what the chunks reached together.
 */
import { describe, expect, it } from 'vitest';
import { requestMachine } from '../machines/request.js';
import { coverageOf, createCoverageRecorder } from '../src/testing/model-coverage.js';
import { modelPaths } from '../src/testing/model-paths.js';
import {
  requestModelEvents,
  requestModelInput,
  serializeRequestModelState,
  statePath,
} from '../src/testing/request-model.js';
import { degradationInvariants, hedgingInvariants } from './helpers/design-invariants.js';
import { executePath, type PathOutcome } from './helpers/request-path-executor.js';

const configs = [
  { schema: true, cache: true, simplified: true, rewrite: true, truncate: true, fallback: true },
  {},
  { schema: true, cache: true, simplified: true },
  { simplified: true, fallback: true },
  { fallback: true },
  { stream: true, resumeStream: true, cache: true, simplified: true, fallback: true },
  { stream: true },
  { hedging: 'latency' },
  { hedging: 'on-failure' },
  { hedging: 'both' },
] as const;

const allPaths = configs.flatMap((features) =>
  modelPaths(requestMachine, {
    input: requestModelInput(features),
    events: requestModelEvents as never,
    serializeState: serializeRequestModelState as never,
  }),
);

/** Paths per test: small enough that a chunk stays far below the timeout on a loaded machine. */
const CHUNK = 40;
const chunks = Array.from({ length: Math.ceil(allPaths.length / CHUNK) }, (_, i) => ({
  name: `paths ${i * CHUNK + 1}–${Math.min(allPaths.length, (i + 1) * CHUNK)}`,
  paths: allPaths.slice(i * CHUNK, (i + 1) * CHUNK),
}));

/** Consecutive duplicates collapse: a snapshot per event may repeat the same state. */
const collapse = (states: string[]) => states.filter((s, i) => s !== states[i - 1]);

describe('request lifecycle: model-based', () => {
  /** Elements of the machine no chunk's paths reached so far (the intersection of every chunk's missing). */
  let modelMissing: Set<string> | undefined;
  const recorder = createCoverageRecorder(requestMachine);
  let executed = 0;
  /** The outcome of each path's statechart run (inspected: fast path off), for the run as shipped to match. */
  const statechartOutcomes = new Map<(typeof allPaths)[number], PathOutcome>();

  describe.each(chunks)('$name', ({ paths }) => {
    it('generates paths the machine takes', () => {
      const coverage = coverageOf(requestMachine, paths);
      const missing = [...coverage.states.missing, ...coverage.transitions.missing];
      modelMissing = new Set(
        modelMissing === undefined ? missing : missing.filter((m) => modelMissing?.has(m)),
      );
      expect(coverage.states.covered).toBeGreaterThan(0);
    });

    it('runs the paths on the real client, state for state, keeping the degradation order', async () => {
      const mismatches: string[] = [];
      for (const path of paths) {
        const features = (path.steps[0] as (typeof path.steps)[number]).state.context.features;
        const { states, outcome } = await executePath(path.steps as never, recorder.inspect);
        statechartOutcomes.set(path, outcome);
        const runtime = collapse(states);
        const model = collapse(path.steps.map((step) => statePath(step.state.value)));
        // A path may end mid-call (its last edge leads to a non-final state); the runtime then goes on with
        // default behaviours, so the model's states must be a prefix of the runtime's.
        if (JSON.stringify(runtime.slice(0, model.length)) !== JSON.stringify(model)) {
          mismatches.push(`model:   ${model.join(' → ')}\nruntime: ${runtime.join(' → ')}`);
        }
        mismatches.push(...degradationInvariants(model, features).map((m) => `model ${m}`));
        mismatches.push(...degradationInvariants(runtime, features).map((m) => `runtime ${m}`));
        for (const step of path.steps) {
          const state = statePath(step.state.value);
          mismatches.push(
            ...hedgingInvariants(state, step.state as never).map((m) => `model ${state}: ${m}`),
          );
        }
        executed++;
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(mismatches).toHaveLength(0);
    });

    it('gives the same result and attempt records with the default configuration (fast path on)', async () => {
      const mismatches: string[] = [];
      for (const path of paths) {
        const statechart =
          statechartOutcomes.get(path) ?? (await executePath(path.steps as never, () => {})).outcome;
        const shipped = (await executePath(path.steps as never)).outcome;
        const last = (path.steps.at(-1) as (typeof path.steps)[number]).state;
        if (JSON.stringify(shipped) !== JSON.stringify(statechart)) {
          mismatches.push(
            `${path.description}\nstatechart: ${JSON.stringify(statechart)}\nshipped:    ${JSON.stringify(shipped)}`,
          );
        }
        // A path that ends in a final state fixes the result: the model's answer source or error type.
        if (last.status === 'done') {
          const output = last.output as { answer?: { source: string }; error?: { type: string } } | undefined;
          const expected = output?.answer ? { source: output.answer.source } : { error: output?.error?.type };
          const got =
            'error' in shipped.result ? { error: shipped.result.error } : { source: shipped.result.source };
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            mismatches.push(
              `${path.description}\nmodel result: ${JSON.stringify(expected)}\nshipped: ${JSON.stringify(got)}`,
            );
          }
        }
      }
      expect(mismatches.slice(0, 3)).toEqual([]);
    });
  });

  it('generates paths that reach every state and transition of the machine', () => {
    console.log(`lifecycle model: ${allPaths.length} paths in ${chunks.length} chunks`);
    expect(modelMissing, 'every chunk ran').toBeDefined();
    expect([...(modelMissing ?? [])]).toEqual([]);
  });

  it('reaches every state and transition of the machine at runtime over all chunks', () => {
    const coverage = recorder.coverage();
    console.log(`lifecycle runtime: ${executed} paths executed; ${coverage}`);
    expect(executed).toBe(allPaths.length);
    expect(coverage.complete, coverage.toString()).toBe(true);
  });
});
