/**
 * Validates a model's answer against the caller's zod schema. Failures become `invalid_response` errors whose
 * message (from `z.prettifyError`) is what the lifecycle re-prompts with.
 */
import { z } from 'zod';
import { LLMError } from '../errors/llm-error.js';
import { extractJson } from './extract-json.js';

/** Outcome of {@link validateAnswer}. */
export type ValidationResult =
  | { ok: true; data: unknown }
  | { ok: false; error: LLMError; validation: string };

/** Longest validation message sent back to a model in a re-prompt. */
const MAX_FEEDBACK_CHARS = 2_000;

/**
 * Checks `text` against `schema`. Without a schema every answer is valid and `data` is the text itself.
 * Never throws: deep nesting that overflows the stack is reported as invalid output.
 */
export function validateAnswer(
  text: string,
  schema: z.ZodType | undefined,
  provider?: string,
): ValidationResult {
  if (!schema) return { ok: true, data: text };
  const extracted = extractJson(text);
  if (!extracted.ok) return invalid(`The answer is not valid JSON: ${extracted.reason}`, provider);
  try {
    const parsed = schema.safeParse(extracted.value);
    if (parsed.success) return { ok: true, data: parsed.data };
    return invalid(`The JSON does not match the schema:\n${z.prettifyError(parsed.error)}`, provider);
  } catch (error) {
    const reason = error instanceof RangeError ? 'it is nested too deeply' : 'the schema check threw';
    return invalid(`The JSON could not be checked: ${reason}.`, provider);
  }
}

function invalid(message: string, provider: string | undefined): ValidationResult {
  const validation =
    message.length > MAX_FEEDBACK_CHARS ? `${message.slice(0, MAX_FEEDBACK_CHARS)}…` : message;
  return {
    ok: false,
    validation,
    error: new LLMError({ type: 'invalid_response', message: validation, provider, code: 'schema_mismatch' }),
  };
}
