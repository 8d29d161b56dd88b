import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterEach, describe, expect, it } from 'vitest';
import { LLMError } from '../src/errors/llm-error.js';
import {
  expressErrorHandler,
  fastifyErrorHandler,
  type HttpErrorLogFields,
  honoErrorHandler,
  safeErrorMessages,
} from '../src/http/index.js';

const SECRET = 'provider says: bad key sk-live-abc123, Authorization: Bearer xyz';
const rateLimited = () =>
  new LLMError({
    type: 'rate_limit',
    message: SECRET,
    retryAfterMs: 1500,
    provider: 'openai',
    model: 'gpt-x',
  });

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The assertions every adapter must pass, through real HTTP requests against `base`. */
async function expectMapped(base: string, seen: HttpErrorLogFields[], fallbackId: string | RegExp) {
  const limited = await fetch(`${base}/v1/chat?api_key=sk-live-abc123`, {
    headers: { 'x-request-id': 'req-42' },
  });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('2');
  expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
  expect(limited.headers.get('cache-control')).toBe('no-store');
  const text = await limited.text();
  expect(JSON.parse(text)).toEqual({
    error: { type: 'rate_limit', message: safeErrorMessages.rate_limit, retryable: true, retry_after: 2 },
  });

  const boom = await fetch(`${base}/v1/boom`);
  expect(boom.status).toBe(500);
  const boomText = await boom.text();
  expect(JSON.parse(boomText)).toEqual({
    error: { type: 'unknown', message: safeErrorMessages.unknown, retryable: false },
  });

  const everything = [text, boomText, JSON.stringify([...limited.headers, ...boom.headers])].join();
  for (const leak of [/sk-live/, /abc123/, /Bearer/, /xyz/, /provider says/])
    expect(everything).not.toMatch(leak);

  expect(seen).toHaveLength(2);
  expect(seen[0]).toMatchObject({
    type: 'rate_limit',
    provider: 'openai',
    model: 'gpt-x',
    retryable: true,
    status: 429,
    path: '/v1/chat',
    requestId: 'req-42',
    retryAfterMs: 1500,
  });
  expect(LLMError.is(seen[0]?.error)).toBe(true);
  expect(seen[1]).toMatchObject({ type: 'unknown', status: 500, path: '/v1/boom', retryable: false });
  expect(seen[1]?.requestId).toMatch(fallbackId);
  // The hook gets a redacted copy of what was thrown: still an Error, without the key.
  const logged = seen[1]?.error as Error;
  expect(logged).toBeInstanceOf(Error);
  expect(logged.message).toMatch(/^provider says: bad key sk-\[redacted\]/);
  expect(logged.message).not.toContain('abc123');
}

describe('expressErrorHandler', () => {
  it('answers LLM errors and other throws through a real Express 5 server', async () => {
    const seen: HttpErrorLogFields[] = [];
    const app = express();
    app.use((req, _res, next) => {
      Object.assign(req, { id: 'express-id' });
      next();
    });
    app.get('/v1/chat', () => {
      throw rateLimited();
    });
    app.get('/v1/boom', async () => {
      throw new Error(SECRET);
    });
    app.use(expressErrorHandler({ onError: (fields) => seen.push(fields) }));
    await expectMapped(await listen(createServer(app)), seen, 'express-id');
  });

  it('reports an error raised after the response started and lets Express end the connection', async () => {
    const seen: HttpErrorLogFields[] = [];
    const app = express();
    app.get('/v1/stream', (_req, res) => {
      res.write('data: partial\n\n');
      throw new LLMError({ type: 'provider_error', message: SECRET });
    });
    app.use(expressErrorHandler({ onError: (fields) => seen.push(fields) }));
    const response = await fetch(`${await listen(createServer(app))}/v1/stream`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(seen.map((f) => [f.type, f.path])).toEqual([['provider_error', '/v1/stream']]);
  });
});

describe('honoErrorHandler', () => {
  it('answers LLM errors and other throws through a real Hono server', async () => {
    const seen: HttpErrorLogFields[] = [];
    const app = new Hono();
    app.use(requestId({ headerName: '', generator: () => 'hono-id' }));
    app.get('/v1/chat', () => {
      throw rateLimited();
    });
    app.get('/v1/boom', async () => {
      throw new Error(SECRET);
    });
    app.onError(honoErrorHandler({ onError: (fields) => seen.push(fields) }));
    const base = await new Promise<string>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve(`http://127.0.0.1:${info.port}`),
      ) as Server;
      closers.push(
        () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      );
    });
    await expectMapped(base, seen, 'hono-id');
  });
});

describe('fastifyErrorHandler', () => {
  it('answers LLM errors and other throws through a real Fastify server', async () => {
    const seen: HttpErrorLogFields[] = [];
    const app = Fastify({ logger: false });
    app.setErrorHandler(fastifyErrorHandler({ onError: (fields) => seen.push(fields) }));
    app.get('/v1/chat', async () => {
      throw rateLimited();
    });
    app.get('/v1/boom', async () => {
      throw new Error(SECRET);
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    await expectMapped(base, seen, /^req-/);
  });
});
