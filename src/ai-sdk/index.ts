/**
 * `resilient-llm/ai-sdk`: a Vercel AI SDK v6 language model (`LanguageModelV3`) over a resilient-llm client.
 * Only types come from `@ai-sdk/provider`; nothing of the AI SDK is loaded at run time.
 */
export { PROVIDER_KEY, type ResilientCallOptions, toCallRequest } from './call-options.js';
export {
  createResilientModel,
  defaultResilientModelOptions,
  type ResilientLanguageModel,
  type ResilientModelOptions,
} from './create-resilient-model.js';
export { toMessages } from './prompt.js';
