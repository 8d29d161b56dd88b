/**
 * Metrics: the GenAI client conventions (`gen_ai.client.operation.duration` per attempt, with `error.type`;
 * `gen_ai.client.token.usage`) and ours — calls by source, call duration, attempts by outcome and decision,
 * breaker state per provider (an observable state set), breaker transitions, retry-budget use, and time to
 * first token of streamed attempts.
 */
import type { BreakerStateName } from '../breaker/types.js';
import type { RetryBudget } from '../retry-budget.js';
import * as A from './attributes.js';
import type { AttemptState, CallSink, CallTracker } from './call-tracker.js';
import { requestModelOf } from './trace-sink.js';
import type {
  AttemptEvent,
  Attributes,
  BreakerTransitionEvent,
  DecisionEvent,
  MeterLike,
  ResultEvent,
} from './types.js';

const BREAKER_STATES: readonly BreakerStateName[] = ['closed', 'open', 'halfOpen', 'forcedOpen', 'disabled'];

/** What the observable instruments read. */
export interface MetricSources {
  breakers(): Iterable<{ id: string; state: BreakerStateName }>;
  budget: RetryBudget;
  budgetOptions: { ratio: number; minRetries: number };
}

type Observer = { observe(value: number, attributes?: Attributes): void };

/** Instruments on one meter. */
export class MetricSink implements CallSink {
  private readonly duration;
  private readonly tokens;
  private readonly calls;
  private readonly callDuration;
  private readonly attempts;
  private readonly transitions;
  private readonly ttft;
  private readonly gauges: Array<{
    gauge: ReturnType<MeterLike['createObservableGauge']>;
    cb: (o: Observer) => void;
  }>;

  constructor(meter: MeterLike, sources: MetricSources) {
    const seconds = (description: string) => ({
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: A.DURATION_BUCKETS },
    });
    this.duration = meter.createHistogram(
      A.METRIC_OPERATION_DURATION,
      seconds('Duration of each provider call (attempt).'),
    );
    this.tokens = meter.createHistogram(A.METRIC_TOKEN_USAGE, {
      description: 'Tokens used per attempt, by gen_ai.token.type.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: A.TOKEN_BUCKETS },
    });
    this.calls = meter.createCounter(A.METRIC_CALLS, {
      description: 'Calls settled, by answer source (primary, cache, simplified, fallback, failed).',
      unit: '{call}',
    });
    this.callDuration = meter.createHistogram(A.METRIC_CALL_DURATION, seconds('Duration of whole calls.'));
    this.attempts = meter.createCounter(A.METRIC_ATTEMPTS, {
      description: 'Attempts and skipped providers, by outcome and the decision taken.',
      unit: '{attempt}',
    });
    this.transitions = meter.createCounter(A.METRIC_BREAKER_TRANSITIONS, {
      description: 'Circuit-breaker transitions, by provider and target state.',
      unit: '{transition}',
    });
    this.ttft = meter.createHistogram(
      A.METRIC_TTFT,
      seconds('Time from a streamed attempt’s start to its first token.'),
    );
    const state = meter.createObservableGauge(A.METRIC_BREAKER_STATE, {
      description: 'Circuit-breaker state per provider: 1 for the current state, 0 for the others.',
      unit: '1',
    });
    const usage = meter.createObservableGauge(A.METRIC_RETRY_BUDGET_USAGE, {
      description: 'Share of the retry budget used in its window (1 = retries are refused).',
      unit: '1',
    });
    const retries = meter.createObservableGauge(A.METRIC_RETRY_BUDGET_RETRIES, {
      description: 'Retries counted in the retry budget’s window.',
      unit: '{retry}',
    });
    this.gauges = [
      {
        gauge: state,
        cb: (o) => {
          for (const breaker of sources.breakers())
            for (const name of BREAKER_STATES)
              o.observe(breaker.state === name ? 1 : 0, {
                [A.RL_PROVIDER]: breaker.id,
                [A.RL_BREAKER_STATE]: name,
              });
        },
      },
      {
        gauge: usage,
        cb: (o) => {
          const { calls, retries: used } = sources.budget.stats();
          const { ratio, minRetries } = sources.budgetOptions;
          const allowed = minRetries + ratio * calls;
          o.observe(allowed <= 0 ? (used > 0 ? 1 : 0) : Math.min(1, used / allowed));
        },
      },
      { gauge: retries, cb: (o) => o.observe(sources.budget.stats().retries) },
    ];
    for (const { gauge, cb } of this.gauges) gauge.addCallback(cb);
  }

  callStarted(): void {}
  attemptStarted(): void {}

  attemptEnded(_call: CallTracker, attempt: AttemptState | undefined, event: AttemptEvent): void {
    const model = attempt === undefined ? undefined : requestModelOf(attempt.provider);
    const base: Attributes = {
      [A.GEN_AI_OPERATION]: A.OPERATION_CHAT,
      [A.GEN_AI_PROVIDER]: event.provider,
    };
    if (model !== undefined) base[A.GEN_AI_REQUEST_MODEL] = model;
    if (event.model !== undefined) base[A.GEN_AI_RESPONSE_MODEL] = event.model;
    const timed = event.outcome === 'success' ? base : { ...base, [A.ERROR_TYPE]: event.outcome };
    this.duration.record(event.durationMs / 1000, timed);
    const usage = event.usage;
    if (usage?.inputTokens !== undefined)
      this.tokens.record(usage.inputTokens, { ...base, [A.GEN_AI_TOKEN_TYPE]: 'input' });
    if (usage?.outputTokens !== undefined)
      this.tokens.record(usage.outputTokens, { ...base, [A.GEN_AI_TOKEN_TYPE]: 'output' });
    if (event.timeToFirstTokenMs !== undefined) this.ttft.record(event.timeToFirstTokenMs / 1000, base);
    this.attempts.add(1, {
      [A.RL_PROVIDER]: event.provider,
      [A.RL_OUTCOME]: event.outcome,
      [A.RL_DECISION]: event.decision,
      [A.RL_PHASE]: event.phase,
    });
  }

  decision(_call: CallTracker, event: DecisionEvent): void {
    if (event.outcome !== 'skipped' || event.provider === undefined) return;
    this.attempts.add(1, {
      [A.RL_PROVIDER]: event.provider,
      [A.RL_OUTCOME]: 'skipped',
      [A.RL_DECISION]: 'skipped',
      [A.RL_PHASE]: 'primary',
    });
  }

  callEnded(call: CallTracker, event: ResultEvent): void {
    const attributes: Attributes = { [A.RL_MODE]: call.mode };
    if (event.ok) {
      attributes[A.RL_SOURCE] = event.source;
      if (event.provider !== undefined) attributes[A.RL_PROVIDER] = event.provider;
    } else {
      attributes[A.RL_SOURCE] = 'failed';
      attributes[A.ERROR_TYPE] = event.errorType;
    }
    this.calls.add(1, attributes);
    this.callDuration.record(event.durationMs / 1000, attributes);
  }

  breakerTransition(event: BreakerTransitionEvent): void {
    if (event.from === event.to) return;
    this.transitions.add(1, { [A.RL_PROVIDER]: event.provider, [A.RL_BREAKER_TO]: event.to });
  }

  /** Detaches the observable instruments' callbacks. */
  dispose(): void {
    for (const { gauge, cb } of this.gauges) gauge.removeCallback(cb);
  }
}
