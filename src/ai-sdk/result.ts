/**
 * A resilient-llm result in the AI SDK's terms: content (text, tool calls), finish reason, usage, and
 * `providerMetadata['resilient-llm']` saying who answered, from which source, after which attempts. An
 * answer from the cache, the simplified prompt or the static fallback also carries a warning.
 */
import type {
  JSONObject,
  JSONValue,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
  SharedV3Warning,
} from '@ai-sdk/provider';
import type { AttemptRecord } from '../../machines/request-types.js';
import type { CallResult } from '../client/call-request.js';
import type { ToolCall, Usage } from '../types.js';
import { PROVIDER_KEY } from './call-options.js';

/** A value as JSON: `undefined` fields are left out, non-JSON values become strings. */
export function toJsonValue(value: unknown): JSONValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: JSONObject = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toJsonValue(field);
    return out;
  }
  return String(value);
}

/** Our usage as V3 usage (only totals are known). */
export function toV3Usage(usage: Usage | undefined): LanguageModelV3Usage {
  return {
    inputTokens: {
      total: usage?.inputTokens,
      noCache: undefined,
      cacheRead: undefined,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage?.outputTokens, text: undefined, reasoning: undefined },
  };
}

/** The result's finish reason, else `tool-calls` when it called tools, else `stop`. */
export function toV3FinishReason(
  result: Pick<CallResult, 'finishReason' | 'toolCalls'>,
): LanguageModelV3FinishReason {
  const unified = result.finishReason ?? (result.toolCalls.length > 0 ? 'tool-calls' : 'stop');
  return { unified, raw: result.finishReason };
}

/** A tool call as V3 content (its input JSON-encoded). */
export function toV3ToolCall(call: ToolCall): LanguageModelV3Content & { type: 'tool-call' } {
  return {
    type: 'tool-call',
    toolCallId: call.id,
    toolName: call.name,
    input: JSON.stringify(call.input ?? {}),
  };
}

/** The answer's text: for a JSON response format, the validated JSON itself (no fences or prose around it). */
export function answerText(result: Pick<CallResult, 'text' | 'data' | 'toolCalls'>, json: boolean): string {
  if (!json || result.text === '' || result.data === undefined) return result.text;
  return JSON.stringify(result.data);
}

/**
 * `providerMetadata['resilient-llm']`: source (and `degraded`), provider, model, request id, duration, usage
 * summed over the call, the degraded-answer warning (or null) and every attempt record.
 */
export function toProviderMetadata(result: CallResult): SharedV3ProviderMetadata {
  const attempts: AttemptRecord[] = result.attempts;
  return {
    [PROVIDER_KEY]: toJsonValue({
      source: result.source,
      degraded: result.source !== 'primary',
      provider: result.provider ?? null,
      model: result.model ?? null,
      requestId: result.requestId,
      durationMs: result.durationMs,
      usage: result.usage ?? null,
      warning: degradedWarning(result)?.message ?? null,
      attempts,
    }) as JSONObject,
  };
}

const SOURCE_WORDS = {
  cache: 'a cached answer',
  simplified: 'the simplified prompt',
  fallback: 'the static fallback',
} as const;

/** A warning when the answer is degraded (cache, simplified prompt, fallback); none for a primary answer. */
export function degradedWarning(result: CallResult): (SharedV3Warning & { type: 'other' }) | undefined {
  if (result.source === 'primary') return undefined;
  const failed = new Set(result.attempts.filter((a) => a.outcome !== 'success').map((a) => a.provider));
  return {
    type: 'other',
    message:
      `resilient-llm: the answer is ${SOURCE_WORDS[result.source]} (source '${result.source}'): ` +
      `${result.source === 'simplified' ? 'no provider answered the original prompt' : 'no provider answered'}` +
      `${failed.size > 0 ? ` (${[...failed].join(', ')} failed)` : ''}.`,
  };
}

/** The content of a V3 generate result: the text (when any), then the tool calls. */
export function toV3Content(result: CallResult, json: boolean): LanguageModelV3Content[] {
  const content: LanguageModelV3Content[] = [];
  const text = answerText(result, json);
  if (text !== '') content.push({ type: 'text', text });
  for (const call of result.toolCalls) content.push(toV3ToolCall(call));
  return content;
}
