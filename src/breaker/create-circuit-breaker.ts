/**
 * `createCircuitBreaker`: the runtime around {@link circuitBreakerMachine}. It reads the injected clock,
 * sends timed events to the actor, answers permit requests synchronously from `context.lastDecision`,
 * and reports state changes to listeners only once the actor has finished processing (so a listener
 * may call back into the breaker safely).
 */
import { createActor, type SnapshotFrom } from 'xstate';
import { circuitBreakerMachine } from '../../machines/circuit-breaker.js';
import { openRejection } from '../../machines/circuit-breaker-logic.js';
import { sharedCircuitBreakerMachine } from '../../machines/circuit-breaker-shared.js';
import type {
  BreakerContext,
  BreakerDecision,
  BreakerEvent,
  BreakerMachineConfig,
  BreakerStateName,
} from '../../machines/circuit-breaker-types.js';
import type { Clock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import { executeWithPermit } from './execute.js';
import { type BreakerOptions, type ResolvedBreakerOptions, resolveBreakerOptions } from './options.js';
import { createPermit } from './permit.js';
import { fromBreakerSnapshot, toBreakerSnapshot } from './snapshot.js';
import { createStoreMirror, type StoreMirror } from './store-mirror.js';
import type { BreakerAcquireResult, BreakerTransition, CircuitBreaker } from './types.js';

/**
 * True when `event` would leave a breaker in `state` with `context` exactly as it is: outcomes in disabled,
 * cancelled permits outside half-open, and counted successes on a closed breaker that has nothing counted.
 * @internal
 */
export function isNoOp(state: BreakerStateName, context: BreakerContext, event: BreakerEvent): boolean {
  if (state === 'disabled') return event.type !== 'breaker.reset' && event.type !== 'breaker.forceOpen';
  if (state !== 'closed') return false;
  if (event.type === 'breaker.release') return true;
  if (event.type !== 'breaker.success') return false;
  if (event.period !== context.period) return true;
  const slow = context.config.slowCallMs !== null && event.durationMs > context.config.slowCallMs;
  return !slow && context.consecutiveFailures === 0 && context.config.failureRateThreshold === null;
}

/** The machine config from validated options. */
function toMachineConfig(options: ResolvedBreakerOptions): BreakerMachineConfig {
  return {
    failureThreshold: options.failureThreshold,
    successThreshold: options.successThreshold,
    openMs: options.openMs,
    halfOpenMaxCalls: options.halfOpenMaxCalls,
    failureRateThreshold: options.failureRateThreshold ?? null,
    windowMs: options.windowMs,
    minimumCalls: options.minimumCalls,
    slowCallMs: options.slowCallMs ?? null,
    backoffFactor: options.backoffFactor,
    maxOpenMs: options.maxOpenMs,
    honorRetryAfter: options.honorRetryAfter,
    countedErrors: [...options.countedErrors],
  };
}

/**
 * Creates a circuit breaker. Options are validated once, here; a bad option throws a `TypeError` naming it.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ id: 'openai', failureThreshold: 5, openMs: 30_000 });
 * const answer = await breaker.execute((signal) => callOpenAI(prompt, { signal }));
 * ```
 */
export function createCircuitBreaker(options: BreakerOptions = {}): CircuitBreaker {
  const resolved = resolveBreakerOptions(options);
  const { id, clock } = resolved;
  const config = toMachineConfig(resolved);
  const listeners = new Set<(transition: BreakerTransition) => void>();
  const pending: BreakerTransition[] = [];
  let depth = 0;
  let stopped = false;

  const flush = () => {
    while (depth === 0 && pending.length > 0) {
      const transition = pending.shift() as BreakerTransition;
      for (const listener of [...listeners]) {
        try {
          listener(transition);
        } catch {
          // A faulty listener must not break the breaker or the caller that triggered the change.
        }
      }
    }
  };
  /** Runs `work` (which makes the actor process events) and then reports the transitions it caused. */
  const processing = (work: () => void) => {
    depth++;
    try {
      work();
    } finally {
      depth--;
      flush();
    }
  };
  const actorClock: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(() => processing(fn), ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };

  // With a store, the actor runs the shared machine (same states, plus the store's events).
  const machine = (
    resolved.store === undefined ? circuitBreakerMachine : sharedCircuitBreakerMachine
  ) as typeof circuitBreakerMachine;
  const saved = resolved.snapshot === undefined ? undefined : fromBreakerSnapshot(resolved.snapshot, config);
  // A restored breaker decides locally until its store (if any) answers.
  const restored =
    saved === undefined
      ? undefined
      : machine.resolveState({
          value: saved.value,
          context: { ...saved.context, source: 'local', probeAllowance: 0 },
        });
  const actor = createActor(machine, {
    id: `breaker:${resolved.id}`,
    clock: actorClock,
    input: { config, at: clock.now() },
    ...(restored === undefined ? {} : { snapshot: restored }),
    ...(resolved.inspect === undefined ? {} : { inspect: resolved.inspect }),
  });
  let last = actor.getSnapshot().value as BreakerStateName;
  actor.subscribe((snapshot: SnapshotFrom<typeof circuitBreakerMachine>) => {
    const to = snapshot.value as BreakerStateName;
    if (to === last) return;
    pending.push({ from: last, to, at: snapshot.context.changedAt, reason: snapshot.context.reason });
    last = to;
    if (depth === 0) queueMicrotask(flush); // the actor was driven directly, not through this runtime
  });

  const send = (event: BreakerEvent) => {
    if (stopped) throw new Error(`Circuit breaker "${id}" is stopped`);
    processing(() => actor.send(event));
  };
  const context = () => actor.getSnapshot().context;

  // Fast path: without a store or an inspector, events that cannot change the breaker are not sent. Closed
  // and disabled grant every permit, open refuses every one (with the time left), and a current-period success on a closed breaker with nothing counted
  // (consecutive mode, no failures) changes nothing; the model-equivalence test checks both against the actor.
  const quiet = resolved.store === undefined && resolved.inspect === undefined;
  const release = (event: BreakerEvent) => {
    if (stopped) return;
    if (quiet && isNoOp(actor.getSnapshot().value as BreakerStateName, context(), event)) return;
    send(event);
  };

  const tryAcquire = (): BreakerAcquireResult => {
    let decision: BreakerDecision | null = null;
    if (quiet && !stopped) {
      const state = actor.getSnapshot().value;
      if (state === 'closed' || state === 'disabled') {
        return { ok: true, permit: createPermit(context().period, clock, release) };
      }
      // Open: a permit request changes nothing (half-open comes from the open timer), so the answer is the
      // machine's own rule without the event.
      if (state === 'open') decision = openRejection(context(), clock.now());
    }
    if (decision === null) {
      send({ type: 'breaker.acquire', at: clock.now() });
      decision = context().lastDecision;
    }
    if (decision === null) throw new Error(`Circuit breaker "${id}" made no decision`);
    if (decision.allowed) {
      if (mirror === undefined) return { ok: true, permit: createPermit(decision.period, clock, release) };
      const link = mirror.link();
      const reportRelease = (event: BreakerEvent) => {
        if (stopped) return;
        send(event);
        mirror.report(event, link);
      };
      return { ok: true, permit: createPermit(decision.period, clock, reportRelease) };
    }
    mirror?.refused();
    const message =
      decision.code === 'forced_open'
        ? `Circuit breaker "${id}" is forced open`
        : `Circuit breaker "${id}" is open`;
    const error = new LLMError({
      type: 'provider_error',
      code: decision.code,
      message,
      retryable: false,
      retryAfterMs: decision.retryAfterMs ?? undefined,
      provider: id,
    });
    return { ok: false, error };
  };

  processing(() => {
    actor.start();
    if (restored !== undefined) actor.send({ type: 'breaker.restore', at: clock.now() });
  });
  const mirror: StoreMirror | undefined =
    resolved.store === undefined
      ? undefined
      : createStoreMirror({
          store: resolved.store,
          id,
          config,
          clock,
          send: (event) => {
            if (!stopped) send(event);
          },
          state: () => actor.getSnapshot().value as BreakerStateName,
          context,
        });
  /** An ops command: applied here at once, and to the shared state when there is a store. */
  const operate = (type: 'breaker.forceOpen' | 'breaker.disable' | 'breaker.reset') => {
    send({ type, at: clock.now() });
    mirror?.command(
      type === 'breaker.forceOpen' ? 'forceOpen' : type === 'breaker.disable' ? 'disable' : 'reset',
    );
  };

  return {
    id,
    get state() {
      return actor.getSnapshot().value as BreakerStateName;
    },
    actor,
    tryAcquire,
    execute: (fn, executeOptions) => executeWithPermit(tryAcquire, clock, id, fn, executeOptions),
    wrap:
      (fn) =>
      (...args) =>
        executeWithPermit(tryAcquire, clock, id, () => fn(...args)),
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => toBreakerSnapshot(id, actor.getSnapshot(), clock.now()),
    retryAfterMs() {
      const { openUntil } = context();
      return actor.getSnapshot().value === 'open' && openUntil !== null
        ? Math.max(0, openUntil - clock.now())
        : 0;
    },
    forceOpen: () => operate('breaker.forceOpen'),
    disable: () => operate('breaker.disable'),
    reset: () => operate('breaker.reset'),
    stop() {
      if (stopped) return;
      mirror?.stop();
      stopped = true;
      actor.stop();
      listeners.clear();
    },
  };
}
