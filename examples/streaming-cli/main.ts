/**
 * A streaming CLI: asks a question and prints the answer token by token, failing over between two providers.
 * With no API keys it starts the fault server on 127.0.0.1 and makes the first provider stall mid-stream now
 * and then, so you can watch `resumeOnFailure` continue the answer on the second one.
 *
 *   npx tsx examples/streaming-cli/main.ts "Why is the sky blue?"
 *   OPENAI_API_KEY=sk-... ANTHROPIC_API_KEY=sk-ant-... npx tsx examples/streaming-cli/main.ts "…"
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { anthropicProvider, createResilientLLM, LLMError, openaiProvider } from 'resilient-llm';
import { createFaultServer } from 'resilient-llm/testing';

const question = process.argv.slice(2).join(' ') || 'Why is the sky blue?';
const live = Boolean(process.env.OPENAI_API_KEY && process.env.ANTHROPIC_API_KEY);
const server = live
  ? undefined
  : await createFaultServer({
      seed: Date.now() % 1000,
      scenario: {
        openai: { faults: [{ kind: 'stall', afterDeltas: 4, rate: 0.5 }], deltaDelayMs: 40 },
        anthropic: { deltaDelayMs: 40 },
      },
    });

const llm = createResilientLLM({
  providers: [
    openaiProvider({
      client: new OpenAI({
        maxRetries: 0,
        ...(server ? { baseURL: server.baseURL('openai'), apiKey: 'demo' } : {}),
      }),
      model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
    }),
    anthropicProvider({
      client: new Anthropic({
        maxRetries: 0,
        ...(server ? { baseURL: server.baseURL('anthropic'), apiKey: 'demo' } : {}),
      }),
      model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-6',
      priority: 1,
    }),
  ],
  timeouts: { firstTokenMs: 5_000, idleMs: 1_500, totalMs: 60_000 },
});

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
try {
  const stream = llm.stream({
    messages: [{ role: 'user', content: question }],
    signal: controller.signal,
    resumeOnFailure: true,
  });
  for await (const token of stream) process.stdout.write(token);
  const result = await stream.result;
  const path = result.attempts.map((a) => `${a.provider}:${a.outcome}→${a.decision}`).join(', ');
  process.stdout.write(
    `\n\n[source ${result.source}, provider ${result.provider}, ${result.durationMs} ms; ${path}]\n`,
  );
} catch (error) {
  if (!LLMError.is(error)) throw error;
  process.stdout.write(
    `\n\n[failed: ${error.type}${error.partialText ? `, after ${error.partialText.length} chars` : ''}]\n`,
  );
  process.exitCode = 1;
} finally {
  await llm.stop();
  await server?.close();
}
