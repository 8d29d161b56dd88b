import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { memoryCache } from '../src/cache/memory-cache.js';
import { createRetryBudget, defaultRetryBudgetOptions } from '../src/retry-budget.js';
import { extractJson } from '../src/validation/extract-json.js';

const answer = (text: string) => ({ text, data: text, provider: 'p', storedAt: 0 });

describe('memoryCache', () => {
  it('expires entries after ttlMs on the injected clock', async () => {
    const clock = new SimulatedClock();
    const cache = memoryCache({ ttlMs: 1_000, clock });
    await cache.set('k', answer('v'));
    clock.set(999);
    expect((await cache.get('k'))?.text).toBe('v');
    clock.set(1_001);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = memoryCache({ maxEntries: 2 });
    await cache.set('a', answer('a'));
    await cache.set('b', answer('b'));
    await cache.get('a');
    await cache.set('c', answer('c'));
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.text).toBe('a');
    expect(cache.size).toBe(2);
  });

  it('deletes and clears', async () => {
    const cache = memoryCache();
    await cache.set('a', answer('a'));
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('b', answer('b'));
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('rejects bad options naming the field', () => {
    expect(() => memoryCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => memoryCache({ ttlMs: -5 })).toThrow(/ttlMs/);
    expect(() => memoryCache({ clock: { now: () => 0 } as never })).toThrow(/clock/);
  });
});

describe('retry budget', () => {
  it('allows minRetries, then ratio × calls, over the sliding window', () => {
    const clock = new SimulatedClock();
    const budget = createRetryBudget({ ratio: 0.5, windowMs: 10_000, minRetries: 2 }, clock);
    for (let i = 0; i < 4; i++) budget.recordCall();
    const allowed = Array.from({ length: 6 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(allowed).toBe(4); // 2 + 0.5 * 4
    clock.set(10_001);
    expect(budget.stats()).toEqual({ calls: 0, retries: 0 });
    expect(budget.tryRetry()).toBe(true);
  });

  it('has defaults of 20% with a floor of 10 retries per 10 s', () => {
    expect(defaultRetryBudgetOptions).toEqual({ ratio: 0.2, windowMs: 10_000, minRetries: 10 });
  });
});

describe('extractJson', () => {
  it.each([
    ['bare object', '{"a":1}', { a: 1 }],
    ['bare array', '[1,2]', [1, 2]],
    ['fenced', 'Here:\n```json\n{"a":2}\n```', { a: 2 }],
    ['prose around', 'The answer is {"a":3}. Thanks', { a: 3 }],
    ['braces in strings', 'x {"s":"} { ]","a":4} y', { s: '} { ]', a: 4 }],
    ['escaped quotes', 'x {"s":"say \\"hi\\" }","a":5}', { s: 'say "hi" }', a: 5 }],
    ['unclosed brace before a valid array', '{ oops [1,2,3]', [1, 2, 3]],
    ['first invalid span then a valid one', '{not json} and {"a":6}', { a: 6 }],
  ])('finds JSON in %s', (_name, text, value) => {
    expect(extractJson(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['empty', '   '],
    ['no JSON', 'hello world'],
    ['unterminated', '{"a": 1'],
  ])('reports %s', (_n, text) => {
    expect(extractJson(text).ok).toBe(false);
  });
});
