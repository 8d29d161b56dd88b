/**
 * The cheap check of a plain call: string-content messages (system, user, assistant without tool calls) and
 * simple scalar fields only. It never rejects anything and has no messages of its own: it either proves the
 * call valid under the zod call schema (`call-request.ts`, the one source of the rules and their messages) and
 * builds the request zod's output would give, or answers undefined, and the call goes through zod. So both
 * validators accept the same calls and every rejection carries zod's message naming the field
 * (`test/call-validation-plain.test.ts` compares them on generated calls).
 */
import type { LLMRequest, Message } from '../types.js';

/** Fields a plain call may carry, each with the check that proves it valid (undefined is always valid). */
const FIELD_CHECKS: Record<string, (value: unknown) => boolean> = {
  messages: () => true, // checked by plainMessages
  schema: (v) => typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function',
  cacheKey: (v) => typeof v === 'string' && v.length > 0,
  signal: (v) => v instanceof AbortSignal,
  maxOutputTokens: positiveInt,
  maxTokens: positiveInt,
  temperature: (v) => typeof v === 'number' && v >= 0 && v <= 2,
  requestId: (v) => typeof v === 'string' && REQUEST_ID.test(v),
};
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
const ROLES: Record<string, true> = { system: true, user: true, assistant: true };
const hasOwn = Object.prototype.hasOwnProperty;

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Copies of the messages (as zod's output would be), or undefined when one is not a plain string message. */
function plainMessages(value: unknown): Message[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const copies: Message[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const m: unknown = value[i];
    if (!isPlainObject(m)) return undefined;
    let keys = 0;
    for (const key in m) {
      if (key !== 'role' && key !== 'content') return undefined;
      keys++;
    }
    const { role, content } = m;
    if (keys !== 2 || typeof role !== 'string' || ROLES[role] !== true || typeof content !== 'string')
      return undefined;
    copies[i] = { role, content } as Message;
  }
  return copies;
}

/**
 * The request of `value` when it is a plain call proven valid, else undefined (the caller then validates
 * with zod, which accepts or rejects it with its message).
 */
export function plainCallRequest(value: unknown): LLMRequest | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key in value) {
    if (!hasOwn.call(FIELD_CHECKS, key)) return undefined;
    const field = value[key];
    if (field !== undefined && !(FIELD_CHECKS[key] as (v: unknown) => boolean)(field)) return undefined;
  }
  const messages = plainMessages(value.messages);
  if (messages === undefined) return undefined;
  const request: LLMRequest = { messages };
  const limit = (value.maxOutputTokens ?? value.maxTokens) as number | undefined;
  if (limit !== undefined) request.maxOutputTokens = limit;
  if (value.temperature !== undefined) request.temperature = value.temperature as number;
  return request;
}
