/**
 * Reads a response body — parsed JSON, JSON text, SSE frames, a JSON array of stream chunks, or plain
 * text — and finds what classification needs: the error object it carries (OpenAI/Azure/Anthropic/Gemini
 * `error`, Responses `type: error` / `response.failed`, Mistral/vLLM/Bedrock flat bodies) or the content
 * filter a successful body signals, plus any text streamed before it. Bounded and linear; may throw only
 * on hostile objects (the caller catches).
 */
import { createParser } from 'eventsource-parser';

/** JSON text longer than this is not parsed (its head is still scanned as text). */
export const MAX_JSON_CHARS = 1_048_576;
/** Text is kept (and SSE is read) up to this many characters from each end. */
export const MAX_TEXT_CHARS = 65_536;
/** At most this many stream events or array elements are inspected. */
export const MAX_EVENTS = 10_000;

/** Gemini candidate finish reasons that mean the output was filtered. */
export const FILTER_FINISH_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

/** What a body says. */
export interface BodyView {
  /** The object holding the error's message/code/type, when the body carries an error. */
  error?: Record<string, unknown>;
  /** Why a successful body counts as filtered (`content_filter`, `refusal`, `PROHIBITED_CONTENT`, ...). */
  filterReason?: string;
  /** Text deltas streamed before the error or filter. */
  partialText?: string;
  /** Plain (non-JSON, non-SSE) text, bounded. */
  text?: string;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null;
const SUCCESS_KEYS = [
  'choices',
  'candidates',
  'content',
  'output',
  'promptFeedback',
  'delta',
  'usageMetadata',
];

/** Keeps the head and tail of long text (an SSE error usually comes last). */
export function boundText(text: string, max: number = MAX_TEXT_CHARS): string {
  return text.length <= max * 2 ? text : `${text.slice(0, max)}\n\n${text.slice(-max)}`;
}

function errorOf(data: Obj, eventName: string | undefined): Obj | undefined {
  const { error, response } = data;
  if (isObj(error)) return error;
  if (typeof error === 'string' && error.length > 0) return { message: error };
  if (data.type === 'response.failed' || (isObj(response) && response.status === 'failed')) {
    return isObj(response) && isObj(response.error) ? response.error : { message: 'response failed' };
  }
  if (data.type === 'error' || data.object === 'error' || eventName === 'error') return data;
  const looksLikeError = typeof data.message === 'string' || typeof data.code === 'string';
  return looksLikeError && !SUCCESS_KEYS.some((key) => key in data) ? data : undefined;
}

function filterOf(data: Obj): string | undefined {
  const { choices, candidates, promptFeedback, delta, response } = data;
  if (Array.isArray(choices) && choices.some((c) => isObj(c) && c.finish_reason === 'content_filter')) {
    return 'content_filter';
  }
  if (data.stop_reason === 'refusal' || (isObj(delta) && delta.stop_reason === 'refusal')) return 'refusal';
  if (isObj(promptFeedback) && typeof promptFeedback.blockReason === 'string') {
    if (promptFeedback.blockReason !== 'BLOCKED_REASON_UNSPECIFIED') return promptFeedback.blockReason;
  }
  if (Array.isArray(candidates)) {
    for (const candidate of candidates.slice(0, 16)) {
      const reason = isObj(candidate) ? candidate.finishReason : undefined;
      if (typeof reason === 'string' && FILTER_FINISH_REASONS.has(reason)) return reason;
    }
  }
  const details = isObj(response) ? response.incomplete_details : data.incomplete_details;
  return isObj(details) && details.reason === 'content_filter' ? 'content_filter' : undefined;
}

function deltaOf(data: Obj): string {
  const { choices, delta, candidates } = data;
  if (Array.isArray(choices) && isObj(choices[0]) && isObj(choices[0].delta)) {
    const content = choices[0].delta.content;
    return typeof content === 'string' ? content : '';
  }
  if (data.type === 'response.output_text.delta' && typeof delta === 'string') return delta;
  if (isObj(delta) && typeof delta.text === 'string') return delta.text;
  if (Array.isArray(candidates) && isObj(candidates[0]) && isObj(candidates[0].content)) {
    const parts = candidates[0].content.parts;
    if (Array.isArray(parts))
      return parts.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return '';
}

/** Walks stream events in order until the first error or filter. */
function readEvents(events: Iterable<{ data: unknown; event?: string | undefined }>): BodyView {
  let partial = '';
  let count = 0;
  for (const { data, event } of events) {
    if (++count > MAX_EVENTS) break;
    if (!isObj(data)) {
      if (event === 'error' && typeof data === 'string')
        return withPartial({ error: { message: data } }, partial);
      continue;
    }
    const error = errorOf(data, event);
    if (error) return withPartial({ error }, partial);
    const filterReason = filterOf(data);
    if (filterReason) return withPartial({ filterReason }, partial);
    if (partial.length < MAX_TEXT_CHARS) partial += deltaOf(data);
  }
  return {};
}

function withPartial(view: BodyView, partial: string): BodyView {
  return partial.length > 0 ? { ...view, partialText: partial } : view;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readSse(text: string): BodyView {
  const events: Array<{ data: unknown; event?: string | undefined }> = [];
  const parser = createParser({
    onEvent: (message) => {
      if (events.length >= MAX_EVENTS) return;
      events.push({ data: parseJson(message.data) ?? message.data, event: message.event });
    },
  });
  parser.feed(`${boundText(text)}\n\n`);
  return readEvents(events);
}

const SSE_LINE = /(?:^|\n)[ \t]*(?:data|event):/;

/** Reads any body form (see the module comment). */
export function readBody(body: unknown): BodyView {
  if (typeof body === 'string') {
    const trimmed = body.length > MAX_JSON_CHARS ? boundText(body) : body.trim();
    const first = trimmed[0];
    if ((first === '{' || first === '[') && body.length <= MAX_JSON_CHARS) {
      const parsed = parseJson(trimmed);
      if (parsed !== undefined) return readBody(parsed);
    }
    if (SSE_LINE.test(trimmed.slice(0, MAX_TEXT_CHARS))) return readSse(trimmed);
    return trimmed.length > 0 ? { text: boundText(trimmed) } : {};
  }
  if (Array.isArray(body)) return readEvents(body.slice(0, MAX_EVENTS).map((data: unknown) => ({ data })));
  if (isObj(body)) return readEvents([{ data: body }]);
  return {};
}
