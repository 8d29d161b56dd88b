import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse, type HttpErrorLogFields } from '../src/http/index.js';
import {
  anthropicProvider,
  classifyError,
  createResilientLLM,
  LLMError,
  openaiCompatibleProvider,
  openaiProvider,
  type Provider,
  redactSecrets,
  registerSecret,
} from '../src/index.js';
import { toSafeJson } from '../src/inspect/redact.js';

/** Keys of shapes the pattern rules do not know. */
const KEYS = {
  groq: 'gsk_4hT9xQ2mZpL8vR1wYc6N0bKd3sFjE7aU',
  xai: 'xai-Qm3Lp9Zt2Rv8Wc1Yx6Nb4Kd0Sf7Ja5Ue',
  plain: 'f3a9c1e07b6d42d8a5e1',
  anthropic: 'K7pW2qX9mZ4rT8vL1yC6nB3d',
};

/** Forms a key travels in, none of which may appear in anything the library emits. */
function forms(key: string): string[] {
  return [
    key,
    encodeURIComponent(key),
    Buffer.from(key).toString('base64'),
    Buffer.from(`${key}:`).toString('base64'),
  ];
}

function expectClean(text: string, key: string): void {
  for (const form of forms(key)) expect(text).not.toContain(form);
}

/** Everything a user can print or send of an error. */
function everythingOf(error: unknown): string {
  const e = error as LLMError;
  return [
    e.message,
    JSON.stringify(e),
    e.stack ?? '',
    inspect(e, { depth: 10 }),
    inspect(e.cause, { depth: 10, showHidden: true }),
  ].join('\n');
}

/** An upstream that echoes the credential it got, in every form, like a careless proxy does. */
let upstream: Server;
let baseURL: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const auth = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '');
    const key = auth.replace(/^Bearer /, '');
    const basic = Buffer.from(`${key}:`).toString('base64');
    const message = `Invalid credentials. Authorization: ${auth} key=${key} url=/v1?k=${encodeURIComponent(key)} basic=Basic ${basic}`;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message, type: 'authentication_error', code: 'invalid_api_key' } }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** The first cause down the chain that is not an LLMError: what the SDK threw, as kept. */
function sdkCause(error: unknown): unknown {
  let current = error;
  while (LLMError.is(current)) current = current.cause;
  return current;
}

async function failingCall(provider: Provider): Promise<unknown> {
  const llm = createResilientLLM({ providers: [provider] });
  try {
    await llm.call({ messages: [{ role: 'user', content: 'hi' }] });
    throw new Error('the call should have failed');
  } catch (error) {
    return error;
  } finally {
    await llm.stop();
  }
}

describe('redaction by value', () => {
  it('keeps a Groq key given to openaiCompatibleProvider out of every part of the error', async () => {
    const provider = openaiCompatibleProvider({ id: 'groq', baseURL, apiKey: KEYS.groq, model: 'llama' });
    const error = await failingCall(provider);
    expect(LLMError.is(error)).toBe(true);
    expect(error).toMatchObject({ type: 'authentication', provider: 'groq' });
    expect((error as LLMError).message).toContain('Invalid credentials');
    expectClean(everythingOf(error), KEYS.groq);
  });

  it('keeps an xai- key held by an official openai client out of the error and its cause', async () => {
    const client = new OpenAI({ apiKey: KEYS.xai, baseURL: `${baseURL}/v1`, maxRetries: 0 });
    const error = await failingCall(openaiProvider({ id: 'xai', client, model: 'grok' }));
    expect(error).toMatchObject({ type: 'authentication', provider: 'xai' });
    expect(sdkCause(error)).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(sdkCause(error)).toMatchObject({ status: 401 });
    expectClean(everythingOf(error), KEYS.xai);
  });

  it('keeps an unprefixed key held by an Anthropic client out of the error and its cause', async () => {
    const client = new Anthropic({ apiKey: KEYS.anthropic, baseURL, maxRetries: 0 });
    const error = await failingCall(anthropicProvider({ client, model: 'claude' }));
    expect(error).toMatchObject({ type: 'authentication' });
    expectClean(everythingOf(error), KEYS.anthropic);
  });

  it('scrubs a registered key in any shape from messages, onError fields and inspector frames', () => {
    registerSecret(KEYS.plain);
    const echoed = `401: bad key ${KEYS.plain} (${encodeURIComponent(KEYS.plain)})`;
    expect(redactSecrets(echoed)).toBe('401: bad key [redacted] ([redacted])');
    const error = classifyError({ status: 401, body: { error: { message: echoed } } });
    let fields: HttpErrorLogFields | undefined;
    errorResponse(new Error(echoed), { onError: (f) => (fields = f) });
    const frame = JSON.stringify(
      toSafeJson({ note: echoed, error }, { includeContent: true, redactKeys: [] }),
    );
    expectClean([everythingOf(error), inspect(fields, { depth: 10 }), frame].join('\n'), KEYS.plain);
  });

  it('scrubs keys from 8 characters up and leaves shorter values alone', () => {
    registerSecret('Zq8wXy3v');
    registerSecret('ollama');
    expect(redactSecrets('key Zq8wXy3v and ollama')).toBe('key [redacted] and ollama');
  });
});

describe('the cause kept on an LLMError', () => {
  it('is a redacted copy; the original is reachable through originalCause()', () => {
    const secret = 'sk-proj-abcdefghijklmnop1234';
    const original = Object.assign(new Error(`401 Incorrect API key provided: ${secret}`), {
      status: 401,
      request: { headers: { authorization: `Bearer ${secret}` } },
    });
    const error = classifyError(original, { provider: 'openai' });
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(secret);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).toMatchObject({ status: 401 });
    expect(error.originalCause()).toBe(original);
    expect(error.with({ model: 'm' }).originalCause()).toBe(original);
  });
});
