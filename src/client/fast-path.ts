/**
 * The fast path of `call()`: the first attempt of a call runs in plain code, and the request actor is created
 * only if that attempt does not simply succeed. An uneventful call (selection finds a provider the way the
 * statechart's would, the request fits, the answer arrives in time and validates, no cache write) never needs a
 * decision, so it costs one breaker permit and one provider call instead of a statechart run.
 *
 * Anything else — a throw, an answer without text, invalid output, the attempt or total deadline, the caller's
 * abort, a cache write — hands the call to the statechart. The call itself is the {@link Replay}: the machine
 * starts from the beginning, its actors replay the selection, the preparation and the attempt (still running
 * or already settled), and from there the statechart decides as it always does. `test/fast-path.test.ts` runs
 * the same scenarios both ways and compares everything a caller or a provider can see.
 *
 * Every step is the statechart's own function (`steps.ts`, `selectFrom`, `validateAnswer`, the machine's
 * `successRecord` and `primaryAnswer`); this file only composes them and keeps the calls in flight.
 *
 * Memory matters here (10k calls in flight): one {@link FastCall} object per call, no per-call timer — the calls
 * in flight form one list in start order, which is also deadline order, under a single timer per client.
 */

import { primaryAnswer, successRecord } from '../../machines/request-logic.js';
import type { AttemptRecord } from '../../machines/request-types.js';
import type { BreakerPermit } from '../breaker/types.js';
import type { Clock } from '../clock.js';
import type { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, ProviderCallOptions, ProviderResult } from '../types.js';
import { judgeAnswer, withAttemptDetails } from './answer.js';
import type { CallRequest, CallResult } from './call-request.js';
import { onCallerAbort } from './caller-abort.js';
import { latencyHedgeDelayMs } from './hedging-options.js';
import type { ResolvedOptions } from './options.js';
import type { ProviderEntry, ProviderRegistry } from './registry.js';
import type { Replay, ReplayStage } from './replay.js';
import { selectFrom } from './select.js';
import { callResult, missingTextError, overflowOf, recordSuccess, writesCache } from './steps.js';
import { estimateTokens } from './truncate.js';

type Settle = (result: CallResult<unknown>) => void;
type Fail = (error: unknown) => void;
/** Runs a handed-over call through the statechart. */
export type Handover = (call: FastCall) => Promise<CallResult<unknown>>;

/** One call on the fast path; becomes the statechart's {@link Replay} if handed over. */
export class FastCall implements Replay {
  outcome!: Promise<ProviderResult>;
  controller = new AbortController();
  stage: ReplayStage = 'selection';
  abort: { at: number; reason?: string } | undefined = undefined;
  prev: FastCall | undefined = undefined;
  next: FastCall | undefined = undefined;
  private done = false;
  private value: ProviderResult | undefined = undefined;
  /** The timer of the hedge point (hedging in `latency` mode only). */
  private hedgeTimer: unknown = undefined;
  private offCallerAbort: (() => void) | undefined = undefined;

  constructor(
    readonly lane: FastLane,
    readonly entry: ProviderEntry,
    readonly permit: BreakerPermit,
    readonly req: CallRequest<unknown> & { request: LLMRequest },
    readonly requestId: string,
    readonly startedAt: number,
    private readonly resolve: Settle,
    private readonly reject: Fail,
    readonly alternatives: number,
    readonly skips: readonly AttemptRecord[],
    readonly refusal: LLMError | undefined,
  ) {}

  /** Deadline of the first attempt (attempt or total, whichever is first), on the client's clock. */
  get due(): number {
    return this.startedAt + this.lane.firstDeadlineMs;
  }

  get provider(): Replay['provider'] {
    return this.entry.ref;
  }

  get request(): LLMRequest {
    return this.req.request;
  }

  /** Calls the provider and waits for its answer, the deadline or an abort. */
  start(): void {
    const { signal } = this.req;
    if (signal !== undefined) {
      this.offCallerAbort = onCallerAbort(signal, () =>
        this.send({ type: 'request.abort', at: this.lane.clock.now() }),
      );
    }
    const options: ProviderCallOptions = {
      signal: this.controller.signal,
      requestId: this.requestId,
      attempt: 1,
    };
    if (this.req.headers !== undefined) options.headers = this.req.headers;
    const hedgeIn = this.lane.hedgeDelayFor(this.entry, this.alternatives);
    if (hedgeIn !== undefined) this.hedgeTimer = this.lane.timers.setTimeout(() => this.expire(), hedgeIn);
    try {
      this.outcome = Promise.resolve(this.entry.provider.call(this.req.request, options));
    } catch (thrown) {
      this.outcome = Promise.reject(thrown);
    }
    this.outcome.then(
      (value) => {
        this.value = value;
        this.end(true);
      },
      () => this.end(true),
    );
  }

  /** `stop()` of the client, or the caller's abort: the statechart takes the call and receives the abort. */
  send(event: { type: 'request.abort'; at: number; reason?: string }): void {
    if (this.done) return;
    this.abort = event.reason === undefined ? { at: event.at } : { at: event.at, reason: event.reason };
    this.end(false);
  }

  /**
   * The first deadline or the hedge point passed: the statechart takes the call with the attempt still running
   * (at the hedge point its `hedgeDelay` has nothing left to wait, so it hedges at once).
   */
  expire(): void {
    this.end(false);
  }

