/**
 * Runnable example: `npx tsx examples/http-api/server.ts`, then
 * `curl -s localhost:3000/v1/answer -H 'content-type: application/json' -d '{"question":"Why is the sky blue?"}'`.
 *
 * With no API key it starts the fault server on 127.0.0.1 and points both official SDK clients at it, so it
 * runs offline; `FAULTS=openai=429,anthropic=down` makes providers fail. See README.md for every variable.
 */
import { serve } from '@hono/node-server';
import { createFaultServer, type FaultServer, type ProviderScenario } from 'resilient-llm/testing';
import { createApp } from './app.js';
import { configFromEnv, type ServerConfig } from './config.js';
import { createExampleLLM, type ProviderEndpoint } from './llm.js';

/** Demo answers from the fault server: JSON in the shape the app's schema asks for. */
function scenarioFor(config: ServerConfig): Record<string, ProviderScenario> {
  const text = (provider: string) => () =>
    JSON.stringify({ answer: `A canned answer from the ${provider} fault server (no API key needed).` });
  return Object.fromEntries(
    ['openai', 'anthropic'].map((id) => [id, { faults: config.faults[id] ?? [], text: text(id) }]),
  );
}

function endpoint(
  side: ServerConfig['openai'],
  faultServer: FaultServer | undefined,
  id: string,
): ProviderEndpoint | undefined {
  if (faultServer) return { apiKey: 'fault-server-key', model: side.model, baseURL: faultServer.baseURL(id) };
  if (!side.apiKey) return undefined;
  return { apiKey: side.apiKey, model: side.model, baseURL: side.baseURL };
}

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const faultServer =
    config.mode === 'fault' ? await createFaultServer({ scenario: scenarioFor(config) }) : undefined;
  if (faultServer) console.info(`fault server on ${faultServer.url} (FAULTS=${process.env.FAULTS ?? ''})`);

  const llm = createExampleLLM({
    openai: endpoint(config.openai, faultServer, 'openai'),
    anthropic: endpoint(config.anthropic, faultServer, 'anthropic'),
    fallback: config.fallback,
  });
  const app = createApp({ llm, logger: console });
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    console.info(`answer API on http://${config.host}:${info.port}/v1/answer (${config.mode} mode)`);
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await llm.stop();
    await faultServer?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
