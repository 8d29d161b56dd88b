/**
 * Options of {@link createResilientLLM}: types, defaults, and their one-time validation.
 */
import type { InspectionEvent, Observer } from 'xstate';
import { z } from 'zod';
import { type RetryOptions, retryOptionsSchema } from '../backoff.js';
import { type BreakerOptions, breakerSettingsSchema } from '../breaker/options.js';
import type { BreakerStore } from '../breaker/store.js';
import { type Clock, systemClock } from '../clock.js';
import type { LLMError } from '../errors/llm-error.js';
import { clockSchema, functionSchema, methodsSchema, parseOptions, timerMsSchema } from '../options.js';
import { defaultRetryBudgetOptions, type RetryBudgetOptions } from '../retry-budget.js';
import { type AdmissionOptions, defaultAdmissionOptions } from '../routing/admission.js';
import {
  type ConcurrencyLimitOptions,
  defaultConcurrencyLimitOptions,
} from '../routing/concurrency-limit.js';
import { ROUTING_STRATEGIES, type RoutingStrategy } from '../routing/strategy.js';
import type { ObservationHooks, TelemetryOptions } from '../telemetry/types.js';
import type { Cache, LLMRequest, Provider } from '../types.js';
import { defaultValidationLimits, type ValidationLimits } from '../validation/validate.js';
import { DEFAULT_CONTENT_FILTER_INSTRUCTION } from './content-filter-instruction.js';
import { type HedgingOptions, hedgingSchema } from './hedging-options.js';

/** Deadlines, in ms. */
export interface TimeoutOptions {
  /** Deadline of one attempt. @default 30_000 */
  attemptMs?: number;
  /** Deadline of the whole call, retries and failovers included. @default 120_000 */
  totalMs?: number;
  /** Streaming: deadline for the first token. @default undefined (attemptMs applies) */
  firstTokenMs?: number | undefined;
  /** Streaming: longest silence between two tokens. @default undefined */
  idleMs?: number | undefined;
  /** Retries on the same provider after a timeout, before failing over. @default 1 */
  timeoutRetries?: number;
}

/** How to degrade when no provider answers. */
export interface DegradationOptions {
  /** Where schema-valid answers are kept, by the caller's `cacheKey`. @default undefined */
  cache?: Cache | undefined;
  /** A cheaper request to try: a system prompt kept with the last user message, or a function of the request. @default undefined */
  simplifiedPrompt?: string | ((request: LLMRequest) => LLMRequest) | undefined;
  /** Static answer of last resort. @default undefined (the call fails instead) */
  fallback?: string | undefined;
}

/** User hooks the lifecycle calls, and the observation hooks (`onAttempt`, `onDecision`, `onResult`, `onBreakerTransition`). */
export interface LifecycleHooks extends ObservationHooks {
  /** After a content filter: return a request to try instead, or undefined to fail over. @default undefined */
  rewritePrompt?:
    | ((request: LLMRequest, error: LLMError) => LLMRequest | undefined | Promise<LLMRequest | undefined>)
    | undefined;
  /** Replaces the built-in truncation (keep system + newest messages). @default undefined */
  truncate?:
    | ((
        request: LLMRequest,
        budget: { maxTokens: number; countTokens: (r: LLMRequest) => number },
      ) => LLMRequest)
    | undefined;
  /** Token estimate of a request. @default ceil(characters / 4) + 4 per message */
  countTokens?: ((request: LLMRequest) => number) | undefined;
}

/** What happens after a content filter when no `hooks.rewritePrompt` is given. */
export interface ContentFilterOptions {
  /**
   * A system instruction added (once, on the same provider) before failing over; `false` fails over at once.
   * `hooks.rewritePrompt`, when given, is used instead.
   * @default DEFAULT_CONTENT_FILTER_INSTRUCTION ('Answer within your content policy. …')
   */
  rewriteInstruction?: string | false;
}

