/**
 * The rate-limit headers of a successful answer, for the routing admission (see `src/routing/admission.ts`).
 * The official `openai` and `@anthropic-ai/sdk` clients return an `APIPromise` whose `withResponse()` also
 * gives the raw `Response`; clients without it (structural fakes) simply report no headers.
 */
import { type RateLimitInfo, rateLimitFromHeaders } from '../errors/rate-limit-headers.js';
import type { ProviderResult } from '../types.js';

interface WithResponse {
  withResponse(): PromiseLike<{ data: unknown; response: { headers: unknown } }>;
}

const hasWithResponse = (value: unknown): value is WithResponse =>
  typeof value === 'object' && value !== null && typeof (value as WithResponse).withResponse === 'function';

/** Awaits an SDK call: its parsed payload, and the rate-limit headers of its HTTP answer when the SDK shows them. */
export async function payloadWithRateLimit(
  call: PromiseLike<unknown>,
): Promise<{ payload: unknown; rateLimit: RateLimitInfo | undefined }> {
  if (!hasWithResponse(call)) return { payload: await call, rateLimit: undefined };
  const { data, response } = await call.withResponse();
  return { payload: data, rateLimit: rateLimitFromHeaders(response?.headers) };
}

/** `result` with `rateLimit` set when there is one. */
export function withRateLimit(result: ProviderResult, rateLimit: RateLimitInfo | undefined): ProviderResult {
  if (rateLimit !== undefined) result.rateLimit = rateLimit;
  return result;
}
