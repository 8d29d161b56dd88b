/**
 * Options of {@link createCircuitBreaker}: types, defaults, and their one-time validation with zod.
 */
import type { InspectionEvent, Observer } from 'xstate';
import { z } from 'zod';
import { defaultBreakerMachineConfig } from '../../machines/circuit-breaker-types.js';
import { type Clock, systemClock } from '../clock.js';
import { LLM_ERROR_TYPES, type LLMErrorType } from '../errors/llm-error.js';
import { clockSchema, functionSchema, parseOptions, timerMsSchema } from '../options.js';
import type { BreakerSnapshot } from './snapshot.js';
import type { BreakerStore } from './store.js';

/** Options of a circuit breaker. Every field is optional; times are in milliseconds. */
export interface BreakerOptions {
  /**
   * Name of the breaker, usually the provider id; set as `provider` on rejections. Required with a `store`
   * (breakers sharing a store share state by id). A client names each breaker after its provider.
   * @default 'default' (standalone breakers only)
   */
  id?: string;
  /** Consecutive counted failures that open the circuit. @default 5 */
  failureThreshold?: number;
  /**
   * Successful half-open probes that close it again. A half-open round tolerates
   * `halfOpenMaxCalls - successThreshold` counted probe failures; one more reopens it (so with the defaults,
   * 2 of 3 probes decide, and one stray failure does not double the next open duration). Set it to
   * `halfOpenMaxCalls` for the classic "one failed probe reopens". @default 2
   */
  successThreshold?: number;
  /** How long it stays open before its first probe; grows by `backoffFactor` per failed probe. @default 1_000 */
  openMs?: number;
  /** Concurrent half-open probes. @default 3 */
  halfOpenMaxCalls?: number;
  /** Failure rate in (0, 1] over `windowMs` that also opens it; undefined turns rate mode off. @default undefined */
  failureRateThreshold?: number | undefined;
  /** Sliding window of rate mode (slides in steps of `windowMs / 10`). @default 60_000 */
  windowMs?: number;
  /** Calls the window must hold before the rate is judged. @default 10 */
  minimumCalls?: number;
  /** Successes slower than this count as failures; undefined turns it off. @default undefined */
  slowCallMs?: number | undefined;
  /** Open duration multiplier per consecutive re-trip (failed probe); 1 = constant. @default 2 */
  backoffFactor?: number;
  /** Cap of the grown open duration (a provider's Retry-After may exceed it; never below `openMs`). @default 60_000 */
  maxOpenMs?: number;
  /** Stay open at least as long as a counted failure's `retryAfterMs` asks. @default true */
  honorRetryAfter?: boolean;
  /**
   * Error types that count as failures; others count as neither success nor failure. Rate limits are
   * left out on purpose: a rate-limited provider is healthy, and counting 429s as outages starves it.
   * @default ['provider_error', 'timeout', 'unknown']
   */
  countedErrors?: readonly LLMErrorType[];
  /** Source of time and timers (xstate's `SimulatedClock` works in tests). @default systemClock */
  clock?: Clock;
  /** xstate inspection observer passed to `createActor`. @default undefined */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /** A snapshot from {@link CircuitBreaker.snapshot} to resume from. @default undefined */
  snapshot?: BreakerSnapshot | undefined;
  /**
   * Shares the breaker's state through a store: `memoryStore()` within a process, `redisStore()` across
   * processes. Permits stay synchronous on the local actor, which mirrors the store (`breaker.sync`) and
   * falls back to deciding locally while the store is unreachable. Undefined keeps the state in this
   * breaker's own actor. @default undefined
   */
  store?: BreakerStore | undefined;
}