/** Options of {@link createResilientLLM}. */
export interface ResilientLLMOptions {
  /** Providers, tried by ascending priority. */
  providers: Provider[];
  /** Circuit-breaker settings, one breaker per provider. @default defaultBreakerOptions */
  breaker?: Omit<BreakerOptions, 'id' | 'clock' | 'inspect' | 'snapshot'>;
  /**
   * Retries per provider, plus the shared retry budget. `rateLimitWait`: on a rate limit, wait for Retry-After
   * on the same provider only when no other provider can take the call now (`lastResort`), or `always`.
   * @default { maxAttempts: 3, baseMs: 500, maxMs: 8000, jitter: 'full', rateLimitWait: 'lastResort', rateLimitCooldown: true }
   */
  retry?: RetryOptions & {
    budget?: RetryBudgetOptions;
    rateLimitWait?: 'lastResort' | 'always';
    /**
     * Graded rate-limit admission per provider (see `admission`): later calls are shed in proportion to the
     * provider's recent rate limits, and an evidently account-wide limit pauses it for its Retry-After. A skip
     * shows in `attempts` as `skipped` with code `rate_limit_shed` or `rate_limited` (with `retryAfterMs`).
     * `false`: only the call that met a rate limit waits or fails over.
     * @default true
     */
    rateLimitCooldown?: boolean;
  };
  /**
   * Order in which providers are offered a call: `priority` (ascending priority), `latency` (lowest latency
   * estimate first), `least-busy` (fewest attempts in flight first) or `weighted` (random, weight 1/latency).
   * @default 'priority'
   */
  routing?: RoutingStrategy;
  /** Rate-limit admission per provider (used while `retry.rateLimitCooldown` is on). @default defaultAdmissionOptions */
  admission?: AdmissionOptions;
  /**
   * Adaptive concurrency limit per provider: a failure halves the attempts allowed in flight at once, each
   * answer adds one back (`{}` for the defaults `{ min: 1, max: 1_000 }`). `false`: no limit.
   * @default false
   */
  concurrency?: ConcurrencyLimitOptions | false;
  /**
   * Hedged attempts (see `HedgingOptions`): an attempt running past its provider's observed latency quantile
   * (or a fixed delay) is raced by the same request on the next eligible provider, within a hedge budget;
   * the loser is aborted and never counts as a breaker failure. Calls only. The fast path hands a call to
   * the statechart at its hedge point.
   * @default false
   */
  hedging?: HedgingOptions | false | undefined;
  /** Deadlines. @default { attemptMs: 30_000, totalMs: 120_000, timeoutRetries: 1 } */
  timeouts?: TimeoutOptions;
  /**
   * Output validation (with a `schema`). `maxReprompts`: re-prompts with the validation error before failing
   * over. `maxOutputBytes`: longest answer parsed; a longer one is `invalid_response` (code `output_too_large`)
   * without parsing, so hostile output cannot cost time or memory.
   * @default { maxReprompts: 2, maxOutputBytes: 1_048_576 }
   */
  validation?: { maxReprompts?: number } & ValidationLimits;
  /** Degradation path. @default {} */
  degradation?: DegradationOptions;
  /** Lifecycle hooks. @default {} */
  hooks?: LifecycleHooks;
  /** The default rewrite after a content filter. @default { rewriteInstruction: DEFAULT_CONTENT_FILTER_INSTRUCTION } */
  contentFilter?: ContentFilterOptions;
  /**
   * Where inspection events go: the inspector's WebSocket URL (`ws://127.0.0.1:5173/__resilient/ws?token=…`),
   * an xstate inspection observer, or `false` to turn it off even when `RESILIENT_LLM_INSPECT` is set.
   * @default process.env.RESILIENT_LLM_INSPECT (off when unset)
   */
  inspect?: string | Observer<InspectionEvent> | ((event: InspectionEvent) => void) | false | undefined;
  /**
   * OpenTelemetry traces and metrics through `@opentelemetry/api` (an optional peer dependency, loaded only
   * when this is not `false`): on whenever a global tracer or meter provider is registered; `false` turns it
   * off; `{ tracer, meter }` uses those instead of the globals; `captureContent: true` adds prompts and answers.
   * @default true (the global providers, when the API is installed and an SDK is registered)
   */
  telemetry?: boolean | TelemetryOptions | undefined;
  /** Where breaker state lives; share it across processes with `redisStore()`. Same as `breaker.store`. @default undefined (each breaker in its own actor) */
  store?: BreakerStore | undefined;
  /**
   * Run a call's first attempt outside the statechart and start the request actor only when a decision is
   * needed (a failure, invalid output, a deadline, an abort, a cache write). Results are the same either way;
   * `false` runs every call through the statechart. With the inspector (a URL, or a bridge's observer) it stays
   * on and each call it answers reaches the page as a compact `fast` record; a plain xstate observer turns it
   * off, so that observer sees every call's actor.
   * @default true
   */
  fastPath?: boolean;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** Random source for jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

const fn = functionSchema;
const ms = (label: string) => timerMsSchema(label, true);

const providerSchema = z.looseObject({
  id: z.string('id must be a string').min(1, 'id must not be empty'),
  priority: z.number().finite().optional(),
  enabled: z.boolean().optional(),
  contextWindow: z.int().positive().optional(),
  call: fn,
  stream: fn.optional(),
  classify: fn.optional(),
});

const cacheSchema = methodsSchema<Cache>(
  ['get', 'set', 'delete'],
  'expected a Cache with get, set and delete',
);

const optionsSchema = z.strictObject({
  providers: z
    .array(providerSchema, 'providers must be an array of providers')
    .min(1, 'providers must contain at least one provider')
    .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'provider ids must be unique'),
  breaker: breakerSettingsSchema.optional(),
  retry: retryOptionsSchema
    .extend({
      rateLimitWait: z
        .enum(['lastResort', 'always'], "rateLimitWait must be 'lastResort' or 'always'")
        .default('lastResort'),
      rateLimitCooldown: z.boolean('rateLimitCooldown must be a boolean').default(true),
      budget: z
        .strictObject({
          ratio: z.number().min(0).max(10).default(defaultRetryBudgetOptions.ratio),
          windowMs: ms('windowMs').default(defaultRetryBudgetOptions.windowMs),
          minRetries: z.int().min(0).default(defaultRetryBudgetOptions.minRetries),
        })
        .prefault({}),
    })
    .prefault({}),
  routing: z
    .enum(ROUTING_STRATEGIES, `routing must be one of ${ROUTING_STRATEGIES.map((s) => `'${s}'`).join(', ')}`)
    .default('priority'),
  admission: z
    .strictObject({
      threshold: z
        .number('threshold must be a number')
        .min(0, 'threshold must be >= 0')
        .max(0.99, 'threshold must be <= 0.99')
        .default(defaultAdmissionOptions.threshold),
      windowMs: ms('windowMs').default(defaultAdmissionOptions.windowMs),
      minRateLimits: z
        .number('minRateLimits must be a number')
        .min(1, 'minRateLimits must be >= 1')
        .default(defaultAdmissionOptions.minRateLimits),
      headroom: z
        .number('headroom must be a number')
        .min(0, 'headroom must be >= 0')
        .max(1, 'headroom must be <= 1')
        .default(defaultAdmissionOptions.headroom),
    })
    .prefault({}),
  concurrency: z
    .union([
      z.literal(false),
      z
        .strictObject({
          min: z
            .int('min must be an integer')
            .min(1, 'min must be >= 1')
            .default(defaultConcurrencyLimitOptions.min),
          max: z
            .int('max must be an integer')
            .min(1, 'max must be >= 1')
            .default(defaultConcurrencyLimitOptions.max),
          threshold: z
            .number('threshold must be a number')
            .min(0, 'threshold must be >= 0')
            .max(1, 'threshold must be <= 1')
            .default(defaultConcurrencyLimitOptions.threshold),
        })
        .refine((c) => c.min <= c.max, 'min must be <= max'),
    ])
    .default(false),
  hedging: hedgingSchema,
  timeouts: z
    .strictObject({
      attemptMs: ms('attemptMs').default(30_000),
      totalMs: ms('totalMs').default(120_000),
      firstTokenMs: ms('firstTokenMs').optional(),
      idleMs: ms('idleMs').optional(),
      timeoutRetries: z.int().min(0).max(10).default(1),
    })
    .prefault({}),
  validation: z
    .strictObject({
      maxReprompts: z.int().min(0).max(10).default(2),
      maxOutputBytes: z
        .int('maxOutputBytes must be an integer number of bytes')
        .positive('maxOutputBytes must be > 0')
        .default(defaultValidationLimits.maxOutputBytes),
    })
    .prefault({}),
  degradation: z
    .strictObject({
      cache: cacheSchema.optional(),
      simplifiedPrompt: z.union([z.string().min(1), fn]).optional(),
      fallback: z.string().optional(),
    })
    .prefault({}),
  hooks: z
    .strictObject({
      rewritePrompt: fn.optional(),
      truncate: fn.optional(),
      countTokens: fn.optional(),
      onAttempt: fn.optional(),
      onDecision: fn.optional(),
      onResult: fn.optional(),
      onBreakerTransition: fn.optional(),
      onHookError: fn.optional(),
    })
    .prefault({}),
  contentFilter: z
    .strictObject({
      rewriteInstruction: z
        .union(
          [z.string().min(1, 'rewriteInstruction must not be empty'), z.literal(false)],
          'rewriteInstruction must be a string or false',
        )
        .default(DEFAULT_CONTENT_FILTER_INSTRUCTION),
    })
    .prefault({}),
  telemetry: z
    .union(
      [
        z.boolean(),
        z.strictObject({
          tracer: methodsSchema<TelemetryOptions['tracer']>(
            ['startSpan'],
            'expected an OpenTelemetry Tracer',
          ).optional(),
          meter: methodsSchema<TelemetryOptions['meter']>(
            ['createHistogram', 'createCounter', 'createObservableGauge'],
            'expected an OpenTelemetry Meter',
          ).optional(),
          captureContent: z.boolean('captureContent must be a boolean').optional(),
        }),
      ],
      'telemetry must be a boolean or { tracer?, meter?, captureContent? }',
    )
    .optional(),
  inspect: z
    .union([
      z.literal(false),
      z.string().regex(/^wss?:\/\//, 'inspect must be a ws:// or wss:// URL'),
      fn,
      z.looseObject({}),
    ])
    .optional(),
  store: methodsSchema<BreakerStore>(['breaker', 'close'], 'expected a BreakerStore').optional(),
  fastPath: z.boolean('fastPath must be a boolean').default(true),
  clock: clockSchema.optional(),
  random: fn.default(() => Math.random),
});

/** Options after validation, defaults filled in. */
export type ResolvedOptions = Omit<
  z.output<typeof optionsSchema>,
  'providers' | 'degradation' | 'hooks' | 'clock' | 'random' | 'store' | 'telemetry'
> & {
  telemetry: boolean | TelemetryOptions | undefined;
  store: BreakerStore | undefined;
  providers: Provider[];
  degradation: DegradationOptions;
  hooks: LifecycleHooks;
  clock: Clock;
  random: () => number;
};

/** Validates client options once; throws one `TypeError` naming every bad field. */
export function resolveOptions(options: ResilientLLMOptions): ResolvedOptions {
  const parsed = parseOptions('resilient-llm options', optionsSchema, options) as ResolvedOptions;
  // Defaulted here, not by zod (whose defaults are copies): the runtime recognises systemClock by identity.
  return { ...parsed, clock: options.clock ?? systemClock };
}
