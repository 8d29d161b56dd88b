/**
 * The caller's side of a call: its request shape, its result, and validation of both at the boundary.
 */
import { z } from 'zod';
import type { AnswerSource, AttemptRecord } from '../../machines/request-types.js';
import { LLMError } from '../errors/llm-error.js';
import { timerMsSchema } from '../options.js';
import type {
  FinishReason,
  JsonSchema,
  LLMRequest,
  Message,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  Usage,
} from '../types.js';
import { plainCallRequest } from '../validation/plain-call.js';
import { type ValidationResult, validateAnswer } from '../validation/validate.js';

/** A tool as the caller declares it: `inputSchema` is a JSON Schema object or a zod schema. */
export interface CallToolDefinition {
  name: string;
  description?: string | undefined;
  /** The tool's input: a zod schema (converted with `z.toJSONSchema`) or a JSON Schema object. */
  inputSchema: z.ZodType | JsonSchema;
}

/** The answer's format as the caller gives it: a `schema` may be zod (converted) or JSON Schema. */
export type CallResponseFormat =
  | 'text'
  | 'json'
  | { type: 'json'; schema: z.ZodType | JsonSchema; name?: string | undefined };

/** Per-call deadlines, overriding the client's `timeouts` for this call only (same bounds). */
export interface CallTimeouts {
  /** @default the client's `timeouts.attemptMs` */
  attemptMs?: number | undefined;
  /** @default the client's `timeouts.totalMs` */
  totalMs?: number | undefined;
  /** @default the client's `timeouts.firstTokenMs` */
  firstTokenMs?: number | undefined;
  /** @default the client's `timeouts.idleMs` */
  idleMs?: number | undefined;
}

/** What `llm.call()` takes. */
export interface CallRequest<T = unknown> {
  messages: Message[];
  /** Tools the model may call. @default undefined (none) */
  tools?: CallToolDefinition[] | undefined;
  /** Whether and which tool the model must call; `{ tool }` must name one of `tools`. @default provider default */
  toolChoice?: ToolChoice | undefined;
  /** Ask the provider for JSON (any, or matching a schema). @default 'text' */
  responseFormat?: CallResponseFormat | undefined;
  /** A zod schema the answer must satisfy (JSON is extracted from the text). @default undefined */
  schema?: z.ZodType<T> | undefined;
  /**
   * What `schema` checks: the answer's text, or the input of the named tool's call (`'tool:<name>'`). An
   * answer that calls tools is valid without text; with `'text'` the schema checks text answers only.
   * @default 'text'
   */
  schemaTarget?: 'text' | `tool:${string}` | undefined;
  /** Where a schema-valid answer is cached, and looked up when degrading. @default undefined */
  cacheKey?: string | undefined;
  /** Aborts the call at once (settles with an `aborted` LLMError). @default undefined */
  signal?: AbortSignal | undefined;
  /** Upper bound on generated tokens, passed to providers. @default provider default */
  maxOutputTokens?: number | undefined;
  /** @deprecated Use `maxOutputTokens` (read only when `maxOutputTokens` is not set). */
  maxTokens?: number | undefined;
  /** Passed to providers. @default provider default */
  temperature?: number | undefined;
  /** Sequences that end generation. @default undefined */
  stop?: string[] | undefined;
  /** Extra request-body fields per provider id, e.g. `{ openai: { seed: 7 } }`. @default undefined */
  providerOptions?: Record<string, Record<string, unknown>> | undefined;
  /** Deadlines for this call only. @default the client's `timeouts` */
  timeouts?: CallTimeouts | undefined;
  /** The call's id (results, headers, logs); unique among calls in flight. @default generated (`req_…`) */
  requestId?: string | undefined;
  /** Headers sent with every attempt of this call (e.g. tracing or tenant headers). @default undefined */
  headers?: Record<string, string> | undefined;
  /** Your data about the call: reaches hooks, telemetry and the inspector, never a provider. @default undefined */
  metadata?: Record<string, unknown> | undefined;
}

/** What `llm.stream()` takes: a call without a schema (tokens reach the caller before any validation). */
export interface StreamRequest extends Omit<CallRequest<string>, 'schema'> {
  /** After a mid-stream failure, continue on the next provider with the partial answer as context. @default false */
  resumeOnFailure?: boolean | undefined;
}

