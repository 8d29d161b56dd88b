/**
 * The Prometheus example: a real server on loopback, a few calls through a faulty provider, and a scrape of
 * `/metrics` in the Prometheus text format.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../examples/prometheus-metrics/metrics-server.js';
import { faultyProvider } from '../src/testing/index.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** The value of the first sample of `metric` whose labels include every `labels` pair. */
function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('example: Prometheus metrics server', () => {
  it('exports breaker state and call counters after calls through a failing provider', async () => {
    const server = await startMetricsServer({
      providers: [
        faultyProvider({ id: 'down', script: [{ error: 'provider_error' }] }),
        faultyProvider({ id: 'up', priority: 1, script: [{ text: 'fine' }] }),
      ],
      client: { breaker: { failureThreshold: 2 } },
    });
    close = server.close;
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (let i = 0; i < 3; i++) {
      const answer = await (await fetch(`${server.url}/ask?q=hi`)).json();
      expect(answer).toEqual({ answer: 'fine', source: 'primary', provider: 'up' });
    }
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('# TYPE resilient_llm_breaker_state gauge');
    expect(
      sample(text, 'resilient_llm_breaker_state', {
        resilient_llm_provider: 'down',
        resilient_llm_breaker_state: 'open',
      }),
    ).toBe(1);
    expect(
      sample(text, 'resilient_llm_breaker_state', {
        resilient_llm_provider: 'up',
        resilient_llm_breaker_state: 'closed',
      }),
    ).toBe(1);
    expect(
      sample(text, 'resilient_llm_calls_total', {
        resilient_llm_source: 'primary',
        resilient_llm_provider: 'up',
      }),
    ).toBe(3);
    // Two failures trip `down`; the third call skips it.
    expect(
      sample(text, 'resilient_llm_attempts_total', {
        resilient_llm_provider: 'down',
        resilient_llm_outcome: 'provider_error',
      }),
    ).toBe(2);
    expect(
      sample(text, 'resilient_llm_attempts_total', {
        resilient_llm_provider: 'down',
        resilient_llm_outcome: 'skipped',
      }),
    ).toBe(1);
    expect(text).toMatch(/gen_ai_client_operation_duration_count\{[^}]*error_type="provider_error"[^}]*\} 2/);
  });
});
