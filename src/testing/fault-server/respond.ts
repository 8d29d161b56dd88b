/**
 * Writes one response: a normal answer, an HTTP error, or one of the misbehaviours (hang, reset, truncated
 * body, slow first token, stall, mid-stream error event), as JSON or SSE.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../../clock.js';
import { sleep } from '../../clock.js';
import { errorResponse, HTTP_ERROR_KINDS } from './bodies.js';
import type { Fault, WireName } from './types.js';
import type { WireEncoder } from './wire.js';

/** Everything needed to answer one request. */
export interface ResponsePlan {
  fault: Fault | undefined;
  wire: WireName;
  stream: boolean;
  model: string;
  /** Id the server puts in `x-request-id` / `request-id` response headers. */
  serverRequestId: string;
  encoder: WireEncoder;
  deltas: readonly string[];
  latencyMs: number;
  deltaDelayMs: number;
  /** Extra headers on a successful answer. */
  headers?: Readonly<Record<string, string>>;
  /** Aborts when the client goes away or the server closes. */
  signal: AbortSignal;
  clock: Clock;
}

function pause(plan: ResponsePlan, ms: number): Promise<void> {
  return ms > 0 ? sleep(plan.clock, ms, plan.signal) : Promise.resolve();
}

/** Resolves (never rejects) when `signal` aborts: how a hung response waits. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function idHeaders(plan: ResponsePlan): Record<string, string> {
  const ids: Record<string, string> =
    plan.wire === 'messages'
      ? { 'request-id': plan.serverRequestId }
      : { 'x-request-id': plan.serverRequestId, 'openai-version': '2020-10-01' };
  return plan.headers === undefined ? ids : { ...plan.headers, ...ids };
}

async function sendJson(
  res: ServerResponse,
  plan: ResponsePlan,
  kind: Fault['kind'] | undefined,
): Promise<void> {
  if (kind === 'slow_first_token') await pause(plan, plan.fault?.delayMs ?? 100);
  const full = Buffer.from(JSON.stringify(plan.encoder.json()));
  const cut = full.subarray(0, Math.floor(full.length / 2));
  if (kind === 'truncated_json') {
    res.writeHead(200, {
      ...idHeaders(plan),
      'content-type': 'application/json',
      'content-length': cut.length,
    });
    res.end(cut);
    return;
  }
  res.writeHead(200, {
    ...idHeaders(plan),
    'content-type': 'application/json',
    'content-length': full.length,
  });
  if (kind === 'stall') {
    res.write(cut);
    await untilAborted(plan.signal);
    return;
  }
  res.end(full);
}

async function sendStream(
  res: ServerResponse,
  plan: ResponsePlan,
  kind: Fault['kind'] | undefined,
): Promise<void> {
  res.writeHead(200, {
    ...idHeaders(plan),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const frame of plan.encoder.start()) res.write(frame);
  if (kind === 'slow_first_token') await pause(plan, plan.fault?.delayMs ?? 100);
  const cuts = kind === 'sse_error' || kind === 'stall' || kind === 'truncated_json';
  const toolCut = cuts ? plan.fault?.afterToolFrames : undefined;
  // With `afterToolFrames`, the fault comes within the tool calls, after the whole text.
  const breakAt = cuts && toolCut === undefined ? (plan.fault?.afterDeltas ?? 2) : -1;
  for (const [index, text] of plan.deltas.entries()) {
    if (index === breakAt) break;
    if (index > 0) await pause(plan, plan.deltaDelayMs);
    if (plan.signal.aborted) return;
    res.write(plan.encoder.delta(text));
  }
  const end = plan.encoder.end();
  if (cuts) {
    if (toolCut !== undefined) {
      for (const frame of end.closeText) res.write(frame);
      for (const frame of end.tools.slice(0, toolCut)) res.write(frame);
    }
    await breakStream(res, plan, kind);
    return;
  }
  for (const frame of [...end.closeText, ...end.tools, ...end.finish]) res.write(frame);
  res.end();
}

/** The fault that cuts a stream: silence, an error event, or a frame cut in half. */
async function breakStream(res: ServerResponse, plan: ResponsePlan, kind: Fault['kind'] | undefined) {
  if (kind === 'stall') {
    await untilAborted(plan.signal);
    return;
  }
  if (kind === 'sse_error') {
    res.end(plan.encoder.error());
    return;
  }
  const frame = plan.encoder.delta('cut');
  res.end(frame.slice(0, Math.floor(frame.length / 2)));
}

/** Answers one request according to its plan. Settles when the response is done or the client is gone. */
export async function respond(res: ServerResponse, plan: ResponsePlan): Promise<void> {
  try {
    await pause(plan, plan.latencyMs);
    const kind = plan.fault?.kind;
    if (kind === 'down') {
      const socket = res.socket as (Socket & { resetAndDestroy?: () => void }) | null;
      if (socket?.resetAndDestroy) socket.resetAndDestroy();
      else socket?.destroy();
      return;
    }
    if (kind === 'hang') {
      await untilAborted(plan.signal);
      return;
    }
    if (plan.fault && (HTTP_ERROR_KINDS.has(plan.fault.kind) || (kind === 'sse_error' && !plan.stream))) {
      const error = errorResponse(plan.fault, plan.wire, plan.model, plan.serverRequestId, plan.clock.now());
      const text = JSON.stringify(error.body);
      res.writeHead(error.status, { ...error.headers, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    await (plan.stream ? sendStream(res, plan, kind) : sendJson(res, plan, kind));
  } catch (error) {
    // A pause rejects only when the client went away or the server is closing: nothing left to answer.
    if (!plan.signal.aborted) throw error;
  }
}