  private end(settled: boolean): void {
    if (this.done) return;
    this.done = true;
    this.lane.remove(this);
    if (this.hedgeTimer !== undefined) this.lane.timers.clearTimeout(this.hedgeTimer);
    this.offCallerAbort?.();
    const value = this.value;
    if (!settled || value === undefined || missingTextError(this.provider.id, value) !== undefined) {
      this.handover();
      return;
    }
    const { clock, options } = this.lane;
    const now = clock.now();
    // The attempt succeeded: its permit goes back now, whatever validation says (as on the statechart path).
    recordSuccess(this.permit, this.startedAt, now, value.rateLimit);
    const validated = judgeAnswer(value, this.req, this.provider.id, options.validation);
    if (!validated.ok || writesCache(options, this.req.cacheKey)) {
      this.handover();
      return;
    }
    const id = this.provider.id;
    const record = withAttemptDetails(successRecord(id, 1, this.startedAt, now), value);
    const attempts = this.skips.length === 0 ? [record] : [...this.skips, record];
    this.resolve(
      callResult(primaryAnswer(id, value), validated.data, attempts, this.requestId, now - this.startedAt),
    );
  }

  private handover(): void {
    this.lane.handover(this).then(this.resolve, this.reject);
  }
}

/**
 * The fast path of one client: eligibility, the calls in flight (a list in start order, which is deadline
 * order since every first attempt has the same deadline) and the one timer that expires them.
 */
export class FastLane {
  readonly clock: Clock;
  /** Ms from a call's start to its first attempt's deadline. */
  readonly firstDeadlineMs: number;
  handover: Handover = () => Promise.reject(new Error('FastLane: no hand-over installed'));
  private head: FastCall | undefined = undefined;
  private tail: FastCall | undefined = undefined;
  private count = 0;
  private timer: unknown = undefined;
  /** The client's timers (unref'd on the system clock). */
  readonly timers: Clock;

  constructor(
    readonly options: ResolvedOptions,
    private readonly registry: ProviderRegistry,
  ) {
    this.clock = options.clock;
    // Unref'd on the real clock: the client's keep-alive holds the process while a call is in flight.
    this.timers = options.clock;
    this.firstDeadlineMs = Math.min(options.timeouts.attemptMs, options.timeouts.totalMs);
  }

  /**
   * Ms from an attempt's start to its hedge point, when hedging (`latency` or `both` mode) could hedge it before its
   * first deadline: another provider is eligible and the delay is shorter. Else undefined.
   */
  hedgeDelayFor(entry: ProviderEntry, alternatives: number): number | undefined {
    const { hedging } = this.options;
    if (hedging === false || hedging.mode === 'on-failure' || alternatives === 0) return undefined;
    const delay = latencyHedgeDelayMs(hedging, entry.stats.sketch);
    return delay < this.firstDeadlineMs ? delay : undefined;
  }

  /** Calls on the fast path now. */
  get size(): number {
    return this.count;
  }

  /**
   * Starts `req` on the fast path and returns true, or returns false when it is not eligible: some provider's
   * circuit must be closed (or disabled), and the request must fit the selected provider's context window.
   */
  start(
    req: CallRequest<unknown> & { request: LLMRequest },
    requestId: string,
    startedAt: number,
    resolve: Settle,
    reject: Fail,
  ): boolean {
    const ranked = this.registry.ranked();
    // Eligible when some provider's circuit lets every call through; selection then runs as the actor's does.
    if (!ranked.some(grantsAll)) return false;
    const skips: AttemptRecord[] = [];
    const picked = selectFrom(ranked, NONE, startedAt, skips, undefined, this.registry.policy);
    const { entry, permit } = picked;
    if (entry === undefined || permit === undefined) return false;
    const countTokens = this.options.hooks.countTokens ?? estimateTokens;
    if (overflowOf(req.request, entry.provider.contextWindow, countTokens) !== undefined) {
      // Truncation is the statechart's: give the permit back and let it select again.
      permit.release({ kind: 'cancelled' });
      return false;
    }
    const call = new FastCall(
      this,
      entry,
      permit,
      req,
      requestId,
      startedAt,
      resolve,
      reject,
      picked.alternatives,
      skips.length === 0 ? NO_SKIPS : skips,
      picked.refusal,
    );
    this.append(call);
    call.start();
    return true;
  }

  /** Hands every call on the fast path to the statechart with an abort (the client is stopping). */
  abortAll(at: number, reason: string): void {
    for (let call = this.head; call !== undefined; call = this.head)
      call.send({ type: 'request.abort', at, reason });
    this.disarm();
  }

  remove(call: FastCall): void {
    if (call.prev === undefined) this.head = call.next;
    else call.prev.next = call.next;
    if (call.next === undefined) this.tail = call.prev;
    else call.next.prev = call.prev;
    call.prev = undefined;
    call.next = undefined;
    this.count--;
    // The timer stays armed when the list empties: a later call's deadline is later, so the timer fires early
    // at worst and re-arms for the head (a sequential caller arms no timer per call).
  }

  private append(call: FastCall): void {
    call.prev = this.tail;
    if (this.tail === undefined) this.head = call;
    else this.tail.next = call;
    this.tail = call;
    this.count++;
    if (this.timer === undefined) this.arm(call.due);
  }

  private arm(due: number): void {
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Expires every call whose deadline has come, then waits for the next one. */
  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head !== undefined && this.head.due <= now) this.head.expire();
    if (this.head !== undefined && this.timer === undefined) this.arm(this.head.due);
  }
}

const NONE: readonly string[] = [];
const NO_SKIPS: readonly AttemptRecord[] = [];

/** A provider whose circuit grants every permit without a decision (closed, or disabled by ops). */
function grantsAll(entry: ProviderEntry): boolean {
  const state = entry.breaker.state;
  return state === 'closed' || state === 'disabled';
}