interface ResultBase {
  /** The answer's text ('' when the model only called tools). */
  text: string;
  /** Tools the model asked to call (empty when none). */
  toolCalls: ToolCall[];
  /** Why the model stopped, normalized (undefined for cached and fallback answers). */
  finishReason: FinishReason | undefined;
  provider: string | undefined;
  /** The model that actually answered. */
  model: string | undefined;
  /** Tokens used, summed over every attempt of the call that reported usage. */
  usage: Usage | undefined;
  /** Every attempt and skipped provider, with its outcome and the decision taken. */
  attempts: AttemptRecord[];
  durationMs: number;
  requestId: string;
}

/**
 * What `llm.call()` resolves with. `data` is the schema-parsed answer (the text itself without a schema) —
 * for the static fallback too, which is checked against the call's schema before any provider is called.
 */
export type CallResult<T = unknown> = ResultBase & { source: AnswerSource; data: T };

/** A validated call: the request providers receive, and the static fallback parsed by the call's schema. */
export type ParsedCall<T> = CallRequest<T> & {
  request: LLMRequest;
  fallbackData?: { value: unknown };
  /** Providers that cannot take the request (see {@link checkCapabilities}). */
  incapable?: readonly string[];
};

/** True when a message of the request carries an image. */
export function hasImages(request: LLMRequest): boolean {
  return request.messages.some(
    (m) => m.role === 'user' && typeof m.content !== 'string' && m.content.some((p) => p.type === 'image'),
  );
}

/**
 * The providers (by id) that cannot take `request`: those declaring `capabilities.vision: false` when it
 * carries images (unknown means allowed). Throws `bad_request` (code `unsupported_content`) when no enabled
 * provider can take it, before any provider is called.
 */
export function checkCapabilities(
  request: LLMRequest,
  providers: ReadonlyArray<{ id: string; capabilities?: { vision?: boolean } | undefined }>,
): string[] {
  if (!hasImages(request)) return [];
  const incapable = providers.filter((p) => p.capabilities?.vision === false).map((p) => p.id);
  if (providers.length > 0 && incapable.length === providers.length) {
    throw new LLMError({
      type: 'bad_request',
      message: `Invalid call: ✖ messages: image parts, but no provider takes images (${incapable.join(', ')} declare vision: false)`,
      code: 'unsupported_content',
    });
  }
  return incapable;
}

const textPart = z.strictObject({ type: z.literal('text'), text: z.string('text must be a string') });
const imagePart = z
  .strictObject({
    type: z.literal('image'),
    url: z.string().min(1, 'url must not be empty').optional(),
    data: z
      .union([z.instanceof(Uint8Array), z.string().min(1)], 'data must be bytes or base64 text')
      .optional(),
    mediaType: z.string().min(1, 'mediaType must not be empty').optional(),
  })
  .refine(
    (p) => (p.url === undefined) !== (p.data === undefined),
    'an image needs exactly one of url and data',
  );
const toolCall = z.strictObject({
  id: z.string().min(1, 'a tool call id must not be empty'),
  name: z.string().min(1, 'a tool call name must not be empty'),
  input: z.unknown(),
});

const messageSchema = z.discriminatedUnion(
  'role',
  [
    z.strictObject({ role: z.literal('system'), content: z.string('content must be a string') }),
    z.strictObject({
      role: z.literal('user'),
      content: z.union(
        [z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))],
        'content must be a string or an array of text and image parts',
      ),
    }),
    z.strictObject({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(textPart)], 'content must be a string or an array of text parts'),
      toolCalls: z.array(toolCall).optional(),
    }),
    z.strictObject({
      role: z.literal('tool'),
      toolCallId: z.string().min(1, 'toolCallId must not be empty'),
      content: z.string('content must be a string'),
      isError: z.boolean().optional(),
    }),
  ],
  { error: 'role must be system, user, assistant or tool' },
);

