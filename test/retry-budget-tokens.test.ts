/**
 * The shared retry budget's guard takes a token when it allows a retry, so the lifecycle asks it only on the
 * branch it will take. With a budget of exactly one retry per window, a call whose first attempt times out
 * gets that one retry on the same provider (a guard asked twice — once on the stream branch, once on the
 * call branch — would spend the token on the branch not taken and fail the call over instead).
 */
import { describe, expect, it } from 'vitest';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

const oneRetry = { retry: { budget: { ratio: 0, minRetries: 1 } }, timeouts: { attemptMs: 1_000 } };

describe('retry budget tokens', () => {
  it('spends one token on a timed-out call retried on the same provider', async () => {
    const { clock, llm } = setup(
      { a: [{ hang: true }, { text: 'second try' }], b: [{ text: 'from b' }] },
      oneRetry,
    );
    const settled = await settleWithClock(llm.call(ask()), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('a');
    expect(settled.value.text).toBe('second try');
    expect(settled.value.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      ['a', 'timeout', 'retry'],
      ['a', 'success', 'succeeded'],
    ]);
    await llm.stop();
  });

  it('spends one token on a timed-out stream retried on the same provider', async () => {
    const { clock, llm } = setup(
      { a: [{ hang: true }, { text: 'second try' }], b: [{ text: 'from b' }] },
      { ...oneRetry, timeouts: { attemptMs: 1_000, firstTokenMs: 1_000 } },
    );
    const stream = llm.stream(ask());
    const settled = await settleWithClock(stream.result, clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('a');
    expect(settled.value.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['a', 'timeout'],
      ['a', 'success'],
    ]);
    await llm.stop();
  });
});
