/**
 * Model-based tests of `sharedCircuitBreakerMachine` (a breaker with a `store`): every path `modelPaths`
 * generates is executed against `createCircuitBreaker({ store })` on a simulated clock, with a scripted
 * store standing in for the shared state, and after each step the runtime's state and context must equal
 * the model's. Store events map onto store actions: `breaker.sync` is the store publishing (or answering
 * a join with) a new state, `breaker.probeGranted` the store granting a reservation the breaker asked for
 * after a refused probe, `breaker.storeLost` the store failing the breaker's next operation.
 */
import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import { verdictOf } from '../machines/circuit-breaker-logic.js';
import { sharedCircuitBreakerMachine } from '../machines/circuit-breaker-shared.js';
import type { BreakerMachineConfig } from '../machines/circuit-breaker-types.js';
import {
  type BreakerOptions,
  type BreakerPermit,
  type CircuitBreaker,
  createCircuitBreaker,
} from '../src/breaker/index.js';
import type { StoreCommand } from '../src/breaker/store.js';
import { LLMError } from '../src/errors/llm-error.js';
import {
  type BreakerModelEvent,
  coverageOf,
  createCoverageRecorder,
  createInspectingScope,
  type ModelPath,
  modelPaths,
  SHARED_OPEN_ELAPSED_EVENT,
  serializeSharedBreakerModelState,
  sharedBreakerModelEvents,
} from '../src/testing/model-paths.js';
import { breakerInvariants } from './helpers/design-invariants.js';
import {
  createScriptedStore,
  type ScriptedOperation,
  type ScriptedStore,
  StepClock,
  settle,
} from './helpers/scripted-store.js';

type Path = ModelPath<SnapshotFrom<typeof sharedCircuitBreakerMachine>, BreakerModelEvent>;
type Recorder = ReturnType<typeof createCoverageRecorder>;
type Snapshot = Path['state'];

/** The store's refresh period: distinct from every open delay, so the test can run the refresh itself. */
const REFRESH_MS = 997;
/** No store call times out within a path. */
const TIMEOUT_MS = 86_400_000;

/** The ops events, by the breaker method (and store command) of the same name. */
const COMMANDS = {
  'breaker.forceOpen': 'forceOpen',
  'breaker.disable': 'disable',
  'breaker.reset': 'reset',
} as const satisfies Record<string, StoreCommand>;

/** Maps one model event onto the runtime (and the scripted store); returns a permit it was granted. */
async function apply(
  event: BreakerModelEvent | { type: 'xstate.init' },
  run: {
    breaker: CircuitBreaker;
    clock: StepClock;
    scripted: ScriptedStore;
    permit: () => BreakerPermit;
    before: Path['steps'][number]['state'] | undefined;
    expected: Path['steps'][number]['state'];
  },
): Promise<BreakerPermit | undefined> {
  const { breaker, clock, scripted } = run;
  switch (event.type) {
    case 'xstate.init':
    case 'breaker.restore': // done by the caller: it replaces the breaker
      return undefined;
    case SHARED_OPEN_ELAPSED_EVENT:
      clock.set(Math.max(clock.now(), run.before?.context.openUntil ?? Number.NaN));
      return undefined;
    case 'breaker.acquire': {
      const result = breaker.tryAcquire();
      const expected = run.expected.context.lastDecision;
      expect(result.ok, `acquire in ${run.before?.value}`).toBe(expected?.allowed);
      if (result.ok) return result.permit;
      if (expected?.allowed === false) {
        expect(result.error).toMatchObject({
          code: expected.code,
          retryAfterMs: expected.retryAfterMs ?? undefined,
        });
      }
      return undefined;
    }
    case 'breaker.success':
      run.permit().release({ kind: 'success', durationMs: event.durationMs });
      return undefined;
    case 'breaker.failure': {
      const error = new LLMError({ type: event.errorType, retryAfterMs: event.retryAfterMs });
      run.permit().release({ kind: 'failure', error, durationMs: event.durationMs });
      return undefined;
    }
    case 'breaker.release':
      run.permit().release({ kind: 'cancelled' });
      return undefined;
    case 'breaker.forceOpen':
    case 'breaker.disable':
    case 'breaker.reset':
      breaker[COMMANDS[event.type]]();
      return undefined;
    case 'breaker.sync': {
      const { state, remainingMs, reason, trips, reopens } = event;
      await scripted.sync({ state, remainingMs, reason, trips, reopens });
      return undefined;
    }
    case 'breaker.probeGranted':
      // The model grants only after a refused probe, which made the breaker ask the store for a permit.
      expect(await scripted.grantProbe(), 'the breaker asked the store for a probe permit').toBe(true);
      return undefined;
    case 'breaker.storeLost':
      await scripted.fail(); // fails what the breaker waits for (e.g. a probe reservation)
      if (breaker.actor.getSnapshot().context.source === 'store') {
        expect(clock.runNow(REFRESH_MS), 'the store refresh is armed').toBe(1);
        await settle(); // the refresh's read fails
      }
      return undefined;
    default:
      throw new Error(`unmapped model event ${event.type}`);
  }
}

