/**
 * What both call paths (the statechart and the fast path) do with a provider's answer: judge it (a tool-call
 * answer is valid without text; the schema checks the text, or the input of the tool `schemaTarget` names),
 * copy its model and usage into the attempt record, and sum usage over the attempts of a call.
 */
import type { AttemptRecord, CallOutput } from '../../machines/request-types.js';
import type { ProviderResult, ToolCall, Usage } from '../types.js';
import { type ValidationLimits, type ValidationResult, validateAnswer } from '../validation/validate.js';
import type { CallRequest } from './call-request.js';

/**
 * Fills in the parts of an attempt record an answer reports, its usage and model, on `record` itself (one
 * object per attempt); returns `record`.
 */
export function withAttemptDetails<R extends Pick<AttemptRecord, 'model' | 'usage'>>(
  record: R,
  answer: { model?: string | undefined; usage?: Usage | undefined },
): R {
  if (answer.model !== undefined) record.model = answer.model;
  if (answer.usage !== undefined) record.usage = answer.usage;
  return record;
}

/**
 * Judges an answer against the call's schema. Without a schema every answer is valid (`data` is the text).
 * With `schemaTarget: 'tool:<name>'` the schema checks that tool's input (an answer without that call is
 * invalid); with `'text'` it checks the text, and an answer that only calls tools is valid (`data` undefined).
 */
export function judgeAnswer(
  answer: { text: string; toolCalls?: ToolCall[] | undefined },
  call: Pick<CallRequest, 'schema' | 'schemaTarget'>,
  provider: string | undefined,
  limits: ValidationLimits,
): ValidationResult {
  const { schema, schemaTarget } = call;
  if (schema === undefined) return validateAnswer(answer.text, schema, provider, limits);
  const toolCalls = answer.toolCalls ?? [];
  if (schema !== undefined && schemaTarget?.startsWith('tool:')) {
    const name = schemaTarget.slice('tool:'.length);
    const target = toolCalls.find((c) => c.name === name);
    const text = target === undefined ? '' : JSON.stringify(target.input ?? null);
    return validateAnswer(text, schema, provider, limits);
  }
  if (schema !== undefined && toolCalls.length > 0 && answer.text.trim() === '') {
    return { ok: true, data: undefined };
  }
  return validateAnswer(answer.text, schema, provider, limits);
}

/** Usage summed over every attempt that reported it; undefined when none did. */
export function sumUsage(attempts: readonly AttemptRecord[]): Usage | undefined {
  let total: Usage | undefined;
  for (const { usage } of attempts) {
    if (usage === undefined) continue;
    total ??= {};
    if (usage.inputTokens !== undefined) total.inputTokens = (total.inputTokens ?? 0) + usage.inputTokens;
    if (usage.outputTokens !== undefined) total.outputTokens = (total.outputTokens ?? 0) + usage.outputTokens;
  }
  return total;
}

/** The attempt's output for the statechart: the answer's text and what the provider reported with it. */
export function callOutputOf(result: ProviderResult, at: number): CallOutput {
  const out: CallOutput = { text: result.text, at };
  if (result.model !== undefined) out.model = result.model;
  if (result.usage !== undefined) out.usage = result.usage;
  if (result.toolCalls !== undefined) out.toolCalls = result.toolCalls;
  if (result.finishReason !== undefined) out.finishReason = result.finishReason;
  return out;
}
