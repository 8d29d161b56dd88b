/**
 * Timeouts longer than a host timer can hold (2^31 - 1 ms) are refused when the client or breaker is created,
 * with a message naming the field: Node would fire them after 1 ms (`TimeoutOverflowWarning`).
 */
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../src/breaker/index.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { MAX_TIMER_MS } from '../src/options.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const providers = () => [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })];
const message = (create: () => unknown) => {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
};

describe('timeouts beyond the longest host timer', () => {
  it.each(['totalMs', 'attemptMs', 'firstTokenMs', 'idleMs'])('refuses timeouts.%s of 3e9 ms', (field) => {
    const text = message(() => createResilientLLM({ providers: providers(), timeouts: { [field]: 3e9 } }));
    expect(text).toMatch(/^Invalid resilient-llm options:/);
    expect(text).toContain(`${field} must be at most ${MAX_TIMER_MS} ms`);
    expect(text).toContain(`at timeouts.${field}`);
  });

  it.each(['openMs', 'windowMs', 'slowCallMs'])('refuses breaker %s of 3e9 ms', (field) => {
    const options = { id: 'x', [field]: 3e9, maxOpenMs: MAX_TIMER_MS };
    const text = message(() => createCircuitBreaker(options));
    expect(text).toMatch(/^Invalid breaker options:/);
    expect(text).toContain(`${field} must be at most ${MAX_TIMER_MS} ms`);
  });

  it('refuses breaker.openMs of 3e9 ms through the client, with the breaker. path', () => {
    const text = message(() =>
      createResilientLLM({ providers: providers(), breaker: { openMs: 3e9, maxOpenMs: 3e9 } }),
    );
    expect(text).toMatch(/^Invalid resilient-llm options:/);
    expect(text).toContain('at breaker.openMs');
    expect(text).toContain('at breaker.maxOpenMs');
  });

  it('accepts the longest timer exactly', () => {
    const llm = createResilientLLM({
      providers: providers(),
      timeouts: { totalMs: MAX_TIMER_MS, attemptMs: MAX_TIMER_MS },
      breaker: { openMs: MAX_TIMER_MS, maxOpenMs: MAX_TIMER_MS },
    });
    expect(llm.providers()).toHaveLength(1);
    void llm.stop();
  });
});