const isZod = (v: unknown) => typeof (v as z.ZodType | undefined)?.safeParse === 'function';
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const schemaLike = z.custom<z.ZodType | JsonSchema>(
  (v) => isZod(v) || isObject(v),
  'must be a zod schema or a JSON Schema object',
);
const toolSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a tool name must be 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  inputSchema: schemaLike,
});
const toolChoiceSchema = z.union(
  [z.enum(['auto', 'none', 'required']), z.strictObject({ tool: z.string().min(1) })],
  "toolChoice must be 'auto', 'none', 'required' or { tool: name }",
);
const responseFormatSchema = z.union(
  [
    z.enum(['text', 'json']),
    z.strictObject({ type: z.literal('json'), schema: schemaLike, name: z.string().min(1).optional() }),
  ],
  "responseFormat must be 'text', 'json' or { type: 'json', schema }",
);

const callSchema = z.strictObject({
  messages: z.array(messageSchema, 'messages must be an array').min(1, 'messages must not be empty'),
  tools: z.array(toolSchema, 'tools must be an array').optional(),
  toolChoice: toolChoiceSchema.optional(),
  responseFormat: responseFormatSchema.optional(),
  schema: z.custom<z.ZodType>(isZod, 'schema must be a zod schema').optional(),
  schemaTarget: z
    .string()
    .regex(/^(text|tool:.+)$/, "schemaTarget must be 'text' or 'tool:<name>'")
    .optional(),
  cacheKey: z.string().min(1, 'cacheKey must not be empty').optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'signal must be an AbortSignal').optional(),
  maxOutputTokens: z.int().positive().optional(),
  stop: z.array(z.string().min(1), 'stop must be an array of non-empty strings').optional(),
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  timeouts: z
    .strictObject({
      // The bounds of the client's `timeouts` (one rule: `timerMsSchema`).
      attemptMs: timerMsSchema('attemptMs', true).optional(),
      totalMs: timerMsSchema('totalMs', true).optional(),
      firstTokenMs: timerMsSchema('firstTokenMs', true).optional(),
      idleMs: timerMsSchema('idleMs', true).optional(),
    })
    .optional(),
  requestId: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'requestId must be 1-128 printable ASCII characters')
    .optional(),
  headers: z.record(z.string(), z.string('header values must be strings')).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  maxTokens: z.int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

/** Each schema's verdict on the static fallback, computed once per schema object. */
const fallbackVerdicts = new WeakMap<z.ZodType, Map<string, ValidationResult>>();

/**
 * Parses the static fallback with the call's schema. The schema is per call, so this cannot happen when the
 * client is created; it happens before any provider is called, and a fallback the schema rejects fails the
 * call as `bad_request` (code `invalid_fallback`): that is a configuration bug, better found on the first
 * call than during the outage the fallback exists for.
 */
export function parseFallback(fallback: string, schema: z.ZodType): { value: unknown } {
  const verdicts = fallbackVerdicts.get(schema) ?? new Map<string, ValidationResult>();
  fallbackVerdicts.set(schema, verdicts);
  const verdict = verdicts.get(fallback) ?? validateAnswer(fallback, schema);
  verdicts.set(fallback, verdict);
  if (verdict.ok) return { value: verdict.data };
  throw new LLMError({
    type: 'bad_request',
    message: `Invalid degradation.fallback for this call's schema: ${verdict.validation}`,
    code: 'invalid_fallback',
  });
}

function badCall(message: string, code = 'invalid_call'): LLMError {
  return new LLMError({ type: 'bad_request', message: `Invalid call: ✖ ${message}`, code });
}

/** A zod schema as JSON Schema (draft 2020-12); a JSON Schema object as is. */
function toJsonSchema(schema: z.ZodType | JsonSchema, field: string): JsonSchema {
  if (typeof (schema as z.ZodType).safeParse !== 'function') return schema as JsonSchema;
  try {
    const { $schema: _, ...json } = z.toJSONSchema(schema as z.ZodType, { io: 'input' }) as JsonSchema;
    return json;
  } catch (error) {
    throw badCall(`${field}: this zod schema has no JSON Schema form (${(error as Error).message})`);
  }
}

/**
 * The checks across fields: every tool result answers an earlier assistant tool call; tool names are
 * unique; `toolChoice: { tool }` and `schemaTarget: 'tool:<name>'` name a declared tool.
 */
