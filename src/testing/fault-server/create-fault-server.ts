/**
 * `createFaultServer`: a real HTTP server on 127.0.0.1 that speaks the OpenAI Chat Completions, OpenAI Responses
 * and Anthropic Messages wire formats (JSON and SSE) and injects faults from a seeded, deterministic schedule.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { resolveFaultServerOptions } from './options.js';
import { encoderFor, parseRoute, positiveIntHeader, readJsonBody, safeHeaders } from './request.js';
import { respond } from './respond.js';
import { pickFault, providerScenario } from './schedule.js';
import type { FaultContext, FaultRequestRecord, FaultServerOptions, FaultServerStats } from './types.js';
import { splitDeltas, stableId } from './wire.js';

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /**
   * Base URL for an SDK client of `provider`: `…/p/<provider>/v1` for OpenAI-style clients, `…/p/<provider>` for
   * the Anthropic SDK (which appends `/v1/messages` itself). @default sdk 'anthropic' when the id contains it
   */
  baseURL(provider: string, sdk?: 'openai' | 'anthropic'): string;
  /** Calls per provider and outcome (same as `GET /stats`). */
  stats(): FaultServerStats;
  /** Every request seen since start or the last reset, in arrival order. */
  requests(): FaultRequestRecord[];
  /** Requests being answered now: 0 once every hung request's connection was closed by its client. */
  open(): number;
  /** Clears stats, the request log and the per-request attempt counters. */
  reset(): void;
  /** Stops listening and destroys every open connection, hung ones included. */
  close(): Promise<void>;
}

const DEFAULT_TEXT = 'Hello from the fault server.';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function invalidRequest(message: string) {
  return { error: { message, type: 'invalid_request_error', param: null, code: null } };
}

/** Starts a fault server. Options are validated first; a bad one throws a `TypeError` naming it. */
export async function createFaultServer(options?: FaultServerOptions): Promise<FaultServer> {
  const { seed, scenario, port, host, clock } = resolveFaultServerOptions(options);
  const sockets = new Set<Socket>();
  const inFlight = new Set<AbortController>();
  let log: FaultRequestRecord[] = [];
  let callCounts = new Map<string, number>();
  let attemptCounts = new Map<string, number>();

  const stats = (): FaultServerStats => {
    const result: FaultServerStats = { calls: log.length, providers: {} };
    for (const record of log) {
      const entry = result.providers[record.provider] ?? { calls: 0, outcomes: {} };
      result.providers[record.provider] = entry;
      entry.calls += 1;
      entry.outcomes[record.outcome] = (entry.outcomes[record.outcome] ?? 0) + 1;
    }
    return result;
  };

  const contextOf = (
    req: IncomingMessage,
    provider: string,
    body: Record<string, unknown>,
    wire: FaultContext['wire'],
  ) => {
    const calls = (callCounts.get(provider) ?? 0) + 1;
    callCounts.set(provider, calls);
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && headerId !== '' ? headerId : String(calls);
    const key = `${provider}\u0000${requestId}`;
    const seen = (attemptCounts.get(key) ?? 0) + 1;
    attemptCounts.set(key, seen);
    const attempt = positiveIntHeader(req.headers['x-attempt'] as string | undefined) ?? seen;
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : 'unknown-model';
    const ctx: FaultContext = {
      seed,
      provider,
      requestId,
      attempt,
      wire,
      stream: body.stream === true,
      model,
    };
    return ctx;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/stats') return sendJson(res, 200, stats());
    const route = parseRoute(url.pathname);
    if (req.method !== 'POST' || route === undefined) {
      return sendJson(res, 404, invalidRequest(`Unknown request URL: ${req.method} ${url.pathname}.`));
    }
    let body: Record<string, unknown>;
    try {
      body = await readJsonBody(req);
    } catch (error) {
      return sendJson(
        res,
        400,
        invalidRequest(`We could not parse the JSON body of your request. (${String(error)})`),
      );
    }
    const headerProvider = req.headers['x-fault-provider'];
    const provider =
      route.provider ??
      (typeof headerProvider === 'string' && headerProvider !== '' ? headerProvider : undefined) ??
      (route.wire === 'messages' ? 'anthropic' : 'openai');
    const ctx = contextOf(req, provider, body, route.wire);
    const fault = pickFault(scenario, ctx);
    const { seed: _seed, ...fields } = ctx;
    log.push({ ...fields, outcome: fault?.kind ?? 'ok', headers: safeHeaders(req), body, at: clock.now() });

    const entry = providerScenario(scenario, provider);
    const text = typeof entry.text === 'function' ? entry.text(ctx) : (entry.text ?? DEFAULT_TEXT);
    const controller = new AbortController();
    inFlight.add(controller);
    res.once('close', () => controller.abort());
    const model = entry.model ?? ctx.model;
    const extraHeaders = typeof entry.headers === 'function' ? entry.headers(ctx) : entry.headers;
    const toolCalls = (typeof entry.toolCalls === 'function' ? entry.toolCalls(ctx) : entry.toolCalls) ?? [];
    try {
      await respond(res, {
        fault,
        wire: route.wire,
        stream: ctx.stream,
        model,
        serverRequestId: `req_${stableId(24, 'server', seed, provider, ctx.requestId, ctx.attempt)}`,
        encoder: encoderFor(ctx, body, text, fault?.kind === 'content_filter', model, clock.now(), toolCalls),
        deltas: fault?.kind === 'content_filter' ? [] : splitDeltas(text),
        latencyMs: entry.latencyMs ?? 0,
        deltaDelayMs: entry.deltaDelayMs ?? 0,
        ...(extraHeaders === undefined ? {} : { headers: extraHeaders }),
        signal: controller.signal,
        clock,
      });
    } finally {
      inFlight.delete(controller);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, invalidRequest(`Fault server failure: ${String(error)}`));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  return {
    url,
    port: boundPort,
    baseURL: (provider, sdk) => {
      const flavour = sdk ?? (provider.includes('anthropic') ? 'anthropic' : 'openai');
      const base = `${url}/p/${encodeURIComponent(provider)}`;
      return flavour === 'anthropic' ? base : `${base}/v1`;
    },
    stats,
    requests: () => log.map((record) => ({ ...record, headers: { ...record.headers } })),
    open: () => inFlight.size,
    reset: () => {
      log = [];
      callCounts = new Map();
      attemptCounts = new Map();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const controller of inFlight) controller.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
