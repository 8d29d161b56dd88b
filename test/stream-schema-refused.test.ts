/**
 * `stream()` takes no `schema` (its type leaves it out): tokens reach the caller before the answer could be
 * checked, so a stream is never validated or re-prompted. A JavaScript caller that passes one anyway gets a
 * `bad_request` naming the field, from the stream's result and its iterator, and no provider is called.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LLMError } from '../src/errors/llm-error.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

describe('stream() with a schema', () => {
  it('refuses the call naming schema, before any provider is asked', async () => {
    const { clock, llm, providers } = setup({ a: [{ text: '{"a":"x"}' }] }, {});
    const stream = llm.stream({ ...ask(), schema: z.object({ a: z.string() }) } as never);
    const settled = await settleWithClock(stream.result, clock);
    expect(settled.ok).toBe(false);
    const error = settled.ok ? undefined : settled.error;
    expect(LLMError.is(error)).toBe(true);
    expect((error as LLMError).type).toBe('bad_request');
    expect((error as LLMError).code).toBe('unsupported_option');
    expect((error as LLMError).message).toMatch(/schema: stream\(\) does not validate/);
    await expect(
      (async () => {
        for await (const _ of stream) {
          // no token may arrive
        }
      })(),
    ).rejects.toThrow(/schema/);
    expect(providers.a?.calls.length ?? 0).toBe(0);
    await llm.stop();
  });

  it('streams as usual when schema is absent or undefined', async () => {
    const { clock, llm } = setup({ a: [{ text: 'hello' }] }, {});
    const stream = llm.stream({ ...ask(), schema: undefined } as never);
    const settled = await settleWithClock(stream.result, clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.text).toBe('hello');
    await llm.stop();
  });
});