function checkConversation(call: CallRequest<unknown>): void {
  const called = new Set<string>();
  call.messages.forEach((m, i) => {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) called.add(c.id);
    if (m.role === 'tool' && !called.has(m.toolCallId)) {
      throw badCall(
        `messages[${i}].toolCallId: "${m.toolCallId}" answers no earlier assistant tool call`,
        'orphan_tool_result',
      );
    }
  });
  const names = new Set<string>();
  for (const [i, tool] of (call.tools ?? []).entries()) {
    if (names.has(tool.name)) throw badCall(`tools[${i}].name: "${tool.name}" is declared twice`);
    names.add(tool.name);
  }
  const choice = call.toolChoice;
  if (typeof choice === 'object' && !names.has(choice.tool)) {
    throw badCall(`toolChoice.tool: "${choice.tool}" is not one of the declared tools`, 'unknown_tool');
  }
  if (choice === 'required' && names.size === 0) throw badCall("toolChoice: 'required' needs tools");
  const target = call.schemaTarget;
  if (target?.startsWith('tool:') && !names.has(target.slice(5))) {
    throw badCall(`schemaTarget: "${target.slice(5)}" is not one of the declared tools`, 'unknown_tool');
  }
}

/**
 * Validates a call's argument; a bad one becomes a `bad_request` LLMError naming the field. A plain call
 * (string messages, simple fields) is proven valid by a cheap check; anything else goes through zod.
 */
export function parseCallRequest<T>(value: CallRequest<T>, fallback?: string): ParsedCall<T> {
  const plain = plainCallRequest(value);
  return plain === undefined ? parseCallRequestByZod(value, fallback) : parsedCallOf(value, plain, fallback);
}

/**
 * Validates a stream's argument like {@link parseCallRequest}. A `schema` is refused (the type leaves it out,
 * a JavaScript caller may not): tokens reach the caller before the whole answer could be checked, so a stream
 * is never validated or re-prompted; `call()` validates.
 */
export function parseStreamRequest(value: CallRequest<string>): ParsedCall<string> {
  if (value.schema !== undefined) {
    throw badCall(
      'schema: stream() does not validate answers (tokens reach the caller first); use call() with a schema',
      'unsupported_option',
    );
  }
  return parseCallRequest(value);
}

/** {@link parseCallRequest} by the zod call schema alone (every call that is not plain). */
export function parseCallRequestByZod<T>(value: CallRequest<T>, fallback?: string): ParsedCall<T> {
  const parsed = callSchema.safeParse(value);
  if (!parsed.success) {
    throw new LLMError({
      type: 'bad_request',
      message: `Invalid call: ${z.prettifyError(parsed.error)}`,
      code: 'invalid_call',
    });
  }
  const data = parsed.data;
  checkConversation(value);
  const request: LLMRequest = { messages: data.messages as Message[] };
  const limit = data.maxOutputTokens ?? data.maxTokens;
  if (limit !== undefined) request.maxOutputTokens = limit;
  if (data.temperature !== undefined) request.temperature = data.temperature;
  if (data.stop !== undefined) request.stop = data.stop;
  if (data.providerOptions !== undefined) request.providerOptions = data.providerOptions;
  if (value.tools !== undefined) {
    request.tools = value.tools.map((tool, i) => {
      const converted: ToolDefinition = {
        name: tool.name,
        inputSchema: toJsonSchema(tool.inputSchema, `tools[${i}].inputSchema`),
      };
      if (tool.description !== undefined) converted.description = tool.description;
      return converted;
    });
  }
  if (value.toolChoice !== undefined) request.toolChoice = value.toolChoice;
  const format = value.responseFormat;
  if (format !== undefined) {
    request.responseFormat =
      typeof format === 'string'
        ? format
        : {
            type: 'json',
            schema: toJsonSchema(format.schema, 'responseFormat.schema'),
            ...(format.name === undefined ? {} : { name: format.name }),
          };
  }
  return parsedCallOf(value, request, fallback);
}

/** The validated call: the caller's fields, the providers' request and the fallback parsed by the schema. */
function parsedCallOf<T>(
  value: CallRequest<T>,
  request: LLMRequest,
  fallback: string | undefined,
): ParsedCall<T> {
  // Object.assign, not a spread: on Node 20 a spread followed by a key the source lacks (`request`) leaves
  // V8's fast clone path and costs ~0.6 µs, a tenth of a fast-path call.
  const parsedCall: ParsedCall<T> = Object.assign({}, value, { request });
  if (fallback !== undefined && value.schema !== undefined) {
    parsedCall.fallbackData = parseFallback(fallback, value.schema);
  }
  return parsedCall;
}
