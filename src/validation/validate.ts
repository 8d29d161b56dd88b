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

/** Limits of {@link validateAnswer}. */
export interface ValidationLimits {
  /** Longest answer (UTF-8 bytes) that is parsed; a longer one is `invalid_response` unread. @default 1_048_576 (1 MiB) */
  maxOutputBytes?: number;
}

/** Defaults of {@link ValidationLimits}. */
export const defaultValidationLimits = { maxOutputBytes: 1_048_576 } satisfies Required<ValidationLimits>;

/** UTF-8 length of `text`, or `limit + 1` as soon as it is known to exceed `limit` (without encoding). */
function utf8LengthUpTo(text: string, limit: number): number {
  // A UTF-16 unit is at least one UTF-8 byte and at most three.
  if (text.length > limit) return limit + 1;
  if (text.length * 3 <= limit) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Checks `text` against `schema`. Without a schema every answer is valid and `data` is the text itself.
 * With one, an answer longer than `limits.maxOutputBytes` is invalid without being parsed (code
 * `output_too_large`). Never throws: deep nesting that overflows the stack is reported as invalid output.
 */
export function validateAnswer(
  text: string,
  schema: z.ZodType | undefined,
  provider?: string,
  limits: ValidationLimits = defaultValidationLimits,
): ValidationResult {
  if (!schema) return { ok: true, data: text };
  const maxBytes = limits.maxOutputBytes ?? defaultValidationLimits.maxOutputBytes;
  if (utf8LengthUpTo(text, maxBytes) > maxBytes) {
    const message = `The answer is longer than ${maxBytes} bytes (validation.maxOutputBytes); it was not parsed.`;
    return invalid(message, provider, 'output_too_large');
  }
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

function invalid(message: string, provider: string | undefined, code = 'schema_mismatch'): ValidationResult {
  const validation =
    message.length > MAX_FEEDBACK_CHARS ? `${message.slice(0, MAX_FEEDBACK_CHARS)}…` : message;
  return {
    ok: false,
    validation,
    error: new LLMError({ type: 'invalid_response', message: validation, provider, code }),
  };
}
