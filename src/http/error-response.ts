/**
 * A standard Web `Response` for an error: for fetch-style handlers (Hono, Next.js route handlers, Bun,
 * Deno, Cloudflare Workers) and anything else that speaks `Request`/`Response`.
 */
import { firstId, type HttpErrorOptions, pathOf, resolveHttpErrorOptions } from './options.js';
import { answerError } from './to-http-error.js';

/**
 * A `Response` carrying {@link toHttpError}'s status, headers and JSON body. Calls `options.onError`; pass
 * the incoming `request` so the hook gets its path and `x-request-id`.
 * @throws TypeError when `options` are invalid.
 */
export function errorResponse(err: unknown, options?: HttpErrorOptions, request?: Request): Response {
  const resolved = resolveHttpErrorOptions(options);
  const http = answerError(err, resolved, {
    path: request ? pathOf(request.url) : undefined,
    requestId: firstId(request?.headers.get('x-request-id')),
  });
  return new Response(JSON.stringify(http.body), { status: http.status, headers: http.headers });
}
