/**
 * Options shared by `toHttpError`, `errorResponse` and the framework adapters, validated once with zod,
 * plus the logging hook they all call.
 */
import { z } from 'zod';
import { LLM_ERROR_TYPES, type LLMErrorType } from '../errors/llm-error.js';

/** What the {@link HttpErrorOptions.onError} hook receives for every error an adapter answers. */
export interface HttpErrorLogFields {
  /** Taxonomy type (`unknown` for anything that is not an `LLMError`). */
  type: LLMErrorType;
  /** Provider that failed, when known. */
  provider: string | undefined;
  /** Model that failed, when known. */
  model: string | undefined;
  /** Whether the same provider may succeed on retry. */
  retryable: boolean;
  /** HTTP status of the mapped response (not sent when the response had already started). */
  status: number;
  /** Request path, without the query string (which may hold secrets), redacted. */
  path?: string;
  /** The `x-request-id` header, else the framework's own request id. */
  requestId?: string;
  /** The error's finer reason, e.g. `circuit_open`, `insufficient_quota`. */
  code?: string;
  /** Wait the error asked for, in ms. */
  retryAfterMs?: number;
  /**
   * The thrown value, for the server's own logs only (never sent to the client): an `LLMError` as is (it is
   * redacted at construction), anything else as a redacted copy (`redactedCopy`) so a logger that prints it
   * prints no key.
   */
  error: unknown;
}

/** Options of `toHttpError`, `errorResponse` and the adapters. */
export interface HttpErrorOptions {
  /** Status overrides per taxonomy type, e.g. `{ authentication: 401 }` (the default is 502). Values 400–599. @default {} */
  statusFor?: Partial<Record<LLMErrorType, number>>;
  /** Client-facing message overrides per type (they must be safe: they are sent as is). @default {} */
  messages?: Partial<Record<LLMErrorType, string>>;
  /**
   * Logging hook, called once per error by `errorResponse` and every adapter (not by the pure `toHttpError`).
   * Whatever it throws is swallowed so the client still gets its answer.
   * @default undefined
   */
  onError?: ((fields: HttpErrorLogFields) => void) | undefined;
}

/** The defaults of {@link HttpErrorOptions}. */
export const defaultHttpErrorOptions = {
  statusFor: {},
  messages: {},
  onError: undefined,
} satisfies Required<HttpErrorOptions>;

/** Validated options with defaults filled in. */
export type ResolvedHttpErrorOptions = Readonly<Required<HttpErrorOptions>>;

const statusRange = 'statusFor values must be HTTP error statuses (400–599)';
const errorType = z.enum(LLM_ERROR_TYPES, { error: `keys must be one of: ${LLM_ERROR_TYPES.join(', ')}` });

/** Zod schema of {@link HttpErrorOptions}. */
export const httpErrorOptionsSchema = z.strictObject({
  statusFor: z
    .partialRecord(
      errorType,
      z
        .int({ error: 'statusFor values must be integers' })
        .min(400, { error: statusRange })
        .max(599, { error: statusRange }),
    )
    .default({}),
  messages: z
    .partialRecord(errorType, z.string().min(1, { error: 'messages must not be empty' }))
    .default({}),
  onError: z
    .custom<(fields: HttpErrorLogFields) => void>((v) => typeof v === 'function', {
      error: 'onError must be a function',
    })
    .optional(),
});

const resolved = new WeakMap<HttpErrorOptions, ResolvedHttpErrorOptions>();
const defaults: ResolvedHttpErrorOptions = Object.freeze({ ...defaultHttpErrorOptions });

/**
 * Validates options (once per options object: results are memoised) and fills defaults.
 * @throws TypeError naming the field, e.g. `Invalid HTTP error options: ✖ ... → at statusFor.timeout`.
 */
export function resolveHttpErrorOptions(options?: HttpErrorOptions): ResolvedHttpErrorOptions {
  if (options === undefined) return defaults;
  const cached = resolved.get(options);
  if (cached) return cached;
  const parsed = httpErrorOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`Invalid HTTP error options: ${z.prettifyError(parsed.error)}`);
  const value: ResolvedHttpErrorOptions = Object.freeze({ ...parsed.data, onError: parsed.data.onError });
  resolved.set(options, value);
  return value;
}

/** Calls the logging hook, if any, swallowing whatever it throws. */
export function reportHttpError(options: ResolvedHttpErrorOptions, fields: HttpErrorLogFields): void {
  if (!options.onError) return;
  try {
    options.onError(fields);
  } catch {
    // A broken logger must not stop the client from getting its error response.
  }
}

/** The path of a URL or request target, without query string or fragment. */
export function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const cut = url.search(/[?#]/);
  const target = cut === -1 ? url : url.slice(0, cut);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return new URL(target).pathname;
  return target;
}

/** First non-empty string among header values and fallback ids. */
export function firstId(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    const value = Array.isArray(candidate) ? candidate[0] : candidate;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}
