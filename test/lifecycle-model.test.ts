/**
 * Model-based tests of the request lifecycle: paths generated from `requestMachine` with `xstate/graph`
 * (through `modelPaths`) for five feature configurations — one path per explored edge — every one executed
 * against the real client (scripted providers, cache and hooks, simulated clock). The runtime must pass
 * through exactly the model's states, and together the runs must reach every state and transition.
 */
import { describe, expect, it } from 'vitest';
import { requestMachine } from '../machines/request.js';
import { coverageOf, createCoverageRecorder, selectCoveringPaths } from '../src/testing/model-coverage.js';
import { modelPaths } from '../src/testing/model-paths.js';
import {
  requestModelEvents,
  requestModelInput,
  serializeRequestModelState,
  statePath,
} from '../src/testing/request-model.js';
import { executePath } from './helpers/request-path-executor.js';

const configs = [
  { schema: true, cache: true, simplified: true, rewrite: true, truncate: true, fallback: true },
  {},
  { schema: true, cache: true, simplified: true },
  { simplified: true, fallback: true },
  { fallback: true },
  { stream: true, resumeStream: true, cache: true, simplified: true, fallback: true },
  { stream: true },
];

const allPaths = configs.flatMap((features) =>
  modelPaths(requestMachine, {
    input: requestModelInput(features),
    events: requestModelEvents as never,
    serializeState: serializeRequestModelState as never,
  }),
);

/** Consecutive duplicates collapse: a snapshot per event may repeat the same state. */
const collapse = (states: string[]) => states.filter((s, i) => s !== states[i - 1]);

describe('request lifecycle: model-based', () => {
  it('generates paths that reach every state and transition of the machine', () => {
    const coverage = coverageOf(requestMachine, selectCoveringPaths(requestMachine, allPaths));
    console.log(`lifecycle model: ${allPaths.length} paths; model ${coverage}`);
    expect(coverage.complete, coverage.toString()).toBe(true);
    // Choosing covering paths out of 5,000 takes seconds, far more on a loaded machine: no speed is asserted.
  }, 240_000);

  it('runs every path on the real client, state for state, with 100% runtime coverage', async () => {
    const recorder = createCoverageRecorder(requestMachine);
    const mismatches: string[] = [];
    for (const path of allPaths) {
      const runtime = collapse(await executePath(path.steps as never, recorder.inspect));
      const model = collapse(path.steps.map((step) => statePath(step.state.value)));
      // A path may end mid-call (its last edge leads to a non-final state); the runtime then goes on with
      // default behaviours, so the model's states must be a prefix of the runtime's.
      if (JSON.stringify(runtime.slice(0, model.length)) !== JSON.stringify(model)) {
        mismatches.push(`model:   ${model.join(' → ')}\nruntime: ${runtime.join(' → ')}`);
      }
    }
    const coverage = recorder.coverage();
    console.log(`lifecycle runtime: ${allPaths.length} paths executed; ${coverage}`);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(mismatches).toHaveLength(0);
    expect(coverage.complete, coverage.toString()).toBe(true);
  }, 240_000);
});
