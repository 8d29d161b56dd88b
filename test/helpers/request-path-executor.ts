/**
 * Executes a model path of the request lifecycle against the real runtime: the path's events become the
 * behaviours of scripted providers, a scripted cache and hooks; the call runs on a simulated clock; the
 * states the runtime's request actor passes through are returned for comparison with the model's.
 */
import { type EventObject, type InspectionEvent, SimulatedClock, type SnapshotFrom } from 'xstate';
import { z } from 'zod';
import type { requestMachine } from '../../machines/request.js';
import type { AttemptRecord, RequestContext } from '../../machines/request-types.js';
import { createResilientLLM } from '../../src/client/create-resilient-llm.js';
import { LLMError, type LLMErrorType } from '../../src/errors/llm-error.js';
import { settleWithClock } from '../../src/testing/drive-clock.js';
import { type FaultStep, faultyProvider } from '../../src/testing/faulty-provider.js';
import { MODEL_ANSWER, MODEL_HEDGE_DELAY_MS, statePath } from '../../src/testing/request-model.js';
import type { Cache, LLMRequest } from '../../src/types.js';

type Snapshot = SnapshotFrom<typeof requestMachine>;
type Step = { event: EventObject; state: Snapshot };
type ProviderBehaviour =
  | { kind: 'valid' | 'invalid' | 'hang' | 'abort'; text?: string | undefined; delayMs?: number }
  | { kind: 'error'; type: LLMErrorType; retryAfterMs?: number; text?: string | undefined; delayMs?: number };

/** Hedged races: an attempt that ends while racing ends this long after it started (past the hedge delay). */
const RACED_PRIMARY_MS = MODEL_HEDGE_DELAY_MS + 50;
/** A hedge ending before the attempt it races (whenever that hedge started), or after it. */
const HEDGE_FIRST_MS = 20;
const HEDGE_LATER_MS = 2 * MODEL_HEDGE_DELAY_MS;

/** Behaviour queues built from a path. */
interface Script {
  provider: ProviderBehaviour[];
  cacheGet: Array<'hit' | 'miss' | 'throw'>;
  cacheSet: Array<'ok' | 'throw'>;
  rewrite: Array<'request' | 'none' | 'throw'>;
  truncate: Array<'progress' | 'none'>;
  tinyWindow: Set<string>;
  deadline: boolean;
  /** The path has a hedge refused by the budget. */
  hedgeRefused: boolean;
}

const eventType = (e: EventObject) => e.type;
const outputOf = (e: EventObject) => (e as { output?: Record<string, unknown> }).output ?? {};
/** The error an actor's error event (`error`) or an attempt's `attempt.failed` (`failure`) carries. */
const errorTypeOf = (e: EventObject) => {
  type Failure = { error: { type: LLMErrorType; retryAfterMs?: number } };
  const event = e as unknown as { error?: Failure; failure?: Failure };
  return ((event.failure ?? event.error) as Failure).error;
};

