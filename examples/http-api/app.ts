/**
 * The example API as a Hono app, built from any resilient client so tests can drive it:
 * `POST /v1/answer` with `{ "question": "..." }` answers `{ answer, source, provider, attempts }`.
 * Every failure goes through `honoErrorHandler`: a status by error type, `Retry-After` when there is a
 * wait to announce, and a fixed message — never a provider's raw text or a key.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { type ResilientLLM, redactSecrets } from 'resilient-llm';
import { type HttpErrorBody, type HttpErrorLogFields, honoErrorHandler } from 'resilient-llm/http';
import { z } from 'zod';
import { answerSchema, SYSTEM_PROMPT } from './llm.js';

/** Where the app writes its logs: `console` works. */
export interface AppLogger {
  warn(message: string, fields: object): void;
  error(message: string, fields: object): void;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The resilient client that answers questions. */
  llm: ResilientLLM;
  /** Receives one line per failed request. @default console */
  logger?: AppLogger;
  /** Largest accepted request body, in bytes. @default 16_384 */
  maxBodyBytes?: number;
}

/** Defaults of {@link AppOptions}. */
export const defaultAppOptions = {
  llm: undefined as unknown as ResilientLLM,
  logger: console,
  maxBodyBytes: 16_384,
} satisfies Required<AppOptions>;

/** The request body of `POST /v1/answer`. */
export const questionSchema = z.strictObject({
  question: z
    .string('question must be a string')
    .trim()
    .min(1, 'question must not be empty')
    .max(2_000, 'question must be at most 2000 characters'),
});

/** One attempt as the API shows it: which provider, and what happened (a taxonomy type or `success`). */
export interface PublicAttempt {
  provider: string;
  outcome: string;
}

/** The success body of `POST /v1/answer`. */
export interface AnswerBody {
  answer: string;
  /** `primary` (a provider answered), `cache` or `fallback`. */
  source: string;
  /** The provider that answered (or whose cached answer was served); null for the fallback. */
  provider: string | null;
  attempts: PublicAttempt[];
}

/** A client error body in the same shape as the library's error bodies; the message is ours, safe to send. */
function invalidBody(message: string): HttpErrorBody {
  return { error: { type: 'bad_request', message, retryable: false } };
}

/** Reads and validates the body: the question, or what is wrong with the body. */
async function readQuestion(request: Request): Promise<{ question: string } | { problem: string }> {
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    return { problem: 'The request body must be JSON: {"question": "..."}.' };
  }
  const parsed = questionSchema.safeParse(json);
  if (!parsed.success) return { problem: `Invalid request body: ${z.prettifyError(parsed.error)}` };
  return { question: parsed.data.question };
}

/** The cache key of a question: the same question in other case or spacing shares the answer. */
export function cacheKeyOf(question: string): string {
  return `answer:v1:${question.toLowerCase().replace(/\s+/g, ' ')}`;
}

const noStore = { 'cache-control': 'no-store' };

/** Builds the Hono app. */
export function createApp(options: AppOptions): Hono {
  const { llm } = options;
  const logger = options.logger ?? defaultAppOptions.logger;
  const maxSize = options.maxBodyBytes ?? defaultAppOptions.maxBodyBytes;
  const onError = (fields: HttpErrorLogFields) => {
    const { error, ...rest } = fields;
    // Server-side log line: the provider's own message helps operators; keys are redacted anyway.
    const detail = error instanceof Error ? redactSecrets(error.message) : undefined;
    const level = fields.status >= 500 ? 'error' : 'warn';
    logger[level]('answer failed', { ...rest, detail });
  };
  const llmErrors = honoErrorHandler({ onError });

  const app = new Hono();
  app.use(requestId());
  const limit = bodyLimit({
    maxSize,
    onError: (c) => c.json(invalidBody(`The request body must be at most ${maxSize} bytes.`), 413, noStore),
  });
  app.post('/v1/answer', limit, async (c) => {
    const read = await readQuestion(c.req.raw);
    if ('problem' in read) return c.json(invalidBody(read.problem), 400, noStore);
    const { question } = read;
    const result = await llm.call({
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: question },
      ],
      schema: answerSchema,
      cacheKey: cacheKeyOf(question),
      signal: c.req.raw.signal,
    });
    const body: AnswerBody = {
      answer: result.data.answer, // the static fallback too: it is parsed by the schema like any answer
      source: result.source,
      provider: result.provider ?? null,
      attempts: result.attempts.map((a) => ({ provider: a.provider, outcome: a.outcome })),
    };
    return c.json(body, 200, noStore);
  });
  app.notFound((c) => c.json({ error: { type: 'not_found', message: 'Not found.', retryable: false } }, 404));
  app.onError((err, c) => {
    // Hono's own HTTP errors (e.g. a malformed request line) keep their status; everything else is mapped.
    const response = err instanceof HTTPException ? err.getResponse() : llmErrors(err, c);
    // The error response is built apart from `c`, so the request id header is copied over for support tickets.
    response.headers.set('x-request-id', c.get('requestId'));
    return response;
  });
  return app;
}
