/**
 * Express (4 or 5) error middleware. Express is not imported: the handler only needs Node's response API,
 * so it also works with Connect-style servers.
 */
import { firstId, type HttpErrorOptions, pathOf, resolveHttpErrorOptions } from './options.js';
import { answerError } from './to-http-error.js';

/** The parts of an Express request the handler reads. */
export interface ExpressLikeRequest {
  originalUrl?: string;
  url?: string;
  /** A request id set by middleware such as `express-request-id`. */
  id?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The parts of an Express (Node) response the handler writes. */
export interface ExpressLikeResponse {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/** An Express error-handling middleware (four parameters). */
export type ExpressErrorHandler = (
  err: unknown,
  req: ExpressLikeRequest,
  res: ExpressLikeResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Error middleware answering with {@link toHttpError}'s mapping; register it last: `app.use(expressErrorHandler())`.
 * Calls `options.onError` with the path (no query string) and `x-request-id` (else `req.id`). When the
 * response has already started (e.g. mid-stream), it reports the error and hands it to `next`, which lets
 * Express close the connection.
 * @throws TypeError when `options` are invalid (at creation, not per request).
 */
export function expressErrorHandler(options?: HttpErrorOptions): ExpressErrorHandler {
  const resolved = resolveHttpErrorOptions(options);
  return function resilientLlmErrorHandler(err, req, res, next) {
    const http = answerError(err, resolved, {
      path: pathOf(req.originalUrl ?? req.url),
      requestId: firstId(req.headers['x-request-id'], req.id),
    });
    if (res.headersSent) {
      next(err);
      return;
    }
    res.statusCode = http.status;
    for (const [name, value] of Object.entries(http.headers)) res.setHeader(name, value);
    res.end(JSON.stringify(http.body));
  };
}
