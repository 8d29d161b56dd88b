/**
 * A small server that answers questions through `createResilientLLM` and exports the client's metrics for
 * Prometheus at `GET /metrics` (with `@opentelemetry/exporter-prometheus`): calls by answer source, attempts by
 * outcome and decision, each provider's breaker state, retry-budget use, and the GenAI duration and token
 * histograms. It listens on 127.0.0.1 only; port 0 picks a free port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createResilientLLM, type Provider, type ResilientLLMOptions } from 'resilient-llm';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  providers: Provider[];
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Anything else for the client (breaker, retry, degradation…). @default {} */
  client?: Omit<ResilientLLMOptions, 'providers' | 'telemetry'>;
}

/** Starts the server; resolves once it listens. */
export async function startMetricsServer(options: MetricsServerOptions) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const llm = createResilientLLM({
    ...options.client,
    providers: options.providers,
    telemetry: { meter: meterProvider.getMeter('resilient-llm') },
  });

  const ask = async (request: IncomingMessage, response: ServerResponse) => {
    const question = new URL(request.url ?? '/', 'http://localhost').searchParams.get('q') ?? 'hello';
    try {
      const result = await llm.call({ messages: [{ role: 'user', content: question }] });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ answer: result.text, source: result.source, provider: result.provider }));
    } catch {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'unavailable' }));
    }
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/metrics') exporter.getMetricsRequestHandler(request, response);
    else if (path === '/ask') void ask(request, response);
    else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    llm,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await llm.stop();
      await meterProvider.shutdown();
    },
  };
}
