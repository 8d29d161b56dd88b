/**
 * Hono `onError` handler. Hono is not imported: the handler reads a structural subset of its `Context`.
 */
import { firstId, type HttpErrorOptions, resolveHttpErrorOptions } from './options.js';
import { answerError } from './to-http-error.js';

/** The parts of a Hono `Context` the handler reads. */
export interface HonoLikeContext {
  req: { path: string; header(name: string): string | undefined };
  /** Context variables; `requestId` is set by `hono/request-id`. */
  var?: object;
}

/** A Hono error handler: `app.onError(honoErrorHandler())`. */
export type HonoErrorHandler = (err: unknown, c: HonoLikeContext) => Response;

/**
 * `onError` handler answering with {@link toHttpError}'s mapping as a Web `Response`. Calls
 * `options.onError` with `c.req.path` and the `x-request-id` header (else the `requestId` variable).
 * @throws TypeError when `options` are invalid (at creation, not per request).
 */
export function honoErrorHandler(options?: HttpErrorOptions): HonoErrorHandler {
  const resolved = resolveHttpErrorOptions(options);
  return function resilientLlmOnError(err, c) {
    const variables = (c.var ?? {}) as { requestId?: unknown };
    const http = answerError(err, resolved, {
      path: c.req.path,
      requestId: firstId(c.req.header('x-request-id'), variables.requestId),
    });
    return new Response(JSON.stringify(http.body), { status: http.status, headers: http.headers });
  };
}
