/**
 * Breaker option errors read like the client's: `Invalid … options:` then one line per bad field with its path
 * (`breaker.<field>` when given to the client). A breaker on a store must be named: the store keys state by id.
 */
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, memoryStore } from '../src/breaker/index.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const thrown = (create: () => unknown): string => {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
};
const providers = () => [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })];

describe('breaker option errors', () => {
  it('names breaker.<field> when the client is given bad breaker options', () => {
    const text = thrown(() =>
      createResilientLLM({ providers: providers(), breaker: { failureThreshold: 0, backoffFactor: 0.5 } }),
    );
    expect(text).toMatch(/^Invalid resilient-llm options:\n/);
    expect(text).toContain('→ at breaker.failureThreshold');
    expect(text).toContain('→ at breaker.backoffFactor');
  });

  it('names breaker.maxOpenMs when the client is given a maxOpenMs below its openMs', () => {
    const text = thrown(() =>
      createResilientLLM({ providers: providers(), breaker: { openMs: 900_000, maxOpenMs: 60_000 } }),
    );
    expect(text).toContain('maxOpenMs must be at least openMs');
    expect(text).toContain('→ at breaker.maxOpenMs');
  });

  it('accepts an openMs above the default maxOpenMs (the open duration never drops below openMs)', () => {
    const llm = createResilientLLM({ providers: providers(), breaker: { openMs: 900_000 } });
    expect(llm).toBeDefined();
  });

  it('names an unknown breaker key through the client', () => {
    const text = thrown(() =>
      createResilientLLM({ providers: providers(), breaker: { failureTreshold: 3 } as never }),
    );
    expect(text).toContain('failureTreshold');
    expect(text).toContain('→ at breaker');
  });

  it('formats standalone breaker errors like the client: one line per field with its path', () => {
    const text = thrown(() => createCircuitBreaker({ failureThreshold: 0 }));
    expect(text).toMatch(/^Invalid breaker options:\n✖ .+\n {2}→ at failureThreshold/);
  });

  it('requires an id when the breaker shares state through a store', () => {
    const text = thrown(() => createCircuitBreaker({ store: memoryStore() }));
    expect(text).toContain('id is required with a store');
    expect(text).toContain('→ at id');
  });

  it("names a standalone breaker without an id 'default', as documented", () => {
    const breaker = createCircuitBreaker({});
    expect(breaker.snapshot().id).toBe('default');
    breaker.stop();
  });
});
