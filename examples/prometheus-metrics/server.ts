/**
 * Runs the metrics example with two in-process providers (no network, no keys): `flaky` fails every other
 * call, `steady` always answers. `PORT` picks the port (default 9464).
 *
 *   npx tsx examples/prometheus-metrics/server.ts
 *   curl 'http://127.0.0.1:9464/ask?q=hi'; curl http://127.0.0.1:9464/metrics
 */
import { faultyProvider } from 'resilient-llm/testing';
import { startMetricsServer } from './metrics-server.js';

const server = await startMetricsServer({
  port: Number(process.env.PORT ?? 9464),
  providers: [
    faultyProvider({
      id: 'flaky',
      script: ({ call }) => (call % 2 ? { error: 'provider_error' } : { text: 'ok' }),
    }),
    faultyProvider({ id: 'steady', priority: 1, script: [{ text: 'steady answer' }] }),
  ],
  client: { breaker: { failureThreshold: 3, openMs: 10_000 }, degradation: { fallback: 'Try again later.' } },
});
console.log(`metrics: ${server.url}/metrics   ask: ${server.url}/ask?q=hi`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
