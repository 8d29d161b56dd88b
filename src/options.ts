/**
 * Option validation at the boundary: one zod parse, one error that names every bad field.
 */
import { z } from 'zod';
import { MAX_DELAY_MS } from '../machines/backoff-logic.js';
import type { Clock } from './clock.js';

/** Longest timeout an option may set: the longest delay a host timer can hold (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = MAX_DELAY_MS;

/**
 * A duration in ms that a timer will wait for: positive and at most {@link MAX_TIMER_MS}. Longer values are
 * refused (Node would fire them after 1 ms with a `TimeoutOverflowWarning`); `label` names the field.
 */
export function timerMsSchema(label: string, integer = false) {
  const base = integer
    ? z.int(`${label} must be an integer number of ms`)
    : z.number(`${label} must be a number of ms`);
  return base
    .positive(`${label} must be > 0`)
    .max(MAX_TIMER_MS, `${label} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer)`);
}

/**
 * Parses `value` with `schema`; on failure throws a `TypeError` whose message starts with `what` and lists
 * each bad field by path (`z.prettifyError`).
 */
export function parseOptions<T extends z.ZodType>(what: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new TypeError(`Invalid ${what}:\n${z.prettifyError(parsed.error)}`);
}

/** A function, kept as given. */
export const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'expected a function',
);

/**
 * An object with the given methods, kept as given (identity preserved, unlike `z.object`, which returns a copy:
 * the runtime recognises some objects, such as `systemClock`, by identity).
 */
export function methodsSchema<T>(methods: readonly string[], message: string) {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function'),
    message,
  );
}

/** A `Clock` (xstate's `SimulatedClock` is one): `now`, `setTimeout` and `clearTimeout`. */
export const clockSchema = methodsSchema<Clock>(
  ['now', 'setTimeout', 'clearTimeout'],
  'expected a Clock with now, setTimeout and clearTimeout',
);
