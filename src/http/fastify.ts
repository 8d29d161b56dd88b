/**
 * Fastify error handler. Fastify is not imported: the handler reads a structural subset of its request
 * and reply.
 */
import { firstId, type HttpErrorOptions, pathOf, resolveHttpErrorOptions } from './options.js';
import { answerError } from './to-http-error.js';

/** The parts of a Fastify request the handler reads. */
export interface FastifyLikeRequest {
  url: string;
  /** Fastify's own request id. */
  id?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The parts of a Fastify reply the handler writes. */
export interface FastifyLikeReply {
  readonly sent: boolean;
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload: string): FastifyLikeReply;
}

/** A Fastify error handler: `app.setErrorHandler(fastifyErrorHandler())`. */
export type FastifyErrorHandler = (
  err: unknown,
  request: FastifyLikeRequest,
  reply: FastifyLikeReply,
) => void;

/**
 * Error handler answering with {@link toHttpError}'s mapping. Calls `options.onError` with the path (no
 * query string) and the `x-request-id` header (else Fastify's `request.id`). When the reply was already
 * sent, it only reports the error.
 * @throws TypeError when `options` are invalid (at creation, not per request).
 */
export function fastifyErrorHandler(options?: HttpErrorOptions): FastifyErrorHandler {
  const resolved = resolveHttpErrorOptions(options);
  return function resilientLlmErrorHandler(err, request, reply) {
    const http = answerError(err, resolved, {
      path: pathOf(request.url),
      requestId: firstId(request.headers['x-request-id'], request.id),
    });
    if (reply.sent) return;
    reply.code(http.status);
    for (const [name, value] of Object.entries(http.headers)) reply.header(name, value);
    reply.send(JSON.stringify(http.body));
  };
}
