/**
 * Test helpers for talking to the fault server with plain fetch: wire paths, request bodies, SSE parsing,
 * and waiting for the server to have seen a request.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { FaultServer } from '../../src/testing/fault-server/index.js';
import type { WireName } from '../../src/testing/fault-server/types.js';

/** Every wire format, with its endpoint path under a provider prefix and the provider id used in tests. */
export const WIRES: ReadonlyArray<{ wire: WireName; provider: string; path: string }> = [
  { wire: 'chat', provider: 'openai', path: '/p/openai/v1/chat/completions' },
  { wire: 'responses', provider: 'openai', path: '/p/openai/v1/responses' },
  { wire: 'messages', provider: 'anthropic', path: '/p/anthropic/v1/messages' },
];

/** A minimal valid request body for a wire. */
export function requestBody(wire: WireName, stream: boolean): Record<string, unknown> {
  const messages = [{ role: 'user', content: 'Say hello.' }];
  if (wire === 'responses') return { model: 'gpt-test', input: messages, stream };
  if (wire === 'messages') return { model: 'claude-test', max_tokens: 64, messages, stream };
  return { model: 'gpt-test', messages, stream, stream_options: { include_usage: true } };
}

/** POSTs a JSON body to the fault server. */
export function post(
  server: FaultServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** Parses SSE text into events (event name and data). */
export function parseSse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

/** The text deltas in parsed SSE events, whatever the wire. */
export function deltasOf(events: readonly EventSourceMessage[]): string[] {
  const deltas: string[] = [];
  for (const event of events) {
    if (event.data === '[DONE]') continue;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    const chat = (data.choices as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content;
    const responses = data.type === 'response.output_text.delta' ? (data.delta as string) : undefined;
    const messages = (data.delta as { type?: string; text?: string } | undefined)?.type === 'text_delta';
    const text = chat || responses || (messages ? (data.delta as { text: string }).text : undefined);
    if (text) deltas.push(text);
  }
  return deltas;
}

/** Reads a response body until `predicate(textSoFar)` holds; returns the text and the still-open reader. */
export async function readUntil(
  response: Response,
  predicate: (text: string) => boolean,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!predicate(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

/** Reads what is left of a reader until it ends or errors; returns the text and whether it errored. */
export async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ text: string; errored: boolean }> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, errored: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, errored: true };
  }
}

/** Resolves once the server has seen `count` requests (checked each macrotask; the test timeout bounds it). */
export async function waitForRequests(server: FaultServer, count: number): Promise<void> {
  while (server.requests().length < count) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
