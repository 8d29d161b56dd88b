/**
 * Turns anything an actor holds (context, events, outputs, errors) into bounded, redacted JSON before it
 * leaves the process: credentials by key, by value (every registered key) and by pattern — text goes through
 * the one `redactSecrets` — message contents unless the user opts in, errors
 * serialized explicitly (JSON turns an `Error` into `{}`), cycles, depth, long arrays and strings cut.
 */
import { REDACTED, redactSecrets } from '../errors/redact.js';

/** What replaces a secret value (the same marker as in error messages). */
export const SECRET = REDACTED;

/** How {@link toSafeJson} treats values. */
export interface SafeJsonOptions {
  /** Keep message contents, answers and prompts. */
  includeContent: boolean;
  /** Extra keys whose values are always replaced by {@link SECRET}. */
  redactKeys: ReadonlyArray<string | RegExp>;
}

const SECRET_KEY =
  /^(api[-_]?key|x-api-key|x-goog-api-key|authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token|token|bearer|private[-_]?key)$/i;
/** Keys that hold what users wrote or what models answered. */
const CONTENT_KEY = /^(content|text|lastText|data|system|prompt|lastValidation|output_text|delta)$/;

const MAX_DEPTH = 8;
const MAX_ARRAY = 100;
const MAX_KEYS = 100;
const MAX_STRING = 2_000;

function isSecretKey(key: string, options: SafeJsonOptions): boolean {
  if (SECRET_KEY.test(key)) return true;
  for (const extra of options.redactKeys) {
    if (typeof extra === 'string' ? extra.toLowerCase() === key.toLowerCase() : extra.test(key)) return true;
  }
  return false;
}

function safeString(text: string): string {
  const bounded = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text;
  return redactSecrets(bounded);
}

function hiddenContent(value: unknown): string {
  return typeof value === 'string' ? `[content: ${value.length} chars]` : '[content]';
}

/** An `Error` as plain JSON: name, redacted message, and the known fields of an `LLMError`. */
export function errorToJson(error: Error, options: SafeJsonOptions): Record<string, unknown> {
  const json: Record<string, unknown> = { name: error.name, message: safeString(error.message) };
  for (const key of ['type', 'code', 'status', 'provider', 'model', 'retryable', 'retryAfterMs']) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'function') json[key] = toSafeJson(value, options);
  }
  return json;
}

/**
 * A JSON-safe, redacted copy of `value`. Functions are dropped; actor references become `{ actor: id }`;
 * `Map`/`Set`/`Date` become objects, arrays and ISO text.
 */
export function toSafeJson(value: unknown, options: SafeJsonOptions): unknown {
  return walk(value, options, 0, new WeakSet());
}

function walk(value: unknown, options: SafeJsonOptions, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return safeString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined; // undefined, functions, symbols
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorToJson(value, options);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return '[AbortSignal]';
    if ('sessionId' in value && typeof (value as { send?: unknown }).send === 'function') {
      return { actor: String((value as { id?: unknown }).id ?? (value as { sessionId: unknown }).sessionId) };
    }
    if (value instanceof Map) return walkEntries([...value.entries()], options, depth, seen);
    if (Array.isArray(value) || value instanceof Set) {
      const items = [...value];
      const out = items.slice(0, MAX_ARRAY).map((item) => walk(item, options, depth + 1, seen) ?? null);
      if (items.length > MAX_ARRAY) out.push(`[${items.length - MAX_ARRAY} more]`);
      return out;
    }
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
    return walkEntries(Object.entries(value), options, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function walkEntries(
  entries: Array<[unknown, unknown]>,
  options: SafeJsonOptions,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [rawKey, item] of entries) {
    if (count++ >= MAX_KEYS) {
      out['…'] = `${entries.length - MAX_KEYS} more keys`;
      break;
    }
    const key = String(rawKey);
    if (isSecretKey(key, options)) out[key] = SECRET;
    else if (!options.includeContent && CONTENT_KEY.test(key) && item !== null && item !== undefined)
      out[key] = hiddenContent(item);
    else {
      const safe = walk(item, options, depth + 1, seen);
      if (safe !== undefined) out[key] = safe;
    }
  }
  return out;
}
