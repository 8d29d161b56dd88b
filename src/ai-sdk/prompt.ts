/**
 * The AI SDK's `LanguageModelV3Prompt` as resilient-llm messages: system, user (text and image parts),
 * assistant (text and tool calls) and one `tool` message per tool result. What has no equivalent (reasoning,
 * provider-executed tools, tool approvals, non-image files) is left out with a warning, or, for a file a
 * user sent, rejected as `bad_request` naming it.
 */
import type {
  LanguageModelV3FilePart,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { LLMError } from '../errors/llm-error.js';
import type { ContentPart, ImagePart, Message, TextPart, ToolCall } from '../types.js';

/** A `bad_request` naming the prompt field that cannot be sent. */
function unsupported(where: string, what: string): LLMError {
  return new LLMError({
    type: 'bad_request',
    message: `Invalid prompt: ${where} is ${what}; resilient-llm sends text and image parts only.`,
    code: 'unsupported_part',
  });
}

/** A user's file part as an image part (bytes, base64 text, or a URL). */
function imagePart(part: LanguageModelV3FilePart, where: string): ImagePart {
  if (!part.mediaType.startsWith('image/')) throw unsupported(where, `a file of type ${part.mediaType}`);
  const image: ImagePart =
    part.data instanceof URL ? { type: 'image', url: part.data.href } : { type: 'image', data: part.data };
  // `image/*` means the SDK does not know the exact type: the provider guesses (or reads it from the bytes).
  if (part.mediaType !== 'image/*') image.mediaType = part.mediaType;
  return image;
}

/** Text for a tool result; `isError` for failures and denied executions. */
export function toolResultContent(
  output: LanguageModelV3ToolResultOutput,
  warnings: SharedV3Warning[],
): { content: string; isError: boolean } {
  switch (output.type) {
    case 'text':
      return { content: output.value, isError: false };
    case 'json':
      return { content: JSON.stringify(output.value), isError: false };
    case 'error-text':
      return { content: output.value, isError: true };
    case 'error-json':
      return { content: JSON.stringify(output.value), isError: true };
    case 'execution-denied':
      return { content: `Tool execution denied${output.reason ? `: ${output.reason}` : '.'}`, isError: true };
    case 'content': {
      const texts: string[] = [];
      for (const item of output.value) {
        if (item.type === 'text') texts.push(item.text);
        else warnings.push({ type: 'unsupported', feature: `tool result content of type ${item.type}` });
      }
      return { content: texts.join('\n'), isError: false };
    }
  }
}

function userMessage(message: LanguageModelV3Message & { role: 'user' }, index: number): Message {
  const parts: ContentPart[] = message.content.map((part, p) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : imagePart(part, `prompt[${index}].content[${p}]`),
  );
  const only = parts[0];
  if (parts.length === 1 && only?.type === 'text') return { role: 'user', content: only.text };
  return { role: 'user', content: parts };
}

function assistantMessage(
  message: LanguageModelV3Message & { role: 'assistant' },
  index: number,
  warnings: SharedV3Warning[],
): Message {
  const texts: TextPart[] = [];
  const toolCalls: ToolCall[] = [];
  for (const part of message.content) {
    if (part.type === 'text') texts.push({ type: 'text', text: part.text });
    else if (part.type === 'tool-call' && !part.providerExecuted)
      toolCalls.push({ id: part.toolCallId, name: part.toolName, input: part.input });
    else if (part.type !== 'reasoning')
      warnings.push({
        type: 'unsupported',
        feature: `assistant ${part.type === 'file' ? 'file' : 'provider-executed tool'} part`,
        details: `prompt[${index}] keeps only its text and tool calls.`,
      });
  }
  const content = texts.length === 1 ? (texts[0] as TextPart).text : texts.length === 0 ? '' : texts;
  return toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content };
}

/** Maps an AI SDK prompt to resilient-llm messages; warnings collect what was left out. */
export function toMessages(prompt: LanguageModelV3Prompt, warnings: SharedV3Warning[]): Message[] {
  const messages: Message[] = [];
  for (const [index, message] of prompt.entries()) {
    if (message.role === 'system') messages.push({ role: 'system', content: message.content });
    else if (message.role === 'user') messages.push(userMessage(message, index));
    else if (message.role === 'assistant') messages.push(assistantMessage(message, index, warnings));
    else
      for (const part of message.content) {
        if (part.type === 'tool-approval-response') {
          warnings.push({ type: 'unsupported', feature: 'tool approval responses' });
          continue;
        }
        const { content, isError } = toolResultContent(part.output, warnings);
        messages.push(
          isError
            ? { role: 'tool', toolCallId: part.toolCallId, content, isError }
            : { role: 'tool', toolCallId: part.toolCallId, content },
        );
      }
  }
  return messages;
}
