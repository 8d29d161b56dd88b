/**
 * Provider adapters: the official OpenAI and Anthropic clients, any OpenAI-compatible endpoint over fetch,
 * and Vercel AI SDK models. None imports an SDK at runtime.
 */
export type { AiSdkLanguageModelLike, AiSdkProviderOptions } from './ai-sdk.js';
export { aiSdkProvider, classifyAiSdkError, defaultAiSdkProviderOptions } from './ai-sdk.js';
export type { AnthropicClientLike, AnthropicMessagesBody, AnthropicProviderOptions } from './anthropic.js';
export { anthropicProvider, defaultAnthropicProviderOptions } from './anthropic.js';
export type { OpenAIClientLike, OpenAIProviderOptions } from './openai.js';
export { defaultOpenAIProviderOptions, openaiProvider } from './openai.js';
export type { ChatBody, ChatMessageParam } from './openai-chat.js';
export type { OpenAICompatibleProviderOptions } from './openai-compatible.js';
export { defaultOpenAICompatibleProviderOptions, openaiCompatibleProvider } from './openai-compatible.js';
export type { ResponsesBody } from './openai-responses.js';
export type { BaseProviderOptions, SdkRequestOptions } from './shared.js';
