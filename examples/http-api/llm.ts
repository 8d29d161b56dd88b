/**
 * The resilient client behind the example API: OpenAI first, Anthropic second, both through their official
 * SDKs (with the SDKs' own retries off), an in-memory cache of good answers and a static fallback.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {
  anthropicProvider,
  type Cache,
  createResilientLLM,
  memoryCache,
  openaiProvider,
  type Provider,
  type ResilientLLM,
  type ResilientLLMOptions,
} from 'resilient-llm';
import { z } from 'zod';

/** Where one provider lives and how to reach it. */
export interface ProviderEndpoint {
  /** API key (never logged, never sent to API consumers). */
  apiKey: string;
  /** Model id. */
  model: string;
  /** Base URL; the SDK's own default (the real API) when absent. @default undefined */
  baseURL?: string | undefined;
}

/** Options of {@link createExampleLLM}. At least one provider is required. */
export interface ExampleLLMOptions {
  /** The primary provider (priority 0). @default undefined (not used) */
  openai?: ProviderEndpoint | undefined;
  /** The secondary provider (priority 1). @default undefined (not used) */
  anthropic?: ProviderEndpoint | undefined;
  /**
   * Static answer text of last resort, served as `{ "answer": fallback }` so it satisfies {@link answerSchema};
   * `undefined` makes the API answer an error instead. @default undefined
   */
  fallback?: string | undefined;
  /** Where good answers are kept for when every provider is down. @default memoryCache() */
  cache?: Cache | undefined;
  /** Deadlines, passed to `createResilientLLM`. @default { attemptMs: 20_000, totalMs: 45_000 } */
  timeouts?: ResilientLLMOptions['timeouts'];
  /** Retries, passed to `createResilientLLM`. @default the library's ({ maxAttempts: 3, baseMs: 500 ... }) */
  retry?: ResilientLLMOptions['retry'];
  /** Breaker settings, passed to `createResilientLLM`. @default the library's */
  breaker?: ResilientLLMOptions['breaker'];
}

/** Defaults of {@link ExampleLLMOptions}. */
export const defaultExampleLLMOptions = {
  openai: undefined,
  anthropic: undefined,
  fallback: undefined,
  cache: undefined,
  timeouts: { attemptMs: 20_000, totalMs: 45_000 },
  retry: {},
  breaker: {},
} satisfies Required<ExampleLLMOptions>;

/** What the model must answer: JSON `{ "answer": "..." }`. Only answers that pass it are served or cached. */
export const answerSchema = z.object({ answer: z.string().trim().min(1) });

/** The answer's type. */
export type Answer = z.infer<typeof answerSchema>;

/** The system prompt that asks for {@link answerSchema}'s shape. */
export const SYSTEM_PROMPT =
  'You answer questions briefly and accurately. Reply with only a JSON object of the form {"answer": "<your answer>"}.';

const endpointSchema = z.strictObject({
  apiKey: z.string().min(1, 'apiKey must be a non-empty string'),
  model: z.string().min(1, 'model must be a non-empty string'),
  baseURL: z.url('baseURL must be a URL').optional(),
});

const optionsSchema = z
  .looseObject({ openai: endpointSchema.optional(), anthropic: endpointSchema.optional() })
  .refine((o) => o.openai !== undefined || o.anthropic !== undefined, {
    message: 'at least one of openai or anthropic must be configured',
  });

const baseURLOf = (endpoint: ProviderEndpoint) =>
  endpoint.baseURL === undefined ? {} : { baseURL: endpoint.baseURL };

/**
 * Builds the example's client. The rest of the options are validated by `createResilientLLM` itself.
 * @throws TypeError naming the bad field, e.g. `Invalid example LLM options: ✖ apiKey must be ... → at openai.apiKey`.
 */
export function createExampleLLM(options: ExampleLLMOptions): ResilientLLM {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TypeError(`Invalid example LLM options: ${z.prettifyError(parsed.error)}`);
  }
  const providers: Provider[] = [];
  const { openai, anthropic } = options;
  if (openai) {
    // maxRetries: 0 — resilient-llm owns retries; SDK retries would hide failures from the breaker.
    const client = new OpenAI({ apiKey: openai.apiKey, maxRetries: 0, ...baseURLOf(openai) });
    providers.push(openaiProvider({ client, model: openai.model, id: 'openai', priority: 0 }));
  }
  if (anthropic) {
    const client = new Anthropic({ apiKey: anthropic.apiKey, maxRetries: 0, ...baseURLOf(anthropic) });
    providers.push(anthropicProvider({ client, model: anthropic.model, id: 'anthropic', priority: 1 }));
  }
  return createResilientLLM({
    providers,
    timeouts: options.timeouts ?? defaultExampleLLMOptions.timeouts,
    retry: options.retry ?? defaultExampleLLMOptions.retry,
    breaker: options.breaker ?? defaultExampleLLMOptions.breaker,
    degradation: {
      cache: options.cache ?? memoryCache(),
      ...(options.fallback === undefined ? {} : { fallback: JSON.stringify({ answer: options.fallback }) }),
    },
  });
}
