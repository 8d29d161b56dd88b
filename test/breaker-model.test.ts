import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { circuitBreakerMachine } from '../machines/circuit-breaker.js';
import type { BreakerMachineConfig } from '../machines/circuit-breaker-types.js';
import { type BreakerOptions, type BreakerPermit, createCircuitBreaker } from '../src/breaker/index.js';
import { LLMError } from '../src/errors/llm-error.js';
import {
  type BreakerModelEvent,
  coverageOf,
  createCoverageRecorder,
  createInspectingScope,
  type ModelPath,
  modelPaths,
} from '../src/testing/model-paths.js';
import { breakerInvariants } from './helpers/design-invariants.js';

type Path = ReturnType<typeof modelPaths>[number];
type Recorder = ReturnType<typeof createCoverageRecorder>;

/** Runs one model path against a real `createCircuitBreaker` on a SimulatedClock, checking every step. */
function runPath(path: Path, options: BreakerOptions, recorder: Recorder): void {
  const clock = new SimulatedClock();
  const create = (extra: BreakerOptions = {}) =>
    createCircuitBreaker({ ...options, ...extra, clock, inspect: recorder.inspect });
  let breaker = create();
  let held: BreakerPermit[] = [];
  let period = 0;
  const moveClockTo = (at: number) => {
    if (at > clock.now()) clock.set(at);
  };
  const permit = (): BreakerPermit => {
    const existing = held.pop();
    if (existing !== undefined) return existing;
    const result = breaker.tryAcquire();
    if (!result.ok) throw new Error(`no permit for an outcome in ${breaker.state}`);
    return result.permit;
  };

  path.steps.forEach((step, i) => {
    const event = step.event as BreakerModelEvent | { type: 'xstate.init' };
    const before = path.steps[i - 1]?.state;
    if ('at' in event && event.type !== 'breaker.restore') moveClockTo(event.at);
    switch (event.type) {
      case 'xstate.init':
        break;
      case 'xstate.after.openDuration.circuitBreaker.open':
        moveClockTo(before?.context.openUntil ?? Number.NaN);
        break;
      case 'breaker.acquire': {
        const result = breaker.tryAcquire();
        const expected = step.state.context.lastDecision;
        expect(result.ok, `acquire in ${before?.value}`).toBe(expected?.allowed);
        if (result.ok) held.push(result.permit);
        else if (expected?.allowed === false) {
          expect(result.error).toMatchObject({
            code: expected.code,
            retryAfterMs: expected.retryAfterMs ?? undefined,
          });
        }
        break;
      }
      case 'breaker.success':
        permit().release({ kind: 'success', durationMs: event.durationMs });
        break;
      case 'breaker.failure': {
        const error = new LLMError({ type: event.errorType, retryAfterMs: event.retryAfterMs });
        permit().release({ kind: 'failure', error, durationMs: event.durationMs });
        break;
      }
      case 'breaker.release':
        permit().release({ kind: 'cancelled' });
        break;
      case 'breaker.forceOpen':
        breaker.forceOpen();
        break;
      case 'breaker.disable':
        breaker.disable();
        break;
      case 'breaker.reset':
        breaker.reset();
        break;
      case 'breaker.restore': {
        const saved = JSON.parse(JSON.stringify(breaker.snapshot()));
        breaker.stop();
        moveClockTo(event.at);
        breaker = create({ snapshot: saved });
        held = [];
        break;
      }
    }
    const { lastDecision: _model, ...model } = step.state.context;
    const { lastDecision: _runtime, ...runtime } = breaker.actor.getSnapshot().context;
    expect(breaker.state, path.description).toBe(step.state.value);
    expect(runtime, path.description).toEqual(model);
    expect(breakerInvariants(before, event, step.state), path.description).toEqual([]);
    expect(breakerInvariants(before, event, breaker.actor.getSnapshot()), path.description).toEqual([]);
    if (runtime.period !== period) held = [];
    period = runtime.period;
  });
  breaker.stop();
}

const configs: Array<[string, Partial<BreakerMachineConfig>]> = [
  [
    'consecutive failures, slow calls, backoff',
    {
      failureThreshold: 2,
      successThreshold: 2,
      halfOpenMaxCalls: 3,
      openMs: 1_000,
      backoffFactor: 2,
      maxOpenMs: 4_000,
      slowCallMs: 500,
    },
  ],
  [
    'failure rate',
    { failureThreshold: 3, failureRateThreshold: 0.5, minimumCalls: 3, windowMs: 10_000, slowCallMs: 500 },
  ],
];

describe('circuit breaker model', () => {
  it.each(configs)(
    'runs every model path (%s) on the runtime and reaches every state and transition',
    (name, config) => {
      const paths = modelPaths(undefined, { input: { config } });
      const recorder = createCoverageRecorder(circuitBreakerMachine);
      const options: BreakerOptions = {
        ...config,
        failureRateThreshold: config.failureRateThreshold ?? undefined,
        slowCallMs: config.slowCallMs ?? undefined,
      };
      for (const path of paths) runPath(path, options, recorder);
      const reasons = new Set(paths.flatMap((path) => path.steps.map((step) => step.state.context.reason)));
      const expected = [
        'failure_threshold',
        'probe_failed',
        'open_elapsed',
        'probes_succeeded',
        'forced_open',
        'reset',
      ];
      if (config.failureRateThreshold !== undefined) expected.push('failure_rate');
      for (const reason of expected) expect(reasons).toContain(reason);
      const runtime = recorder.coverage();
      const model = coverageOf(circuitBreakerMachine, paths);
      console.log(`breaker model (${name}): ${paths.length} paths; runtime ${runtime}; model ${model}`);
      expect(runtime.complete, runtime.toString()).toBe(true);
      expect(model.toString()).toBe(runtime.toString());
    },
  );

  it('reports what a path set leaves uncovered', () => {
    const closedOnly = modelPaths(undefined, { events: [{ type: 'breaker.acquire', at: 0 }] });
    const coverage = coverageOf(circuitBreakerMachine, closedOnly);
    expect(coverage.complete).toBe(false);
    expect(coverage.states).toMatchObject({ covered: 1, total: 5 });
    expect(coverage.transitions.covered).toBe(1);
    expect(coverage.transitions.missing).toContain(
      'open --xstate.after.openDuration.circuitBreaker.open[0]--> halfOpen',
    );
  });

  it('gives paths whose steps follow from one another', () => {
    const paths: Array<ModelPath<unknown, { type: string }>> = modelPaths(undefined, { strategy: 'states' });
    const scope = createInspectingScope(() => {});
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      path.steps.slice(1).forEach((step, i) => {
        const previous = path.steps[i]?.state as never;
        const next = circuitBreakerMachine.transition(previous, step.event as never, scope);
        expect(next.value).toEqual((step.state as { value: unknown }).value);
      });
    }
  });
});
