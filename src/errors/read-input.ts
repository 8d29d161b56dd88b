/**
 * Turns whatever was thrown or received into a {@link Payload}: HTTP status, headers, body, the thrown
 * error's names (own `name` and class chain, since openai-node errors keep the default `name`), message
 * and system error code. Reads SDK errors (openai v6, @anthropic-ai/sdk v1, Vercel AI SDK `APICallError`,
 * AWS SDK v3, @google/genai), fetch-like `{ status, headers, body }`, axios-like `{ response }` and bare
 * bodies. Every property read is guarded, so throwing getters and proxies only hide that property.
 */
import { type HeaderMap, toHeaderMap } from './header-map.js';

/** What is known about the input before looking at its body. */
export interface Payload {
  /** HTTP status, when the input carries one. */
  status?: number;
  /** Response headers, lower-cased (empty when none). */
  headers: HeaderMap;
  /** The body, error body or stream payload to read with `readBody`. */
  body?: unknown;
  /** `name` and constructor names up the prototype chain. */
  names: string[];
  /** Message of a thrown error. */
  message?: string;
  /** System error code (`ECONNRESET`, `UND_ERR_CONNECT_TIMEOUT`, ...) of the error or its causes. */
  errno?: string;
  /** Whether the input is an Error (or shaped like one). */
  isError: boolean;
}

type Obj = Record<string | symbol, unknown>;
const isObj = (value: unknown): value is Obj =>
  (typeof value === 'object' || typeof value === 'function') && value !== null;

/** Reads `value[key]`, or undefined when the value is not an object or the read throws. */
export function prop(value: unknown, key: string): unknown {
  if (!isObj(value)) return undefined;
  try {
    return value[key];
  } catch {
    return undefined;
  }
}

function toStatus(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function classNames(value: Obj): string[] {
  const names: string[] = [];
  const own = prop(value, 'name');
  if (typeof own === 'string') names.push(own);
  try {
    let proto: unknown = Object.getPrototypeOf(value);
    for (let depth = 0; isObj(proto) && depth < 8; depth++) {
      const name = prop(prop(proto, 'constructor'), 'name');
      if (typeof name === 'string' && name !== 'Object' && !names.includes(name)) names.push(name);
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // A proxy refusing getPrototypeOf: the own name is all we know.
  }
  return names;
}

const ERRNO = /^(?:E[A-Z]{2,}|UND_ERR_[A-Z_]+)$/;

function errnoOf(value: unknown): string | undefined {
  let current = value;
  for (let depth = 0; depth < 4 && isObj(current); depth++) {
    const code = prop(current, 'code');
    if (typeof code === 'string' && ERRNO.test(code)) return code;
    const first = prop(prop(current, 'errors'), '0');
    const nested = prop(first, 'code');
    if (typeof nested === 'string' && ERRNO.test(nested)) return nested;
    current = prop(current, 'cause');
  }
  return undefined;
}

function firstDefined(value: Obj, keys: readonly string[]): unknown {
  for (const key of keys) {
    const found = prop(value, key);
    if (found !== undefined && found !== null) return found;
  }
  return undefined;
}

/** JSON embedded in an error message, as @google/genai writes it: `got status: UNAVAILABLE. {...}`. */
function embeddedJson(message: string): string | undefined {
  const start = message.indexOf('{');
  return start >= 0 && start < 200 ? message.slice(start) : undefined;
}

/** Reads the input (see the module comment). Never throws. */
export function readInput(input: unknown): Payload {
  if (typeof input === 'string') return { headers: new Map(), body: input, names: [], isError: false };
  if (!isObj(input)) return { headers: new Map(), names: [], isError: false };
  const names = classNames(input);
  const message = prop(input, 'message');
  const isError =
    names.includes('Error') ||
    names.includes('DOMException') ||
    (typeof message === 'string' && typeof prop(input, 'stack') === 'string');
  const response = prop(input, 'response');
  const source = isObj(response) && toStatus(prop(response, 'status')) !== undefined ? response : input;
  const status =
    toStatus(prop(source, 'status')) ??
    toStatus(prop(source, 'statusCode')) ??
    toStatus(prop(prop(source, '$metadata'), 'httpStatusCode'));
  const payload: Payload = {
    headers: toHeaderMap(firstDefined(source, ['headers', 'responseHeaders'])),
    names,
    isError,
  };
  if (status !== undefined) payload.status = status;
  if (typeof message === 'string') payload.message = message;
  const errno = errnoOf(input);
  if (errno !== undefined) payload.errno = errno;
  const hasBodyKey = ['body', 'headers', 'responseBody', 'data'].some(
    (key) => prop(source, key) !== undefined,
  );
  let body: unknown;
  if (isError) {
    body = firstDefined(source, ['error', 'responseBody', 'data', 'body']);
    if (body === undefined && typeof message === 'string' && status !== undefined)
      body = embeddedJson(message);
    if (body === undefined && typeof message === 'string' && names.some((n) => n.endsWith('Exception'))) {
      body = { message };
    }
  } else {
    body = source !== input || hasBodyKey ? firstDefined(source, ['body', 'responseBody', 'data']) : input;
  }
  if (body !== undefined) payload.body = body;
  return payload;
}
