/**
 * The caller's side of a call: its request shape, its result, and validation of both at the boundary.
 */
import { z } from 'zod';
import type { AnswerSource, AttemptRecord } from '../../machines/request-types.js';
import { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, Message, Usage } from '../types.js';
import { type ValidationResult, validateAnswer } from '../validation/validate.js';

/** What `llm.call()` takes. */
export interface CallRequest<T = unknown> {
  messages: Message[];
  /** A zod schema the answer must satisfy (JSON is extracted from the text). @default undefined */
  schema?: z.ZodType<T> | undefined;
  /** Where a schema-valid answer is cached, and looked up when degrading. @default undefined */
  cacheKey?: string | undefined;
  /** Aborts the call at once (settles with an `aborted` LLMError). @default undefined */
  signal?: AbortSignal | undefined;
  /** Passed to providers. @default provider default */
  maxTokens?: number | undefined;
  /** Passed to providers. @default provider default */
  temperature?: number | undefined;
}

/** What `llm.stream()` takes: a call without a schema (tokens reach the caller before any validation). */
export interface StreamRequest extends Omit<CallRequest<string>, 'schema'> {
  /** After a mid-stream failure, continue on the next provider with the partial answer as context. @default false */
  resumeOnFailure?: boolean | undefined;
}

interface ResultBase {
  text: string;
  provider: string | undefined;
  model: string | undefined;
  usage: Usage | undefined;
  /** Every attempt and skipped provider, with its outcome and the decision taken. */
  attempts: AttemptRecord[];
  durationMs: number;
  requestId: string;
}

/**
 * What `llm.call()` resolves with. `data` is the schema-parsed answer (the text itself without a schema) —
 * for the static fallback too, which is checked against the call's schema before any provider is called.
 */
export type CallResult<T = unknown> = ResultBase & { source: AnswerSource; data: T };

/** A validated call: the request providers receive, and the static fallback parsed by the call's schema. */
export type ParsedCall<T> = CallRequest<T> & { request: LLMRequest; fallbackData?: { value: unknown } };

const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant'], 'role must be system, user or assistant'),
  content: z.string('content must be a string'),
});

const callSchema = z.strictObject({
  messages: z.array(messageSchema, 'messages must be an array').min(1, 'messages must not be empty'),
  schema: z
    .custom<z.ZodType>(
      (v) => typeof (v as z.ZodType | undefined)?.safeParse === 'function',
      'schema must be a zod schema',
    )
    .optional(),
  cacheKey: z.string().min(1, 'cacheKey must not be empty').optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'signal must be an AbortSignal').optional(),
  maxTokens: z.int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

/** Each schema's verdict on the static fallback, computed once per schema object. */
const fallbackVerdicts = new WeakMap<z.ZodType, Map<string, ValidationResult>>();

/**
 * Parses the static fallback with the call's schema. The schema is per call, so this cannot happen when the
 * client is created; it happens before any provider is called, and a fallback the schema rejects fails the
 * call as `bad_request` (code `invalid_fallback`): that is a configuration bug, better found on the first
 * call than during the outage the fallback exists for.
 */
export function parseFallback(fallback: string, schema: z.ZodType): { value: unknown } {
  const verdicts = fallbackVerdicts.get(schema) ?? new Map<string, ValidationResult>();
  fallbackVerdicts.set(schema, verdicts);
  const verdict = verdicts.get(fallback) ?? validateAnswer(fallback, schema);
  verdicts.set(fallback, verdict);
  if (verdict.ok) return { value: verdict.data };
  throw new LLMError({
    type: 'bad_request',
    message: `Invalid degradation.fallback for this call's schema: ${verdict.validation}`,
    code: 'invalid_fallback',
  });
}

/** Validates a call's argument; a bad one becomes a `bad_request` LLMError naming the field. */
export function parseCallRequest<T>(value: CallRequest<T>, fallback?: string): ParsedCall<T> {
  const parsed = callSchema.safeParse(value);
  if (!parsed.success) {
    throw new LLMError({
      type: 'bad_request',
      message: `Invalid call: ${z.prettifyError(parsed.error)}`,
      code: 'invalid_call',
    });
  }
  const request: LLMRequest = { messages: parsed.data.messages };
  if (parsed.data.maxTokens !== undefined) request.maxTokens = parsed.data.maxTokens;
  if (parsed.data.temperature !== undefined) request.temperature = parsed.data.temperature;
  const parsedCall: ParsedCall<T> = { ...(value as CallRequest<T>), request };
  if (fallback !== undefined && parsed.data.schema !== undefined) {
    parsedCall.fallbackData = parseFallback(fallback, parsed.data.schema);
  }
  return parsedCall;
}
