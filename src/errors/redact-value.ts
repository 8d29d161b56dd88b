/**
 * A redacted copy of a thrown value, for the `cause` an {@link LLMError} keeps: what `util.inspect(err)`,
 * `console.error(err)` and loggers that walk `cause` print. Errors keep their prototype (so `instanceof`
 * and the printed class name still work), their own fields and their `stack` (redacted when first read);
 * every string is passed through `redactSecrets`; plain objects and arrays are copied the same way; `Headers`
 * become a scrubbed `Headers`; `Date`s are kept; anything else (class instances such as a `Response`, a `Map`,
 * functions) is replaced by a `[ClassName]` marker. Bounded: depth, keys, array items and string length are
 * capped, and cycles are preserved. Never throws: a field whose getter throws is left out.
 */
import { redactSecrets } from './redact.js';

/** How deep the copy goes. */
export const MAX_COPY_DEPTH = 6;
/** Values copied at most, in total. */
export const MAX_COPY_NODES = 2_000;
/** Strings are cut to this many characters. */
export const MAX_COPY_STRING = 65_536;
const MAX_ITEMS = 100;

const BRAND = Symbol.for('resilient-llm.LLMError');
const copies = new WeakMap<object, unknown>();

interface Budget {
  nodes: number;
  seen: Map<object, unknown>;
}

/** A redacted copy of `value` (see the module comment). Copies of the same object are reused. */
export function redactedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return copyValue(value, { nodes: 0, seen: new Map() }, 0);
  const cached = copies.get(value);
  if (cached !== undefined) return cached;
  const copy = copyValue(value, { nodes: 0, seen: new Map() }, 0);
  copies.set(value, copy);
  return copy;
}

function copyString(text: string): string {
  return redactSecrets(text.length > MAX_COPY_STRING ? `${text.slice(0, MAX_COPY_STRING)}…` : text);
}

function copyValue(value: unknown, budget: Budget, depth: number): unknown {
  try {
    return copyNode(value, budget, depth);
  } catch {
    return '[unreadable]'; // a hostile Proxy or getter
  }
}

function copyNode(value: unknown, budget: Budget, depth: number): unknown {
  if (typeof value === 'string') return copyString(value);
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  const earlier = budget.seen.get(value);
  if (earlier !== undefined) return earlier;
  if (depth > MAX_COPY_DEPTH || ++budget.nodes > MAX_COPY_NODES) return '[too deep]';
  if ((value as Record<symbol, unknown>)[BRAND] === true) return value; // an LLMError is redacted already
  if (value instanceof Date) return value;
  if (typeof Headers !== 'undefined' && value instanceof Headers) {
    const headers = new Headers();
    value.forEach((text, name) => {
      headers.set(name, copyString(text));
    });
    return headers;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    budget.seen.set(value, out);
    for (const item of value.slice(0, MAX_ITEMS)) out.push(copyValue(item, budget, depth + 1));
    if (value.length > MAX_ITEMS) out.push(`[${value.length - MAX_ITEMS} more]`);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  const isError = value instanceof Error;
  if (!isError && proto !== Object.prototype && proto !== null) return `[${className(proto)}]`;
  const out = Object.create(proto as object | null) as Record<string, unknown>;
  budget.seen.set(value, out);
  copyFields(value as Record<string, unknown>, out, budget, depth);
  return out;
}

function copyFields(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  budget: Budget,
  depth: number,
) {
  const keys = Object.getOwnPropertyNames(from).slice(0, MAX_ITEMS);
  for (const key of keys) {
    if (key === 'stack' && from instanceof Error) {
      lazyStack(from, to);
      continue;
    }
    let item: unknown;
    let enumerable = true;
    try {
      enumerable = Object.getOwnPropertyDescriptor(from, key)?.enumerable ?? true;
      item = from[key];
    } catch {
      continue;
    }
    const copy = copyValue(item, budget, depth + 1);
    if (copy === undefined && typeof item === 'function') continue;
    Object.defineProperty(to, key, { value: copy, enumerable, writable: true, configurable: true });
  }
}

/**
 * The copy's `stack`, redacted when first read. Reading an error's stack formats it (with source maps on,
 * a few hundred µs per error), and most classified errors are never printed: the copy reads it only when
 * someone does. The raw error stays reachable from this getter's closure alone, never as a property.
 */
function lazyStack(from: Error, to: Record<string, unknown>): void {
  let value: unknown;
  let read = false;
  Object.defineProperty(to, 'stack', {
    get() {
      if (!read) {
        read = true;
        try {
          const stack: unknown = from.stack;
          value = typeof stack === 'string' ? copyString(stack) : undefined;
        } catch {
          value = undefined; // a hostile getter
        }
      }
      return value;
    },
    set(next: unknown) {
      read = true;
      value = next;
    },
    enumerable: false,
    configurable: true,
  });
}

function className(proto: unknown): string {
  try {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name.length > 0 ? name : 'Object';
  } catch {
    return 'Object';
  }
}