/**
 * Checks what the breaker asked of the store in one step: ops commands always go to the store, and the
 * outcome of a permit issued while mirroring is recorded there with the breaker's verdict.
 */
function expectStoreCalls(
  event: BreakerModelEvent | { type: 'xstate.init' },
  calls: readonly ScriptedOperation[],
  config: BreakerMachineConfig,
  reported: boolean,
  where: string,
): void {
  const command = (COMMANDS as Record<string, StoreCommand | undefined>)[event.type];
  if (command !== undefined) expect(calls, where).toContainEqual({ kind: 'command', command });
  if ((event.type === 'breaker.success' || event.type === 'breaker.failure') && reported) {
    const verdict = verdictOf(config, event);
    expect(calls, where).toContainEqual({ kind: 'record', outcome: expect.objectContaining({ verdict }) });
  }
}

/** Runs one model path against `createCircuitBreaker({ store })`, checking every step. */
async function runPath(path: Path, options: BreakerOptions, recorder: Recorder): Promise<void> {
  const clock = new StepClock();
  const scripted = createScriptedStore({ refreshMs: REFRESH_MS, timeoutMs: TIMEOUT_MS });
  const create = (extra: BreakerOptions = {}) =>
    createCircuitBreaker({
      id: 'model',
      ...options,
      ...extra,
      clock,
      store: scripted.store,
      inspect: recorder.inspect,
    });
  let breaker = create();
  /** Permits held, each with whether it was issued while the breaker mirrored the store. */
  let held: Array<{ permit: BreakerPermit; mirrored: boolean }> = [];
  let used: { permit: BreakerPermit; mirrored: boolean } | undefined;
  let period = 0;
  const mirroring = () => breaker.actor.getSnapshot().context.source === 'store';
  const permit = (): BreakerPermit => {
    used = held.pop();
    if (used === undefined) {
      const result = breaker.tryAcquire();
      if (!result.ok) throw new Error(`no permit for an outcome in ${breaker.state}`);
      used = { permit: result.permit, mirrored: mirroring() };
    }
    return used.permit;
  };

  for (const [i, step] of path.steps.entries()) {
    const { event } = step;
    const before = path.steps[i - 1]?.state;
    const where = `${path.description} (step ${i}: ${event.type})`;
    const logged = scripted.log.length;
    used = undefined;
    if ('at' in event && event.at > clock.now() && event.type !== 'breaker.restore') clock.set(event.at);
    if (event.type === 'breaker.restore') {
      const saved = JSON.parse(JSON.stringify(breaker.snapshot()));
      breaker.stop();
      if (event.at > clock.now()) clock.set(event.at);
      breaker = create({ snapshot: saved });
      held = [];
    }
    const granted = await apply(event, { breaker, clock, scripted, permit, before, expected: step.state });
    if (granted !== undefined) held.push({ permit: granted, mirrored: mirroring() });
    await settle();
    const { lastDecision: _model, ...model } = step.state.context;
    const { lastDecision: _runtime, ...runtime } = breaker.actor.getSnapshot().context;
    expect(breaker.state, where).toBe(step.state.value);
    expect(runtime, where).toEqual(model);
    expect(breakerInvariants(before, event, step.state), where).toEqual([]);
    expect(breakerInvariants(before, event, breaker.actor.getSnapshot()), where).toEqual([]);
    const mirrored = (used as (typeof held)[number] | undefined)?.mirrored === true;
    const reported = mirrored && before?.context.source === 'store';
    expectStoreCalls(event, scripted.log.slice(logged), step.state.context.config, reported, where);
    if (runtime.period !== period) held = [];
    period = runtime.period;
  }
  breaker.stop();
}

type Config = Partial<BreakerMachineConfig> & BreakerOptions;
/** Thresholds low enough for short paths; slow calls on (a slow success is a failure). */
const consecutive = {
  failureThreshold: 2,
  successThreshold: 2,
  halfOpenMaxCalls: 3,
  openMs: 1_000,
  backoffFactor: 2,
  maxOpenMs: 4_000,
  slowCallMs: 500,
} satisfies Config;
const configs: Array<[string, Config]> = [
  ['consecutive failures, slow calls, backoff', consecutive],
  [
    'failure rate',
    { failureThreshold: 3, failureRateThreshold: 0.5, minimumCalls: 3, windowMs: 10_000, slowCallMs: 500 },
  ],
];

/** Paths per test: a chunk stays far below the timeout on a loaded machine, whatever the path count. */
const CHUNK = 150;

