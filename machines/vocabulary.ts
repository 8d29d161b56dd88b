/**
 * The vocabulary every layer shares: the error taxonomy's type names and the request, message and usage
 * shapes. It imports nothing, so the statecharts (`machines/`) and the runtime (`src/`) can both build on
 * it; `resilient-llm` re-exports all of it from `src/errors/llm-error.ts` and `src/types.ts`.
 */

/** Every value `LLMError.type` can take. */
export const LLM_ERROR_TYPES = [
  'rate_limit',
  'quota_exhausted',
  'timeout',
  'invalid_response',
  'content_filtered',
  'context_length',
  'authentication',
  'bad_request',
  'provider_error',
  'aborted',
  'unknown',
] as const;

/** What went wrong, as one of the 11 taxonomy types. */
export type LLMErrorType = (typeof LLM_ERROR_TYPES)[number];

/** Whether retrying the same provider can help, per type, when the source says nothing more precise. */
export const defaultRetryable: Readonly<Record<LLMErrorType, boolean>> = {
  rate_limit: true,
  quota_exhausted: false,
  timeout: true,
  invalid_response: true,
  content_filtered: false,
  context_length: false,
  authentication: false,
  bad_request: false,
  provider_error: true,
  aborted: false,
  unknown: false,
};

/** JSON form of an {@link LLMError}. */
export interface SerializedLLMError {
  name: 'LLMError';
  type: LLMErrorType;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  provider?: string;
  model?: string;
  status?: number;
  code?: string;
}

/** True when `value` is one of the 11 taxonomy types. */
export function isLLMErrorType(value: unknown): value is LLMErrorType {
  return typeof value === 'string' && (LLM_ERROR_TYPES as readonly string[]).includes(value);
}

/** Who said a message. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** A JSON Schema object (draft 2020-12 or 7), as providers receive it. */
export type JsonSchema = { [key: string]: unknown };

/** Text inside a message. */
export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * An image inside a user message: by `url` (http(s) or a `data:` URL), or by `data` (bytes, or base64 text)
 * with its `mediaType` (e.g. `'image/png'`). Exactly one of `url` and `data` is set.
 */
export interface ImagePart {
  type: 'image';
  url?: string;
  data?: Uint8Array | string;
  /** MIME type of `data` (or of the URL's image, when known). @default 'image/png' for `data` */
  mediaType?: string;
}

/** One part of a message's content. */
export type ContentPart = TextPart | ImagePart;

/** A tool the model asked to call (or, in an assistant message of the history, called). */
export interface ToolCall {
  /** The provider's call id; a later `tool` message answers it with the same `toolCallId`. */
  id: string;
  name: string;
  /** The arguments, parsed from JSON. */
  input: unknown;
}

/** A system instruction. */
export interface SystemMessage {
  role: 'system';
  content: string;
}

/** What the user said: text, or parts (text and images). */
export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
}

/** What the model said earlier: text, and the tools it called. */
export interface AssistantMessage {
  role: 'assistant';
  content: string | TextPart[];
  toolCalls?: ToolCall[];
}

/** The result of a tool call, answering the assistant's call `toolCallId`. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
  /** The tool failed; `content` says how. @default false */
  isError?: boolean;
}

/** One chat message. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A tool the model may call. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the tool's input (the call side also accepts a zod schema and converts it). */
  inputSchema: JsonSchema;
}

/** Whether and which tool the model must call: its choice, none, any, or the named one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { tool: string };

/** The answer's format: free text, any JSON object, or JSON matching `schema`. */
export type ResponseFormat = 'text' | 'json' | { type: 'json'; schema: JsonSchema; name?: string };

/** What a caller asks for; providers receive it (possibly truncated or rewritten by the lifecycle). */
export interface LLMRequest {
  messages: Message[];
  /** Tools the model may call. @default undefined (none) */
  tools?: ToolDefinition[];
  /** Which tool to call, when `tools` are given. @default provider's own default ('auto') */
  toolChoice?: ToolChoice;
  /** The answer's format. @default 'text' */
  responseFormat?: ResponseFormat;
  /** Upper bound on generated tokens, passed to the provider. @default provider's own default */
  maxOutputTokens?: number;
  /** @deprecated Use `maxOutputTokens`; read when `maxOutputTokens` is not set. */
  maxTokens?: number;
  /** Sampling temperature, passed to the provider. @default provider's own default */
  temperature?: number;
  /** Sequences that end generation. @default undefined */
  stop?: string[];
  /** Extra body fields per provider id, merged into that provider's request body. @default undefined */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** Why the model stopped: normalized across providers (the provider's own word is kept as `rawFinishReason`). */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

/** The text of a message's content (text parts joined; images contribute nothing). */
export function contentText(content: string | readonly ContentPart[]): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

/** The token cap a request asks for: `maxOutputTokens`, else the deprecated `maxTokens`. */
export function outputTokenLimit(request: LLMRequest): number | undefined {
  return request.maxOutputTokens ?? request.maxTokens;
}

/** Token counts reported by a provider. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}
