/**
 * Reading an incoming request: route (provider, wire), JSON body, headers, and the answer it would get.
 */
import type { IncomingMessage } from 'node:http';
import type { FaultContext, WireName } from './types.js';
import type { WireAnswer, WireEncoder } from './wire.js';
import { estimateTokens, stableId } from './wire.js';
import { messagesEncoder } from './wire-anthropic.js';
import { chatEncoder, responsesEncoder } from './wire-openai.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie']);

/** Where a POST goes: the provider (from `/p/:provider/…`, if any) and the wire format (from the path's end). */
export interface Route {
  provider: string | undefined;
  wire: WireName;
}

/** Parses a request path; undefined when no wire format matches. */
export function parseRoute(pathname: string): Route | undefined {
  const prefixed = /^\/p\/([^/]+)(\/.*)$/.exec(pathname);
  const provider = prefixed?.[1] === undefined ? undefined : decodeURIComponent(prefixed[1]);
  const rest = prefixed?.[2] ?? pathname;
  if (rest.endsWith('/chat/completions')) return { provider, wire: 'chat' };
  if (rest.endsWith('/responses')) return { provider, wire: 'responses' };
  if (rest.endsWith('/messages')) return { provider, wire: 'messages' };
  return undefined;
}

/** Reads a JSON object body; rejects with a message on a body that is too big, not JSON or not an object. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('Request body too large.');
    chunks.push(chunk as Buffer);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Request headers, lower-cased, one value each, credentials removed. */
export function safeHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A header as a positive integer, else undefined. */
export function positiveIntHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

function promptText(body: Record<string, unknown>): string {
  return JSON.stringify([body.system ?? '', body.messages ?? body.input ?? '']);
}

const ID_PREFIX: Record<WireName, string> = { chat: 'chatcmpl-', responses: 'resp_', messages: 'msg_' };

/** Builds the encoder of the answer for a request. */
export function encoderFor(
  ctx: FaultContext,
  body: Record<string, unknown>,
  text: string,
  filtered: boolean,
  model: string,
  nowMs: number,
  toolCalls: WireAnswer['toolCalls'] = [],
): WireEncoder {
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  const answer: WireAnswer = {
    id: ID_PREFIX[ctx.wire] + stableId(24, ctx.seed, ctx.provider, ctx.requestId, ctx.attempt),
    model,
    text,
    created: Math.floor(nowMs / 1000),
    inputTokens: estimateTokens(promptText(body)),
    outputTokens: filtered ? 0 : estimateTokens(text),
    filtered,
    includeUsage: options?.include_usage === true,
    toolCalls: filtered ? [] : toolCalls,
  };
  if (ctx.wire === 'messages') return messagesEncoder(answer);
  return ctx.wire === 'responses' ? responsesEncoder(answer) : chatEncoder(answer);
}