/** The defaults of {@link BreakerOptions}. */
export const defaultBreakerOptions = {
  id: 'default',
  failureThreshold: defaultBreakerMachineConfig.failureThreshold,
  successThreshold: defaultBreakerMachineConfig.successThreshold,
  openMs: defaultBreakerMachineConfig.openMs,
  halfOpenMaxCalls: defaultBreakerMachineConfig.halfOpenMaxCalls,
  failureRateThreshold: undefined,
  windowMs: defaultBreakerMachineConfig.windowMs,
  minimumCalls: defaultBreakerMachineConfig.minimumCalls,
  slowCallMs: undefined,
  backoffFactor: defaultBreakerMachineConfig.backoffFactor,
  maxOpenMs: defaultBreakerMachineConfig.maxOpenMs,
  honorRetryAfter: defaultBreakerMachineConfig.honorRetryAfter,
  countedErrors: defaultBreakerMachineConfig.countedErrors,
  clock: systemClock,
  inspect: undefined,
  snapshot: undefined,
  store: undefined,
} satisfies Required<BreakerOptions>;

/** {@link BreakerOptions} after validation, with every default filled in. */
export type ResolvedBreakerOptions = Required<BreakerOptions>;

const positiveInt = z.int().positive();
const fn = functionSchema;

/**
 * A `maxOpenMs` the caller sets may not be below `openMs` (defaulted when absent). A defaulted `maxOpenMs`
 * below a longer `openMs` is fine: the open duration never drops below `openMs` (`openDurationMs`).
 */
const openWithinMax = (options: { openMs?: number | undefined; maxOpenMs?: number | undefined }) =>
  options.maxOpenMs === undefined || options.maxOpenMs >= (options.openMs ?? defaultBreakerOptions.openMs);
const openWithinMaxIssue = { message: 'maxOpenMs must be at least openMs', path: ['maxOpenMs'] };

/** The settings fields, each optional (absent means the default). */
const settingsShape = {
  failureThreshold: positiveInt.optional(),
  successThreshold: positiveInt.optional(),
  openMs: timerMsSchema('openMs').optional(),
  halfOpenMaxCalls: positiveInt.optional(),
  failureRateThreshold: z.number().gt(0).max(1).optional(),
  windowMs: timerMsSchema('windowMs').optional(),
  minimumCalls: positiveInt.optional(),
  slowCallMs: timerMsSchema('slowCallMs').optional(),
  backoffFactor: z.number().min(1).finite().optional(),
  maxOpenMs: timerMsSchema('maxOpenMs').optional(),
  honorRetryAfter: z.boolean().optional(),
  countedErrors: z.array(z.enum(LLM_ERROR_TYPES)).optional(),
  store: z
    .custom<BreakerStore>(
      (value) =>
        typeof value === 'object' && value !== null && typeof (value as BreakerStore).breaker === 'function',
      'expected a BreakerStore (memoryStore() or redisStore())',
    )
    .optional(),
};

/**
 * The breaker settings a client takes as `breaker` (no id, clock, inspect or snapshot: the client sets those).
 * The client validates them with its own options, so errors name `breaker.<field>` like every other option.
 */
export const breakerSettingsSchema = z.strictObject(settingsShape).refine(openWithinMax, openWithinMaxIssue);

const optionsSchema = z
  .strictObject({
    ...settingsShape,
    id: z.string('id must be a string').min(1, 'id must not be empty').optional(),
    clock: clockSchema.optional(),
    inspect: z.union([fn, z.object({}).loose()]).optional(),
    snapshot: z.object({}).loose().optional(),
  })
  .refine(openWithinMax, openWithinMaxIssue)
  .refine((options) => options.store === undefined || options.id !== undefined, {
    message:
      "id is required with a store: breakers sharing a store share state by id (all would be 'default')",
    path: ['id'],
  });

/**
 * Fills in defaults and validates. Throws one `TypeError` naming every bad field, e.g.
 * `Invalid breaker options:\n✖ Too small: expected int to be >0\n  → at failureThreshold`.
 */
export function resolveBreakerOptions(options: BreakerOptions = {}): ResolvedBreakerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Invalid breaker options:\n✖ expected an object');
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  parseOptions('breaker options', optionsSchema, defined);
  return { ...defaultBreakerOptions, ...defined } as ResolvedBreakerOptions;
}
