/**
 * Edges of a call's bookkeeping: the attempt cut by the total deadline is recorded in `attempts`, and one caller `AbortSignal` shared by many concurrent calls carries one listener, not one per call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { LLMError } from '../src/errors/llm-error.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';
import { ask, setup } from './helpers/lifecycle.js';

/** Lets pending promise callbacks and actor steps run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Moves the simulated clock in 100 ms steps until `promise` settles (at most `maxMs`). */
async function drive<T>(clock: SimulatedClock, promise: Promise<T>, maxMs = 10_000): Promise<T> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let t = 0; t < maxMs && !done; t += 100) {
    await settle();
    clock.increment(100);
  }
  await settle();
  return promise;
}

describe('the attempt cut by the total deadline', () => {
  it.each([true, false])('appears in attempts with outcome timeout (fastPath %s)', async (fastPath) => {
    const { clock, llm } = setup(
      { a: [{ hang: true }] },
      { fastPath, timeouts: { totalMs: 1_000, attemptMs: 5_000 }, degradation: { fallback: 'static' } },
    );
    const result = await drive(clock, llm.call(ask()));
    expect(result.source).toBe('fallback');
    expect(result.attempts).toEqual([expect.objectContaining({ provider: 'a', outcome: 'timeout' })]);
    await llm.stop();
  });
});

describe('a caller AbortSignal shared by many calls', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off('warning', onWarning);
    warnings.length = 0;
  });

  it.each([true, false])(
    'triggers no MaxListenersExceededWarning over 50 calls (fastPath %s)',
    async (fastPath) => {
      process.on('warning', onWarning);
      const provider = faultyProvider({ id: 'a', script: [{ hang: true }] });
      const llm = createResilientLLM({ providers: [provider], fastPath });
      const controller = new AbortController();
      const calls = Array.from({ length: 50 }, () =>
        llm.call({ ...ask(), signal: controller.signal }).catch((error: unknown) => error),
      );
      const streams = Array.from({ length: 5 }, () => llm.stream({ ...ask(), signal: controller.signal }));
      await new Promise((done) => setImmediate(done));
      controller.abort();
      const outcomes = await Promise.all([
        ...calls,
        ...streams.map((s) => s.result.catch((e: unknown) => e)),
      ]);
      expect(outcomes.every((error) => LLMError.is(error) && error.type === 'aborted')).toBe(true);
      await new Promise((done) => setImmediate(done)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      await llm.stop();
    },
  );
});
