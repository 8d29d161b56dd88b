import { SimulatedClock } from 'xstate';
import { createResilientLLM } from '../../src/client/create-resilient-llm.js';
import type { ResilientLLMOptions } from '../../src/client/options.js';
import { type FaultStep, type FaultyProvider, faultyProvider } from '../../src/testing/faulty-provider.js';

/** A client on a simulated clock with scripted providers (a, b, c... by priority), plus their call logs. */
export function setup(
  scripts: Record<string, FaultStep[]>,
  options: Partial<Omit<ResilientLLMOptions, 'providers'>> & { contextWindows?: Record<string, number> } = {},
) {
  const clock = new SimulatedClock();
  const { contextWindows, ...rest } = options;
  const providers: Record<string, FaultyProvider> = {};
  Object.entries(scripts).forEach(([id, script], priority) => {
    providers[id] = faultyProvider({
      id,
      script,
      priority,
      clock,
      ...(contextWindows?.[id] !== undefined ? { contextWindow: contextWindows[id] } : {}),
    });
  });
  const llm = createResilientLLM({ random: () => 0.5, ...rest, providers: Object.values(providers), clock });
  return { clock, llm, providers };
}

export const ask = (content = 'hello') => ({ messages: [{ role: 'user' as const, content }] });
