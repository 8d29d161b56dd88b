/**
 * Hedging over the official `openai` SDK against the loopback fault server: the primary hangs, the hedge on
 * the second provider answers, and the hung request's connection is closed (the abort reached the SDK).
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { faultOn, pathOf, type SdkHarness, startSdkHarness } from './helpers/sdk-setup.js';

let h: SdkHarness;
beforeAll(async () => {
  h = await startSdkHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

it('answers from the hedge when the primary hangs, and closes the hung request', async () => {
  h.plan.set('openai-a', faultOn({ kind: 'hang' }));
  const llm = h.client([h.provider('chat', 'openai-a', 0), h.provider('chat', 'openai-b', 1)], {
    hedging: { delayMs: 50 },
    breaker: { failureThreshold: 1 },
  });
  const result = await llm.call({ messages: [{ role: 'user', content: 'What is six times seven?' }] });
  expect(result.provider).toBe('openai-b');
  expect(pathOf(result.attempts)).toEqual([
    'openai-a cancelled→hedge [hedge_lost]',
    'openai-b success→succeeded',
  ]);
  // Both requests reached the server; the hung one is closed by the SDK's abort, not by a server timeout.
  expect(h.server.stats().providers['openai-a']?.calls).toBe(1);
  expect(h.server.stats().providers['openai-b']?.calls).toBe(1);
  await vi.waitFor(() => expect(h.server.open()).toBe(0), { timeout: 5_000, interval: 10 });
  expect(llm.breaker('openai-a').state).toBe('closed');
});
