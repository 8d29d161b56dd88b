/**
 * `classifyError`: turns anything a provider call can throw or return — an SDK error (openai v6,
 * @anthropic-ai/sdk v1, Vercel AI SDK, AWS SDK v3), a fetch failure, an abort or timeout, a fetch-like
 * `{ status, headers, body }` (body as text, JSON text, SSE frames or parsed JSON), an error body alone,
 * or a 200 body that signals a content filter or carries an error event — into an {@link LLMError}.
 * It never throws: unreadable input yields type `unknown` with the input kept as `cause`.
 */
import { z } from 'zod';
import { type Decision, decide, type Signals } from './classify-rules.js';
import { LLMError } from './llm-error.js';
import { rateLimitFromHeaders } from './rate-limit-headers.js';
import { type BodyView, readBody } from './read-body.js';
import { type Payload, prop, readInput } from './read-input.js';
import { safeMessage } from './redact.js';
import {
  MAX_SCAN_CHARS,
  retryAfterFromDetails,
  retryAfterFromHeaders,
  retryAfterFromText,
} from './retry-after.js';

/**
 * A rate limit asking to wait longer than this (ms) is treated as a quota cap (`quota_exhausted`, not
 * retryable): Azure's "retry after 86400 seconds" means the deployment's daily budget is gone.
 */
export const QUOTA_RETRY_AFTER_THRESHOLD_MS = 3_600_000;

/** Options of {@link classifyError} and {@link createClassifier}. */
export interface ClassifyOptions {
  /** Provider id written into the error when it has none. @default undefined */
  provider?: string | undefined;
  /** Model written into the error when it has none. @default undefined */
  model?: string | undefined;
  /** Clock (ms since epoch) for HTTP-date and RFC 3339 reset headers. @default Date.now */
  now?: (() => number) | undefined;
}

/** Defaults of {@link ClassifyOptions}. */
export const defaultClassifyOptions = {
  provider: undefined,
  model: undefined,
  now: Date.now,
} satisfies Required<ClassifyOptions>;

/** Validates {@link ClassifyOptions}. */
export const classifyOptionsSchema = z.object({
  provider: z.string().min(1, 'provider must be a non-empty string').optional(),
  model: z.string().min(1, 'model must be a non-empty string').optional(),
  now: z
    .custom<() => number>((value) => typeof value === 'function', 'now must be a function returning ms')
    .optional(),
});

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null;
const lower = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 200 ? value.toLowerCase() : undefined;

function statusOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 400 && n <= 599 ? n : undefined;
}

function detailWords(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  const words: string[] = [];
  for (const entry of details.slice(0, 16)) {
    if (!isObj(entry)) continue;
    for (const key of ['@type', 'reason', 'error_code'])
      if (typeof entry[key] === 'string') words.push(entry[key]);
    const violations = Array.isArray(entry.violations) ? entry.violations.slice(0, 16) : [];
    for (const v of violations) if (isObj(v) && typeof v.quotaId === 'string') words.push(v.quotaId);
  }
  return words;
}

function toSignals(payload: Payload, view: BodyView): Signals {
  const error: Obj = view.error ?? {};
  const details = error.details;
  const nested = isObj(details) ? details : {};
  const http = payload.status;
  const fromBody = statusOf(error.code) ?? statusOf(error.status);
  const status = http !== undefined && http >= 400 ? http : (fromBody ?? http);
  const headerException = payload.headers.get(':exception-type') ?? payload.headers.get('x-amzn-errortype');
  const exception = lower(
    headerException?.split(':')[0] ??
      error.__type ??
      payload.names.find((name) => name.endsWith('Exception')),
  );
  const code = lower(
    typeof error.code === 'string' && !/^\d+$/.test(error.code) ? error.code : nested.error_code,
  );
  const kind = lower(error.type === 'error' ? undefined : (error.type ?? error.status));
  const providerMessage = typeof error.message === 'string' ? error.message : view.text;
  const message = (providerMessage ?? payload.message ?? '').slice(0, MAX_SCAN_CHARS);
  const inner = isObj(error.innererror) ? error.innererror.code : undefined;
  const raw = isObj(error.metadata) ? error.metadata.raw : undefined;
  const extra = [code, kind, exception, inner, raw, payload.message, ...detailWords(details)];
  const hay = [message, ...extra.filter((word) => typeof word === 'string')]
    .join(' ')
    .slice(0, MAX_SCAN_CHARS * 2);
  const signals: Signals = {
    hay: hay.toLowerCase(),
    message,
    names: payload.names,
    hasError: view.error !== undefined || (status !== undefined && status >= 400) || exception !== undefined,
  };
  if (status !== undefined) signals.status = status;
  if (code !== undefined) signals.code = code;
  if (kind !== undefined) signals.kind = kind;
  if (exception !== undefined) signals.exception = exception;
  if (details !== undefined) signals.details = details;
  if (payload.errno !== undefined) signals.errno = payload.errno;
  if (view.filterReason !== undefined) signals.filterReason = view.filterReason;
  return signals;
}

