import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createFaultServer,
  FAULT_KINDS,
  type FaultContext,
  type FaultKind,
  type FaultServer,
  pickFault,
} from '../src/testing/fault-server/index.js';
import {
  deltasOf,
  drain,
  parseSse,
  post,
  readUntil,
  requestBody,
  WIRES,
  waitForRequests,
} from './helpers/fault-fetch.js';

const isKind = (value: string): value is FaultKind => (FAULT_KINDS as readonly string[]).includes(value);

/** Every request gets the fault named before the `:` in its request id, e.g. `429:1`. */
const byRequestId = (ctx: FaultContext) => {
  const kind = ctx.requestId.split(':')[0] ?? '';
  return isKind(kind) ? { kind, retryAfterS: 7, afterDeltas: 2, delayMs: 1 } : undefined;
};

const baseCtx: FaultContext = {
  seed: 1,
  provider: 'openai',
  requestId: 'req-1',
  attempt: 1,
  wire: 'chat',
  stream: false,
  model: 'm',
};

describe('fault schedule', () => {
  const scenario = { openai: { faults: [{ kind: '500' as const, rate: 0.2 }] } };
  const outcomes = (seed: number) =>
    Array.from(
      { length: 200 },
      (_, i) => pickFault(scenario, { ...baseCtx, seed, requestId: `req-${i}` })?.kind,
    );

  it('gives the same faults for the same seed and request ids', () => {
    expect(outcomes(42)).toEqual(outcomes(42));
  });

  it('gives different faults for a different seed', () => {
    expect(outcomes(42)).not.toEqual(outcomes(43));
  });

  it('draws faults at close to the configured rate', () => {
    const hits = Array.from({ length: 5000 }, (_, i) =>
      pickFault(scenario, { ...baseCtx, requestId: `req-${i}` }),
    ).filter(Boolean).length;
    expect(hits / 5000).toBeGreaterThan(0.17);
    expect(hits / 5000).toBeLessThan(0.23);
  });

  it('applies a numeric requestIds range to the number at the end of the id', () => {
    const down = { openai: { faults: [{ kind: 'down' as const, requestIds: [700, 1299] as const }] } };
    const kindOf = (requestId: string) => pickFault(down, { ...baseCtx, requestId })?.kind;
    expect([kindOf('req-699'), kindOf('req-700'), kindOf('req-1299'), kindOf('req-1300')]).toEqual([
      undefined,
      'down',
      'down',
      undefined,
    ]);
  });

  it('limits a rule to the listed attempts and falls through to the next rule', () => {
    const firstOnly = {
      openai: {
        faults: [
          { kind: '503' as const, attempts: [1] },
          { kind: '429' as const, attempts: [3] },
        ],
      },
    };
    const kinds = [1, 2, 3].map((attempt) => pickFault(firstOnly, { ...baseCtx, attempt })?.kind);
    expect(kinds).toEqual(['503', undefined, '429']);
  });

  it('uses the "*" scenario for unlisted providers and nothing for listed ones without faults', () => {
    const scenarioWithDefault = { '*': { faults: [{ kind: 'auth' as const }] }, openai: {} };
    expect(pickFault(scenarioWithDefault, { ...baseCtx, provider: 'groq' })?.kind).toBe('auth');
    expect(pickFault(scenarioWithDefault, baseCtx)).toBeUndefined();
  });
});

