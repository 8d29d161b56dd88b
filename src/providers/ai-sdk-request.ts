/**
 * A resilient-llm request as `generateText` / `streamText` arguments: messages (text and image parts,
 * assistant tool calls, tool results with their tool's name), tools as JSON-Schema tools without `execute`
 * (so the SDK returns the calls instead of running them), tool choice, response format, stop sequences and
 * this provider's `providerOptions` entry.
 */
import type { LLMRequest, Message, ResponseFormat, ToolChoice } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import { splitSystem } from './shared.js';

type AiModule = typeof import('ai');
type GenerateArgs = Parameters<AiModule['generateText']>[0];
type ModelMessage = import('ai').ModelMessage;
type UserContent = Exclude<(ModelMessage & { role: 'user' })['content'], string>;
type AssistantContent = Exclude<(ModelMessage & { role: 'assistant' })['content'], string>;
type AiOutput = NonNullable<GenerateArgs['output']>;
type AiToolChoice = NonNullable<GenerateArgs['toolChoice']>;

function userContent(content: Exclude<(Message & { role: 'user' })['content'], string>): UserContent {
  return content.map((part) => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const image = part.url !== undefined ? new URL(part.url) : (part.data ?? '');
    return part.mediaType ? { type: 'image', image, mediaType: part.mediaType } : { type: 'image', image };
  });
}

/** Our messages (system ones excluded) as AI SDK model messages. */
export function toModelMessages(messages: readonly Message[]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): ModelMessage => {
    if (m.role === 'system') return { role: 'system', content: m.content };
    if (m.role === 'user')
      return { role: 'user', content: typeof m.content === 'string' ? m.content : userContent(m.content) };
    if (m.role === 'assistant') {
      const text = contentText(m.content);
      if (!m.toolCalls?.length) return { role: 'assistant', content: text };
      const content: AssistantContent = text ? [{ type: 'text', text }] : [];
      for (const call of m.toolCalls) {
        toolNames.set(call.id, call.name);
        content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input });
      }
      return { role: 'assistant', content };
    }
    const output = m.isError
      ? { type: 'error-text' as const, value: m.content }
      : { type: 'text' as const, value: m.content };
    const toolName = toolNames.get(m.toolCallId) ?? 'unknown';
    return { role: 'tool', content: [{ type: 'tool-result', toolCallId: m.toolCallId, toolName, output }] };
  });
}

function toAiToolChoice(choice: ToolChoice): AiToolChoice {
  return typeof choice === 'string' ? choice : { type: 'tool', toolName: choice.tool };
}

/**
 * An AI SDK `Output` that only sets the response format and hands the text back unparsed: the lifecycle
 * validates (and re-prompts on) the answer itself, so the SDK must not throw on an invalid one.
 */
function rawJsonOutput(format: Exclude<ResponseFormat, 'text'>): AiOutput {
  const responseFormat =
    format === 'json'
      ? { type: 'json' as const }
      : { type: 'json' as const, schema: format.schema, ...(format.name ? { name: format.name } : {}) };
  return {
    name: 'json',
    responseFormat: Promise.resolve(responseFormat as Awaited<AiOutput['responseFormat']>),
    parseCompleteOutput: async ({ text }) => text,
    parsePartialOutput: async () => undefined,
    createElementStreamTransform: () => undefined,
  };
}

/** The arguments of one `generateText` / `streamText` call for `request`. */
export function toCallArgs(
  ai: AiModule,
  model: GenerateArgs['model'],
  request: LLMRequest,
  providerId: string,
  maxTokens: number | undefined,
) {
  const { system, rest } = splitSystem(request.messages);
  const limit = outputTokenLimit(request) ?? maxTokens;
  const tools = request.tools?.length
    ? (Object.fromEntries(
        request.tools.map((t) => [
          t.name,
          {
            ...(t.description === undefined ? {} : { description: t.description }),
            inputSchema: ai.jsonSchema(t.inputSchema as Parameters<AiModule['jsonSchema']>[0]),
          },
        ]),
      ) as GenerateArgs['tools'])
    : undefined;
  const format = request.responseFormat;
  const providerOptions = request.providerOptions?.[providerId];
  return {
    model,
    messages: toModelMessages(rest),
    maxRetries: 0,
    ...(system === undefined ? {} : { system }),
    ...(limit === undefined ? {} : { maxOutputTokens: limit }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.stop?.length ? { stopSequences: request.stop } : {}),
    ...(tools ? { tools } : {}),
    ...(tools && request.toolChoice ? { toolChoice: toAiToolChoice(request.toolChoice) } : {}),
    ...(format && format !== 'text' ? { output: rawJsonOutput(format) } : {}),
    ...(providerOptions
      ? { providerOptions: providerOptions as NonNullable<GenerateArgs['providerOptions']> }
      : {}),
  };
}