function retryAfterOf(payload: Payload, view: BodyView, signals: Signals, now: number): number | undefined {
  const fromHeaders = retryAfterFromHeaders(payload.headers, now);
  if (fromHeaders !== undefined) return fromHeaders;
  const fromDetails = retryAfterFromDetails(signals.details);
  if (fromDetails !== undefined) return fromDetails;
  return (
    retryAfterFromText(signals.message) ??
    (view.text === undefined ? undefined : retryAfterFromText(view.text))
  );
}

/** Only short, machine-like codes are kept (`rate_limit_exceeded`, not a sentence). */
function shortCode(decision: Decision): string | undefined {
  const { code } = decision;
  return code !== undefined && /^[a-z0-9_.:-]{1,64}$/.test(code) ? code : undefined;
}

function classifyUnsafe(input: unknown, options: ClassifyOptions): LLMError {
  if (LLMError.is(input)) {
    const missing: { provider?: string; model?: string } = {};
    if (input.provider === undefined && options.provider !== undefined) missing.provider = options.provider;
    if (input.model === undefined && options.model !== undefined) missing.model = options.model;
    return Object.keys(missing).length > 0 ? input.with(missing) : input;
  }
  const payload = readInput(input);
  const view = readBody(payload.body);
  const signals = toSignals(payload, view);
  const decision = decide(signals);
  const now = (options.now ?? defaultClassifyOptions.now)();
  const retryAfterMs = retryAfterOf(payload, view, signals, now);
  let { type } = decision;
  let code = shortCode(decision);
  if (type === 'rate_limit' && retryAfterMs !== undefined && retryAfterMs > QUOTA_RETRY_AFTER_THRESHOLD_MS) {
    type = 'quota_exhausted';
    code = 'long_retry_after';
  }
  const text = signals.message.length > 0 ? safeMessage(signals.message) : '';
  return new LLMError({
    type,
    message: text.length > 0 ? text : describe(type, signals.status),
    retryAfterMs,
    provider: options.provider,
    model: options.model,
    status: signals.status ?? payload.status,
    code,
    partialText: view.partialText,
    rateLimit: rateLimitFromHeaders(payload.headers, now),
    cause: input,
  });
}

function describe(type: string, status: number | undefined): string {
  return status === undefined ? `LLM call failed (${type})` : `LLM call failed with HTTP ${status} (${type})`;
}

function usableOptions(options: unknown): ClassifyOptions {
  const parsed = classifyOptionsSchema.safeParse(options ?? {});
  if (parsed.success) return parsed.data as ClassifyOptions;
  return {
    provider:
      typeof prop(options, 'provider') === 'string' ? (prop(options, 'provider') as string) : undefined,
    model: typeof prop(options, 'model') === 'string' ? (prop(options, 'model') as string) : undefined,
  };
}

/**
 * Classifies anything thrown by or received from an LLM provider (see the module comment). Never throws:
 * invalid options are ignored field by field (use {@link createClassifier} to have them rejected).
 */
export function classifyError(input: unknown, options?: ClassifyOptions): LLMError {
  return classifyValidated(input, () => usableOptions(options));
}

/** Classifies with options already checked (a classifier's, once at creation): no validation per error. */
function classifyValidated(input: unknown, optionsOf: () => ClassifyOptions): LLMError {
  let opts: ClassifyOptions = {};
  try {
    opts = optionsOf();
    return classifyUnsafe(input, opts);
  } catch {
    return new LLMError({
      type: 'unknown',
      message: 'Unreadable error value',
      provider: opts.provider,
      model: opts.model,
      cause: input,
    });
  }
}

/**
 * A classifier bound to one provider. Options are validated here, once: a bad option throws a
 * `TypeError` naming the field. The returned function never throws.
 */
export function createClassifier(options: ClassifyOptions = {}): (input: unknown) => LLMError {
  const parsed = classifyOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`Invalid classifier options: ${z.prettifyError(parsed.error)}`);
  const opts = parsed.data as ClassifyOptions;
  const optionsOf = () => opts;
  return (input) => classifyValidated(input, optionsOf);
}
