/**
 * The AI SDK's `LanguageModelV3CallOptions` as a resilient-llm call: prompt, tools, tool choice, response
 * format, sampling settings, headers, the abort signal and provider options. `providerOptions['resilient-llm']`
 * carries the per-call options only this library knows (cache key, request id, metadata, timeouts); every other
 * entry is passed on as the request's `providerOptions`, keyed by provider id.
 */
import type {
  JSONSchema7,
  LanguageModelV3CallOptions,
  LanguageModelV3ToolChoice,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { z } from 'zod';
import type { CallRequest } from '../client/call-request.js';
import { LLMError } from '../errors/llm-error.js';
import type { JsonSchema, ResponseFormat, ToolChoice, ToolDefinition } from '../types.js';
import { toMessages } from './prompt.js';

/** The key of `providerOptions` read by the resilient model (and of `providerMetadata` it writes). */
export const PROVIDER_KEY = 'resilient-llm';

/** Per-call options under `providerOptions['resilient-llm']`. */
export interface ResilientCallOptions {
  /** Where a schema-valid answer is cached, and looked up when degrading. @default undefined */
  cacheKey?: string;
  /** Id of the call (else generated). @default undefined */
  requestId?: string;
  /** Reaches hooks, telemetry and the inspector, never the provider. @default undefined */
  metadata?: Record<string, unknown>;
  /** Per-call timeouts, in ms. @default the client's */
  timeouts?: { attemptMs?: number; totalMs?: number; firstTokenMs?: number; idleMs?: number };
}

const ms = z.number().positive();
const callOptionsSchema = z.strictObject({
  cacheKey: z.string().min(1, 'cacheKey must not be empty').optional(),
  requestId: z.string().min(1, 'requestId must not be empty').optional(),
  metadata: z.record(z.string(), z.unknown(), 'metadata must be an object').optional(),
  timeouts: z
    .strictObject({
      attemptMs: ms.optional(),
      totalMs: ms.optional(),
      firstTokenMs: ms.optional(),
      idleMs: ms.optional(),
    })
    .optional(),
});

/** Settings of the V3 call options that have no resilient-llm equivalent (reported as `unsupported`). */
const UNSUPPORTED_SETTINGS = ['topP', 'topK', 'presencePenalty', 'frequencyPenalty', 'seed'] as const;

/** zod schemas built from JSON Schemas, once per schema object. */
const zodSchemas = new WeakMap<object, z.ZodType | null>();

/** A zod schema checking answers against a JSON Schema, or null when zod cannot express it. */
function schemaFor(jsonSchema: JSONSchema7): z.ZodType | null {
  let schema = zodSchemas.get(jsonSchema);
  if (schema === undefined) {
    try {
      schema = z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      schema = null;
    }
    zodSchemas.set(jsonSchema, schema);
  }
  return schema;
}

/** Any JSON value: what a `json` response format without a schema must be. */
const anyJson = z.json();

function toToolChoice(choice: LanguageModelV3ToolChoice): ToolChoice {
  return choice.type === 'tool' ? { tool: choice.toolName } : choice.type;
}

/** The `resilient-llm` entry of `providerOptions`, validated; a bad one is a `bad_request` naming the field. */
function resilientOptions(value: unknown): ResilientCallOptions {
  if (value === undefined) return {};
  const parsed = callOptionsSchema.safeParse(value);
  if (parsed.success) return parsed.data as ResilientCallOptions;
  throw new LLMError({
    type: 'bad_request',
    message: `Invalid providerOptions['${PROVIDER_KEY}']: ${z.prettifyError(parsed.error)}`,
    code: 'invalid_call',
  });
}

/** A mapped call: the request for `llm.call()`, what was left out, and whether the answer must be JSON. */
export interface MappedCall {
  request: CallRequest<unknown>;
  warnings: SharedV3Warning[];
  /** `responseFormat` asked for JSON: the answer text handed back is the validated JSON. */
  json: boolean;
}

/** Maps V3 call options to a resilient-llm call request. Throws a `bad_request` LLMError for what cannot be sent. */
export function toCallRequest(options: LanguageModelV3CallOptions): MappedCall {
  const warnings: SharedV3Warning[] = [];
  const request: CallRequest<unknown> = { messages: toMessages(options.prompt, warnings) };
  const tools: ToolDefinition[] = [];
  for (const tool of options.tools ?? []) {
    if (tool.type === 'function') {
      const definition: ToolDefinition = { name: tool.name, inputSchema: tool.inputSchema as JsonSchema };
      if (tool.description !== undefined) definition.description = tool.description;
      tools.push(definition);
    } else warnings.push({ type: 'unsupported', feature: `provider tool ${tool.id}` });
  }
  if (tools.length > 0) request.tools = tools;
  if (options.toolChoice && tools.length > 0) request.toolChoice = toToolChoice(options.toolChoice);
  let json = false;
  const format = options.responseFormat;
  if (format?.type === 'json') {
    json = true;
    const schema = format.schema ? schemaFor(format.schema) : anyJson;
    if (schema) request.schema = schema;
    else warnings.push({ type: 'compatibility', feature: 'responseFormat.schema', details: 'not validated' });
    const responseFormat: ResponseFormat = format.schema
      ? { type: 'json', schema: format.schema as JsonSchema, ...(format.name ? { name: format.name } : {}) }
      : 'json';
    request.responseFormat = responseFormat;
  }
  if (options.maxOutputTokens !== undefined) request.maxOutputTokens = options.maxOutputTokens;
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.stopSequences?.length) request.stop = options.stopSequences;
  for (const setting of UNSUPPORTED_SETTINGS)
    if (options[setting] !== undefined) warnings.push({ type: 'unsupported', feature: setting });
  const headers = Object.entries(options.headers ?? {}).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  if (headers.length > 0) request.headers = Object.fromEntries(headers);
  if (options.abortSignal) request.signal = options.abortSignal;
  const { [PROVIDER_KEY]: ours, ...others } = options.providerOptions ?? {};
  if (Object.keys(others).length > 0) request.providerOptions = others;
  Object.assign(request, resilientOptions(ours));
  return { request, warnings, json };
}