/** Turns the events of a path into behaviour queues. */
export function scriptOf(steps: readonly Step[]): Script {
  const script: Script = {
    provider: [],
    cacheGet: [],
    cacheSet: [],
    rewrite: [],
    truncate: [],
    tinyWindow: new Set(),
    deadline: false,
    hedgeRefused: false,
  };
  // While a hedge may race, calls are started before they end: their behaviours are reserved in call order
  // (the attempt in flight, then the hedge) and filled in when the path says how each one ended.
  let primarySlot: ProviderBehaviour | undefined;
  let hedgeSlot: ProviderBehaviour | undefined;
  /** The attempt in flight ended; unless it failed (the hedge carries on), a racing hedge lost or was cut. */
  const endPrimary = (b: ProviderBehaviour, raced = true) => {
    if (primarySlot === undefined) {
      script.provider.push(b);
      return;
    }
    Object.assign(primarySlot, b, raced ? { delayMs: RACED_PRIMARY_MS } : {});
    primarySlot = undefined;
    if (b.kind !== 'error' && b.kind !== 'invalid') hedgeSlot = undefined; // it hangs until aborted
  };
  // A retry beside the running hedge (a racing mode's answer to a failure while a hedge runs) restarts the
  // attempt at its failure, R = RACED_PRIMARY_MS after the attempt before it. With k such retries, the hedge
  // (started `hedgeOffset` ms after the first attempt of the chain) ends mid-way through the retry in flight,
  // or half an R after the last one ended.
  let hedgeOffset = 0;
  let besides = 0;
  const endHedge = (b: ProviderBehaviour) => {
    if (hedgeSlot === undefined) return;
    const R = RACED_PRIMARY_MS;
    const delayMs =
      besides === 0
        ? primarySlot === undefined
          ? HEDGE_LATER_MS
          : HEDGE_FIRST_MS
        : (primarySlot === undefined ? besides + 1 : besides) * R + R / 2 - hedgeOffset;
    Object.assign(hedgeSlot, b, { delayMs });
    hedgeSlot = undefined;
  };
  let tokens = 0; // tokens of the streamed attempt in progress
  const streamed = () => {
    const text = 'tok '.repeat(tokens);
    tokens = 0;
    return text;
  };
  steps.forEach((step, i) => {
    if (i === 0) return;
    const before: RequestContext = (steps[i - 1] as Step).state.context;
    const e = step.event;
    const forced = before.lastError?.type === 'context_length';
    switch (eventType(e)) {
      case 'prepare.done':
        if (forced) script.truncate.push('progress');
        break;
      case 'prepare.failed':
        if (forced) script.truncate.push('none');
        else script.tinyWindow.add(before.provider?.id ?? '?');
        break;
      case 'attempt.done': {
        const next = steps[i + 1]?.event.type;
        endPrimary({ kind: next === 'validate.failed' ? 'invalid' : 'valid' });
        break;
      }
      case 'attempt.failed': {
        const { type, retryAfterMs } = errorTypeOf(e);
        if (type === 'invalid_response') {
          endPrimary({ kind: 'invalid' }); // raced: an invalid answer does not win, it fails the attempt
          break;
        }
        endPrimary({ kind: 'error', type, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        const after = step.state.context;
        if (
          before.hedge !== null &&
          after.hedge !== null &&
          after.primaryRunning &&
          after.attemptsOnProvider === before.attemptsOnProvider + 1
        ) {
          besides++; // retried beside the hedge: the retry calls next
          primarySlot = { kind: 'hang' };
          script.provider.push(primarySlot);
        }
        break;
      }
      case 'xstate.after.hedgeDelay.request.active.attempting.hedgePending':
        primarySlot = { kind: 'hang' };
        script.provider.push(primarySlot);
        break;
      case 'hedge.started':
        // A race after a failure starts its hedge with the retry (no hedge delay passed): the retry called first.
        if (primarySlot === undefined && before.raceNow) {
          primarySlot = { kind: 'hang' };
          script.provider.push(primarySlot);
        }
        hedgeSlot = { kind: 'hang' };
        script.provider.push(hedgeSlot);
        hedgeOffset = before.raceNow ? 0 : MODEL_HEDGE_DELAY_MS;
        besides = 0;
        break;
      case 'hedge.refused':
        script.hedgeRefused = true;
        break;
      case 'hedge.answered': {
        const next = steps[i + 1]?.event.type;
        endHedge({ kind: next === 'validate.failed' ? 'invalid' : 'valid' });
        primarySlot = undefined; // the attempt it raced lost: it hangs until aborted
        break;
      }
      case 'hedge.failed':
        endHedge({ kind: 'error', type: 'provider_error' });
        break;
      case 'xstate.after.attemptTimeout.request.active.attempting':
        if (primarySlot !== undefined || hedgeSlot !== undefined) {
          primarySlot = undefined;
          hedgeSlot = undefined; // both reserved calls hang
          break;
        }
        script.provider.push({ kind: 'hang', text: streamed() });
        break;
      case 'xstate.after.firstTokenTimeout.request.active.streaming.awaitingFirstToken':
      case 'xstate.after.idleTimeout.request.active.streaming.receiving':
        script.provider.push({ kind: 'hang', text: streamed() });
        break;
      case 'xstate.after.totalDeadline.request.active':
        endPrimary({ kind: 'hang', text: streamed() }, false);
        script.deadline = true;
        break;
      case 'request.abort':
        endPrimary({ kind: 'abort', text: streamed() }, false);
        break;
      case 'stream.token':
        tokens++;
        break;
      case 'stream.end':
        script.provider.push({ kind: 'valid', text: streamed() });
        break;
      case 'stream.failed': {
        const { type, retryAfterMs } = (
          e as unknown as { failure: { error: { type: LLMErrorType; retryAfterMs?: number } } }
        ).failure.error;
        script.provider.push({
          kind: 'error',
          type,
          text: streamed(),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
        break;
      }
      case 'xstate.done.actor.rewritePrompt':
        script.rewrite.push(outputOf(e).request ? 'request' : 'none');
        break;
      case 'xstate.error.actor.rewritePrompt':
        script.rewrite.push('throw');
        break;
      case 'xstate.done.actor.writeCache':
        script.cacheSet.push('ok');
        break;
      case 'xstate.error.actor.writeCache':
        script.cacheSet.push('throw');
        break;
      case 'xstate.done.actor.readCache':
        script.cacheGet.push(outputOf(e).hit ? 'hit' : 'miss');
        break;
      case 'xstate.error.actor.readCache':
        script.cacheGet.push('throw');
        break;
      case 'xstate.done.actor.callSimplified':
        if (outputOf(e).answer) script.provider.push({ kind: 'valid' });
        break;
    }
  });
  // A path that ends mid-stream: the attempt sends its tokens, then stalls.
  if (tokens > 0) script.provider.push({ kind: 'hang', text: streamed() });
  return script;
}

/** What a call ended with, comparable across runs: the answer's source and data or the error type, and the attempts. */
export interface PathOutcome {
  result: { source: string; data: unknown } | { error: string };
  attempts: Array<{ provider: string; attempt: number; outcome: string; decision: string; phase: string }>;
}

/** The comparable outcome of a call's settlement. */
function outcomeOf(settled: unknown): PathOutcome {
  const attempts = ((settled as { attempts?: AttemptRecord[] }).attempts ?? []).map((a) => ({
    provider: a.provider,
    attempt: a.attempt,
    outcome: a.outcome,
    decision: a.decision,
    phase: a.phase ?? 'primary',
  }));
  if (LLMError.is(settled)) return { result: { error: settled.type }, attempts };
  const { source, data } = settled as { source: string; data: unknown };
  return { result: { source, data: data ?? null }, attempts };
}

/**
 * Runs one path on the real client; returns the request actor's state sequence and the call's outcome.
 * Without `inspect` the client runs as shipped (fast path on), so no states are recorded.
 */
export async function executePath(
  steps: readonly Step[],
  inspect?: (event: InspectionEvent) => void,
): Promise<{ states: string[]; outcome: PathOutcome }> {
  const first = (steps[0] as Step).state.context;
  const script = scriptOf(steps);
  let lastEvent: unknown;
  const clock = new SimulatedClock();
  const controller = new AbortController();
  const step = (): FaultStep => {
    const b = script.provider.shift();
    if (!b) return { error: 'provider_error' };
    switch (b.kind) {
      case 'valid':
        return { text: b.text ?? MODEL_ANSWER.text, ...(b.delayMs ? { delayMs: b.delayMs } : {}) };
      case 'invalid':
        return { text: 'no json here', ...(b.delayMs ? { delayMs: b.delayMs } : {}) };
      case 'hang':
        return { hang: true, ...(b.text ? { afterText: b.text } : {}) };
      case 'abort':
        queueMicrotask(() => controller.abort());
        return { hang: true };
      case 'error':
        return {
          error: b.type,
          ...(b.delayMs ? { delayMs: b.delayMs } : {}),
          ...(b.retryAfterMs !== undefined ? { retryAfterMs: b.retryAfterMs } : {}),
          ...(b.text ? { afterText: b.text } : {}),
        };
    }
  };
  const providers = ['p0', 'p1'].map((id, priority) =>
    faultyProvider({
      id,
      priority,
      clock,
      script: step,
      ...(script.tinyWindow.has(id) ? { contextWindow: 1 } : {}),
    }),
  );
  const cache: Cache = {
    async get() {
      const b = script.cacheGet.shift();
      if (b === 'throw') throw new Error('cache down');
      return b === 'hit' ? { ...MODEL_ANSWER, provider: 'p0', storedAt: 0 } : undefined;
    },
    async set() {
      if (script.cacheSet.shift() === 'throw') throw new Error('cache down');
    },
    async delete() {},
  };
  const { features } = first;
  const states: string[] = [];
  const llm = createResilientLLM({
    providers,
    clock,
    random: () => 0.5,
    retry: {
      maxAttempts: first.settings.maxAttempts,
      baseMs: first.settings.baseMs,
      maxMs: first.settings.maxMs,
    },
    validation: { maxReprompts: first.settings.maxReprompts },
    timeouts: {
      firstTokenMs: first.settings.firstTokenMs,
      idleMs: first.settings.idleMs,
      attemptMs: first.settings.attemptMs,
      totalMs: script.deadline ? first.settings.attemptMs / 2 : first.settings.totalMs,
      timeoutRetries: first.settings.timeoutRetries,
    },
    breaker: { failureThreshold: 100 },
    ...(first.settings.hedging
      ? {
          hedging: {
            mode: first.settings.hedging.mode,
            delayMs: MODEL_HEDGE_DELAY_MS,
            maxHedges: first.settings.hedging.maxHedges,
            budget: script.hedgeRefused ? { ratio: 0, minPerWindow: 0 } : { ratio: 1, minPerWindow: 10 },
          },
        }
      : {}),
    degradation: {
      ...(features.cache ? { cache } : {}),
      ...(features.simplified ? { simplifiedPrompt: 'Simplify.' } : {}),
      // With a schema the static fallback must satisfy it (else the call is a bad request).
      ...(first.fallback !== null
        ? { fallback: features.schema ? JSON.stringify({ answer: first.fallback }) : first.fallback }
        : {}),
    },
    // Without the rewrite feature, the default content-filter rewrite is off too: the model has no rewrite.
    ...(features.rewrite ? {} : { contentFilter: { rewriteInstruction: false as const } }),
    hooks: {
      ...(features.rewrite
        ? {
            rewritePrompt: (req: LLMRequest) => {
              const b = script.rewrite.shift();
              if (b === 'throw') throw new Error('rewrite failed');
              return b === 'request'
                ? { ...req, messages: [{ role: 'user' as const, content: 'rewritten' }, ...req.messages] }
                : undefined;
            },
          }
        : {}),
      ...(features.truncate
        ? {
            truncate: (req: LLMRequest, budget: { maxTokens: number }) => {
              if (budget.maxTokens <= 1) return req; // the tiny declared window: nothing fits
              return script.truncate.shift() === 'progress'
                ? { ...req, messages: req.messages.slice(-1) }
                : req;
            },
          }
        : {}),
    },
    ...(inspect === undefined
      ? {}
      : {
          inspect: (event: InspectionEvent) => {
            if ((event.actorRef as { logic?: { id?: string } }).logic?.id !== 'request') return;
            inspect(event);
            // The state after each event, as a model path has it: the last microstep an event caused. Its
            // eventless steps report the same event object; the next event sent starts a new group (a timer's
            // event object may repeat), and so does a raised step event, such as `select.done`.
            if (event.type === '@xstate.event') lastEvent = undefined;
            if (event.type !== '@xstate.microstep') return;
            // The initial state is entered without a microstep event: the first one's source is where it was.
            const source = (event._transitions[0]?.source as { path?: string[] } | undefined)?.path;
            if (states.length === 0 && source !== undefined) states.push(source.join('.'));
            const state = statePath((event.snapshot as Snapshot).value);
            if (event.event === lastEvent) states[states.length - 1] = state;
            else states.push(state);
            lastEvent = event.event;
          },
        }),
  });
  const schema = z.object({ answer: z.string() });
  const common = {
    messages: first.request.messages,
    signal: controller.signal,
    ...(features.cache ? { cacheKey: 'k' } : {}),
  };
  const pending: Promise<unknown> =
    first.mode === 'stream'
      ? llm.stream({ ...common, resumeOnFailure: features.resumeStream }).result
      : llm.call({ ...common, ...(features.schema ? { schema } : {}) });
  const settled = await settleWithClock(
    pending.catch((e) => (LLMError.is(e) ? e : Promise.reject(e))),
    clock,
  );
  await llm.stop();
  if (!settled.ok) throw settled.error;
  return { states, outcome: outcomeOf(settled.value) };
}