describe('createFaultServer', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await createFaultServer({ seed: 7, scenario: byRequestId });
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('rejects bad options with one error naming the field', async () => {
    await expect(createFaultServer({ port: -1 })).rejects.toThrow(/Invalid fault server options[\s\S]*port/);
    await expect(
      createFaultServer({ scenario: { openai: { faults: [{ kind: 'nope' as FaultKind }] } } }),
    ).rejects.toThrow(/scenario\.openai\.faults\[0\]\.kind/);
  });

  it('builds SDK base URLs per provider', () => {
    expect(server.baseURL('openai')).toBe(`${server.url}/p/openai/v1`);
    expect(server.baseURL('anthropic')).toBe(`${server.url}/p/anthropic`);
    expect(server.baseURL('groq', 'anthropic')).toBe(`${server.url}/p/groq`);
  });

  describe.each(WIRES)('$wire wire', ({ wire, provider, path }) => {
    it('answers a JSON request with text, model and usage', async () => {
      const response = await post(server, path, requestBody(wire, false), { 'x-request-id': 'ok:1' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      const text = JSON.stringify(body);
      expect(text).toContain('Hello from the fault server.');
      expect(body.model).toMatch(/-test$/);
      expect(body.usage).toBeTypeOf('object');
    });

    it('streams deltas that concatenate to the answer, then the end events', async () => {
      const response = await post(server, path, requestBody(wire, true), { 'x-request-id': 'ok:2' });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = parseSse(await response.text());
      expect(deltasOf(events).join('')).toBe('Hello from the fault server.');
      const last = events.at(-1);
      const end = wire === 'chat' ? '[DONE]' : wire === 'responses' ? 'response.completed' : 'message_stop';
      expect(wire === 'chat' ? last?.data : last?.event).toBe(end);
    });

    const httpCases: Array<[FaultKind, number, string]> =
      wire === 'messages'
        ? [
            ['429', 429, 'rate_limit_error'],
            ['insufficient_quota', 400, 'credit balance is too low'],
            ['500', 500, 'api_error'],
            ['503', 503, 'api_error'],
            ['529', 529, 'overloaded_error'],
            ['context_length', 400, 'prompt is too long'],
            ['auth', 401, 'authentication_error'],
          ]
        : [
            ['429', 429, 'rate_limit_exceeded'],
            ['insufficient_quota', 429, '"code":"insufficient_quota"'],
            ['500', 500, 'server_error'],
            ['503', 503, 'server_error'],
            ['529', 529, 'server_is_overloaded'],
            ['context_length', 400, 'context_length_exceeded'],
            ['auth', 401, 'invalid_api_key'],
          ];
    it.each(httpCases)('answers %s with HTTP %i and the real-shaped body', async (kind, status, marker) => {
      const response = await post(server, path, requestBody(wire, false), { 'x-request-id': `${kind}:1` });
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(marker);
      if (kind === '429') expect(response.headers.get('retry-after')).toBe('7');
    });

    it('blocks a content-filtered answer with the wire format finish reason', async () => {
      const json = await (
        await post(server, path, requestBody(wire, false), { 'x-request-id': 'content_filter:1' })
      ).json();
      const expected = {
        chat: '"finish_reason":"content_filter"',
        responses: '"reason":"content_filter"',
        messages: '"stop_reason":"refusal"',
      };
      expect(JSON.stringify(json)).toContain(expected[wire]);
      const streamed = await (
        await post(server, path, requestBody(wire, true), { 'x-request-id': 'content_filter:2' })
      ).text();
      expect(streamed).toContain(expected[wire]);
      expect(deltasOf(parseSse(streamed))).toEqual([]);
    });

    it('sends an error event after two deltas on sse_error', async () => {
      const text = await (
        await post(server, path, requestBody(wire, true), { 'x-request-id': 'sse_error:1' })
      ).text();
      const events = parseSse(text);
      expect(deltasOf(events)).toEqual(['Hello ', 'from ']);
      const last = events.at(-1)!;
      if (wire === 'chat') expect(JSON.parse(last.data)).toHaveProperty('error.type', 'server_error');
      else expect(last.event).toBe('error');
      if (wire === 'messages') expect(last.data).toContain('overloaded_error');
    });

    it('cuts the body mid-JSON on truncated_json', async () => {
      const response = await post(server, path, requestBody(wire, false), {
        'x-request-id': 'truncated_json:1',
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.length).toBeGreaterThan(10);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    });

    it('stalls after two deltas and never sends the end', async () => {
      const controller = new AbortController();
      const response = await post(
        server,
        path,
        requestBody(wire, true),
        { 'x-request-id': 'stall:1' },
        controller.signal,
      );
      const { text, reader } = await readUntil(response, (t) => deltasOf(parseSse(t)).length >= 2);
      controller.abort();
      const rest = await drain(reader);
      expect(rest.errored).toBe(true);
      const all = text + rest.text;
      expect(deltasOf(parseSse(all))).toEqual(['Hello ', 'from ']);
      expect(all).not.toMatch(/\[DONE\]|response\.completed|message_stop/);
    });

    it('resets the connection on down', async () => {
      await expect(
        post(server, path, requestBody(wire, false), { 'x-request-id': 'down:1' }),
      ).rejects.toThrow(/fetch failed/);
    });

    it('hangs until the client aborts', async () => {
      const controller = new AbortController();
      const pending = post(
        server,
        path,
        requestBody(wire, false),
        { 'x-request-id': 'hang:1' },
        controller.signal,
      );
      await waitForRequests(server, 1);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(server.stats().providers[provider]?.outcomes.hang).toBe(1);
    });
  });

  it('counts calls per provider and outcome, in process and on GET /stats, until reset', async () => {
    await post(server, WIRES[0]!.path, requestBody('chat', false), { 'x-request-id': '429:a' });
    await post(server, WIRES[0]!.path, requestBody('chat', false), { 'x-request-id': 'ok:a' });
    await post(server, WIRES[2]!.path, requestBody('messages', false), { 'x-request-id': '529:a' });
    const expected = {
      calls: 3,
      providers: {
        openai: { calls: 2, outcomes: { '429': 1, ok: 1 } },
        anthropic: { calls: 1, outcomes: { '529': 1 } },
      },
    };
    expect(server.stats()).toEqual(expected);
    expect(await (await fetch(`${server.url}/stats`)).json()).toEqual(expected);
    server.reset();
    expect(server.stats()).toEqual({ calls: 0, providers: {} });
  });

  it('records request ids, counted attempts and headers without credentials', async () => {
    const headers = { 'x-request-id': 'ok:r', authorization: 'Bearer secret-key' };
    await post(server, WIRES[0]!.path, requestBody('chat', false), headers);
    await post(server, WIRES[0]!.path, requestBody('chat', false), headers);
    await post(server, WIRES[0]!.path, requestBody('chat', false), { ...headers, 'x-attempt': '9' });
    const log = server.requests();
    expect(log.map((r) => [r.requestId, r.attempt])).toEqual([
      ['ok:r', 1],
      ['ok:r', 2],
      ['ok:r', 9],
    ]);
    expect(JSON.stringify(log)).not.toContain('secret-key');
  });

  it('answers 400 with an OpenAI-shaped body to a body that is not JSON', async () => {
    const response = await fetch(`${server.url}${WIRES[0]!.path}`, { method: 'POST', body: '{nope' });
    expect(response.status).toBe(400);
    expect(await response.json()).toHaveProperty('error.type', 'invalid_request_error');
  });
});

describe('createFaultServer timing and shutdown', () => {
  it('holds the first token for delayMs on the injected clock', async () => {
    const clock = new SimulatedClock();
    const server = await createFaultServer({
      clock,
      scenario: { openai: { faults: [{ kind: 'slow_first_token', delayMs: 5000 }] } },
    });
    try {
      const response = await post(server, WIRES[0]!.path, requestBody('chat', true));
      const { text, reader } = await readUntil(response, (t) => t.includes('"role":"assistant"'));
      expect(deltasOf(parseSse(text))).toEqual([]);
      clock.increment(5000);
      const rest = await drain(reader);
      expect(deltasOf(parseSse(text + rest.text)).join('')).toBe('Hello from the fault server.');
    } finally {
      await server.close();
    }
  });

  it('closes cleanly while a request hangs, failing the hung request', async () => {
    const server = await createFaultServer({ scenario: { '*': { faults: [{ kind: 'hang' }] } } });
    const pending = post(server, WIRES[2]!.path, requestBody('messages', false));
    await waitForRequests(server, 1);
    await server.close();
    await expect(pending).rejects.toThrow(/fetch failed/);
  });
});
