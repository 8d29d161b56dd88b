/**
 * `resilient-llm/http`: map errors to HTTP answers for API consumers, with adapters for Express, Hono and
 * Fastify (none of which is imported at runtime).
 */

export { errorResponse } from './error-response.js';
export type { ExpressErrorHandler, ExpressLikeRequest, ExpressLikeResponse } from './express.js';
export { expressErrorHandler } from './express.js';
export type { FastifyErrorHandler, FastifyLikeReply, FastifyLikeRequest } from './fastify.js';
export { fastifyErrorHandler } from './fastify.js';
export type { HonoErrorHandler, HonoLikeContext } from './hono.js';
export { honoErrorHandler } from './hono.js';
export type { HttpErrorLogFields, HttpErrorOptions, ResolvedHttpErrorOptions } from './options.js';
export { defaultHttpErrorOptions, httpErrorOptionsSchema, resolveHttpErrorOptions } from './options.js';
export type { HttpError, HttpErrorBody, HttpErrorContext } from './to-http-error.js';
export { defaultHttpStatus, safeErrorMessages, toHttpError } from './to-http-error.js';
