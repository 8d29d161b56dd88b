/**
 * Option validation at the boundary: one zod parse, one error that names every bad field.
 */
import { z } from 'zod';

/**
 * Parses `value` with `schema`; on failure throws a `TypeError` whose message starts with `what` and lists
 * each bad field by path (`z.prettifyError`).
 */
export function parseOptions<T extends z.ZodType>(what: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new TypeError(`Invalid ${what}:\n${z.prettifyError(parsed.error)}`);
}
