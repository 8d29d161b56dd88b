/**
 * `createResilientModel`: a Vercel AI SDK v6 `LanguageModelV3` over a resilient-llm client, so
 * `generateText`, `streamText`, `generateObject` / `Output.object` and tool loops run through its breakers,
 * retries, failover, validation and degradation. Nothing here imports `ai` at run time.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
} from '@ai-sdk/provider';
import { z } from 'zod';
import type { StreamRequest } from '../client/call-request.js';
import { createResilientLLM, type ResilientLLM } from '../client/create-resilient-llm.js';
import type { ResilientLLMOptions } from '../client/options.js';
import { toCallRequest } from './call-options.js';
import { degradedWarning, toProviderMetadata, toV3Content, toV3FinishReason, toV3Usage } from './result.js';
import { toV3Stream } from './stream.js';

/** Options of {@link createResilientModel}. */
export interface ResilientModelOptions {
  /** The model id the AI SDK reports (the model that answered is in `response.modelId`). @default 'resilient' */
  modelId?: string;
  /** The provider name the AI SDK reports. @default 'resilient-llm' */
  provider?: string;
  /**
   * URLs the providers fetch themselves, by media type; other file URLs are downloaded by the AI SDK.
   * @default { 'image/*': [/^https?:\/\//i] }
   */
  supportedUrls?: Record<string, RegExp[]>;
}

/** Defaults of {@link ResilientModelOptions}. */
export const defaultResilientModelOptions = {
  modelId: 'resilient',
  provider: 'resilient-llm',
  supportedUrls: { 'image/*': [/^https?:\/\//i] },
} satisfies Required<ResilientModelOptions>;

/** A `LanguageModelV3` over a resilient-llm client. */
export interface ResilientLanguageModel extends LanguageModelV3 {
  /** The client every call goes through (its breakers, `providers()`, ops controls). */
  readonly llm: ResilientLLM;
  /** Stops the client (`llm.stop()`): aborts calls in flight, stops every actor and timer. */
  stop(): Promise<void>;
}

const optionsSchema = z.strictObject({
  modelId: z.string().min(1, 'modelId must be a non-empty string').optional(),
  provider: z.string().min(1, 'provider must be a non-empty string').optional(),
  supportedUrls: z
    .record(
      z.string(),
      z.array(z.instanceof(RegExp, { message: 'supportedUrls values must be arrays of RegExp' })),
    )
    .optional(),
});

function isClient(value: unknown): value is ResilientLLM {
  const v = value as Partial<ResilientLLM> | null;
  return typeof v?.call === 'function' && typeof v.stream === 'function' && typeof v.stop === 'function';
}

/**
 * Creates an AI SDK model over `llmOrOptions`: a client from `createResilientLLM`, or its options (a client
 * is created). Pass `maxRetries: 0` to the AI SDK calls: resilient-llm owns retries. Per-call options
 * (`cacheKey`, `requestId`, `metadata`, `timeouts`) go in `providerOptions['resilient-llm']`; results carry
 * `providerMetadata['resilient-llm']` (source, provider, model, attempts). Bad options throw a `TypeError`.
 */
export function createResilientModel(
  llmOrOptions: ResilientLLM | ResilientLLMOptions,
  options: ResilientModelOptions = {},
): ResilientLanguageModel {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new TypeError(`Invalid createResilientModel options: ${z.prettifyError(parsed.error)}`);
  const llm = isClient(llmOrOptions) ? llmOrOptions : createResilientLLM(llmOrOptions);
  const settings: Required<ResilientModelOptions> = {
    modelId: options.modelId ?? defaultResilientModelOptions.modelId,
    provider: options.provider ?? defaultResilientModelOptions.provider,
    supportedUrls: options.supportedUrls ?? defaultResilientModelOptions.supportedUrls,
  };

  async function doGenerate(call: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { request, warnings, json } = toCallRequest(call);
    const result = await llm.call(request);
    const degraded = degradedWarning(result);
    return {
      content: toV3Content(result, json),
      finishReason: toV3FinishReason(result),
      usage: toV3Usage(result.usage),
      providerMetadata: toProviderMetadata(result),
      response: { id: result.requestId, ...(result.model ? { modelId: result.model } : {}) },
      warnings: degraded ? [...warnings, degraded] : warnings,
    };
  }

  async function doStream(call: LanguageModelV3CallOptions) {
    const { request, warnings } = toCallRequest(call);
    // Streams are not validated (tokens reach the caller first): the schema stays with `responseFormat`.
    const { schema: _schema, ...rest } = request;
    return { stream: toV3Stream(llm.stream(rest as StreamRequest), warnings) };
  }

  return {
    specificationVersion: 'v3',
    provider: settings.provider,
    modelId: settings.modelId,
    supportedUrls: settings.supportedUrls,
    llm,
    doGenerate,
    doStream,
    stop: () => llm.stop(),
  };
}
