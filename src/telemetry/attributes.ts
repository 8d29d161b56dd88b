/**
 * Names of spans, events, attributes and metrics: the OpenTelemetry GenAI semantic conventions where they
 * cover it (`gen_ai.*`, `error.type`, `http.response.status_code`), `resilient_llm.*` for the rest.
 */

/** The instrumentation scope (tracer and meter name). */
export const SCOPE_NAME = 'resilient-llm';

export const GEN_AI_OPERATION = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ERROR_TYPE = 'error.type';
export const HTTP_STATUS = 'http.response.status_code';

/** The GenAI operation of every attempt. */
export const OPERATION_CHAT = 'chat';

export const RL_REQUEST_ID = 'resilient_llm.request_id';
export const RL_MODE = 'resilient_llm.mode';
/** Prefix of the call's `metadata` keys on the call span (`resilient_llm.metadata.<key>`). */
export const RL_METADATA_PREFIX = 'resilient_llm.metadata.';
export const RL_SOURCE = 'resilient_llm.source';
export const RL_PROVIDER = 'resilient_llm.provider';
export const RL_ATTEMPTS = 'resilient_llm.attempt_count';
export const RL_DEGRADED = 'resilient_llm.degraded';
export const RL_DEGRADATION_STEPS = 'resilient_llm.degradation.steps';
export const RL_ATTEMPT = 'resilient_llm.attempt';
export const RL_PHASE = 'resilient_llm.phase';
export const RL_OUTCOME = 'resilient_llm.outcome';
export const RL_DECISION = 'resilient_llm.decision';
export const RL_CODE = 'resilient_llm.code';
export const RL_RETRY_AFTER = 'resilient_llm.retry_after_ms';
export const RL_DELAY = 'resilient_llm.backoff.delay_ms';
export const RL_STEP = 'resilient_llm.degradation.step';
export const RL_TTFT = 'resilient_llm.time_to_first_token_ms';
export const RL_BREAKER_STATE = 'resilient_llm.breaker.state';
export const RL_BREAKER_FROM = 'resilient_llm.breaker.from';
export const RL_BREAKER_TO = 'resilient_llm.breaker.to';
export const RL_BREAKER_REASON = 'resilient_llm.breaker.reason';

/** Span names: one per call, one per breaker incident (from leaving `closed` until back). */
export const CALL_SPAN = 'resilient_llm.call';
export const STREAM_SPAN = 'resilient_llm.stream';
export const BREAKER_SPAN = 'resilient_llm.breaker';
/** Span events: `resilient_llm.<decision>` (retry, backoff, failover, reprompt, skipped, degrade, …), and breaker transitions. */
export const DECISION_EVENT_PREFIX = 'resilient_llm.';
export const BREAKER_EVENT = 'resilient_llm.breaker.transition';

/** Metric names. */
export const METRIC_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_CALLS = 'resilient_llm.calls';
export const METRIC_CALL_DURATION = 'resilient_llm.call.duration';
export const METRIC_ATTEMPTS = 'resilient_llm.attempts';
export const METRIC_BREAKER_STATE = 'resilient_llm.breaker.state';
export const METRIC_BREAKER_TRANSITIONS = 'resilient_llm.breaker.transitions';
export const METRIC_RETRY_BUDGET_USAGE = 'resilient_llm.retry_budget.usage';
export const METRIC_RETRY_BUDGET_RETRIES = 'resilient_llm.retry_budget.retries';
export const METRIC_TTFT = 'resilient_llm.stream.time_to_first_token';

/** Bucket boundaries the GenAI conventions advise (seconds, tokens). */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