describe.each(configs)('shared circuit breaker model (%s)', (name, options) => {
  const paths = modelPaths(sharedCircuitBreakerMachine, { input: { config: options } });
  const recorder = createCoverageRecorder(sharedCircuitBreakerMachine);
  const chunks = Array.from({ length: Math.ceil(paths.length / CHUNK) }, (_, i) => ({
    name: `paths ${i * CHUNK + 1}–${Math.min(paths.length, (i + 1) * CHUNK)}`,
    paths: paths.slice(i * CHUNK, (i + 1) * CHUNK),
  }));
  let executed = 0;

  it.each(chunks)('runs model $name on a breaker with a store', async ({ paths: chunk }) => {
    for (const path of chunk) {
      await runPath(path, options, recorder);
      executed++;
    }
  });

  it('runs every path and reaches every state and transition', () => {
    const events = new Set(paths.flatMap((path) => path.steps.map((step) => step.event.type)));
    for (const type of ['breaker.sync', 'breaker.probeGranted', 'breaker.storeLost', 'breaker.restore']) {
      expect(events).toContain(type);
    }
    const runtime = recorder.coverage();
    const model = coverageOf(sharedCircuitBreakerMachine, paths);
    console.log(`shared breaker model (${name}): ${paths.length} paths; runtime ${runtime}; model ${model}`);
    expect(executed).toBe(paths.length);
    expect(model.complete, model.toString()).toBe(true);
    expect(runtime.complete, runtime.toString()).toBe(true);
    expect(model.toString()).toBe(runtime.toString());
  });
});

describe('shared circuit breaker model', () => {
  it.each(configs)('gives paths whose steps follow from one another (%s)', (_name, config) => {
    const paths = modelPaths(sharedCircuitBreakerMachine, { input: { config }, strategy: 'states' });
    const scope = createInspectingScope(() => {});
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      path.steps.slice(1).forEach((step, i) => {
        const previous = path.steps[i]?.state as never;
        const next = sharedCircuitBreakerMachine.transition(previous, step.event as never, scope);
        expect(next.value).toEqual(step.state.value);
        expect(next.context).toEqual(step.state.context);
      });
    }
  });

  it('offers a probe grant only after a refused probe while mirroring the store', () => {
    const scope = createInspectingScope(() => {});
    const types = (snapshot: Snapshot) => sharedBreakerModelEvents(snapshot).map((event) => event.type);
    let snapshot = sharedCircuitBreakerMachine.getInitialSnapshot(scope, { config: consecutive });
    expect(types(snapshot).filter((type) => type === 'breaker.sync')).toHaveLength(6);
    expect(types(snapshot)).not.toContain('breaker.storeLost'); // nothing to lose before the first sync
    const sync = { type: 'breaker.sync', at: 0, state: 'halfOpen', remainingMs: null } as const;
    const mirrored = { ...sync, reason: 'open_elapsed', trips: 1, reopens: 0 } as const;
    snapshot = sharedCircuitBreakerMachine.transition(snapshot, mirrored, scope);
    expect(types(snapshot)).toContain('breaker.storeLost');
    expect(types(snapshot)).not.toContain('breaker.probeGranted');
    expect(types(snapshot)).not.toContain('breaker.restore'); // a restored breaker decides locally
    snapshot = sharedCircuitBreakerMachine.transition(snapshot, { type: 'breaker.acquire', at: 0 }, scope);
    expect(snapshot.context.lastDecision).toMatchObject({ allowed: false });
    expect(types(snapshot)).toContain('breaker.probeGranted');
    snapshot = sharedCircuitBreakerMachine.transition(
      snapshot,
      { type: 'breaker.probeGranted', at: 0 },
      scope,
    );
    expect(snapshot.context.probeAllowance).toBe(1);
    expect(types(snapshot)).not.toContain('breaker.probeGranted');
  });

  it('keeps the model state bounded while the store decides and the actor keeps counting', () => {
    const scope = createInspectingScope(() => {});
    const config = consecutive;
    let snapshot = sharedCircuitBreakerMachine.getInitialSnapshot(scope, { config });
    const sync = { type: 'breaker.sync', at: 0, state: 'closed', remainingMs: null } as const;
    snapshot = sharedCircuitBreakerMachine.transition(
      snapshot,
      { ...sync, reason: 'reset', trips: 0, reopens: 0 },
      scope,
    );
    const failure = { type: 'breaker.failure', at: 0, durationMs: 1, errorType: 'provider_error' } as const;
    const states: string[] = [];
    for (let i = 0; i < 6; i++) {
      const event = { ...failure, period: snapshot.context.period };
      snapshot = sharedCircuitBreakerMachine.transition(snapshot, event, scope);
      states.push(serializeSharedBreakerModelState(snapshot));
    }
    expect(snapshot.value).toBe('closed'); // the store decides trips
    expect(snapshot.context.consecutiveFailures).toBe(6);
    expect(new Set(states.slice(config.failureThreshold - 1)).size).toBe(1);
  });
});
