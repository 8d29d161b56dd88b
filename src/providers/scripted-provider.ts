/**
 * `faultyProvider`: an in-process provider that follows a script of answers, errors, delays and hangs.
 * For tests (`resilient-llm/testing` exports it) and the inspector's demo app, without a network; time
 * comes from the injected clock.
 */
import { type Clock, sleep, systemClock } from '../clock.js';
import { LLMError, type LLMErrorType } from '../errors/llm-error.js';
import type {
  LLMRequest,
  Provider,
  ProviderCallOptions,
  ProviderResult,
  ProviderStreamEvent,
  ToolCall,
  Usage,
} from '../types.js';

/** One scripted behaviour. */
export type FaultStep =
  | {
      text: string;
      delayMs?: number;
      model?: string;
      tokenDelayMs?: number;
      /** Tool calls the answer makes (finish reason `tool-calls`). */
      toolCalls?: ToolCall[];
      usage?: Usage;
    }
  | {
      error: LLMErrorType;
      retryAfterMs?: number | undefined;
      delayMs?: number;
      code?: string | undefined;
      /** Streaming: text sent before the error (a mid-stream failure). */
      afterText?: string;
    }
  | { throw: unknown; delayMs?: number }
  /** Never answers; when streaming, after sending `afterText` (a stall). */
  | { hang: true; afterText?: string };

/** What a script sees for each call. */
export interface FaultyCallContext {
  /** 1-based number of this call on the provider. */
  call: number;
  request: LLMRequest;
  requestId: string | undefined;
  attempt: number | undefined;
}

/** Options of {@link faultyProvider}. */
export interface FaultyProviderOptions {
  id: string;
  /** Steps used in order (the last one repeats), or a function choosing a step per call. */
  script: FaultStep[] | ((context: FaultyCallContext) => FaultStep);
  /** @default 0 */
  priority?: number;
  /** @default true */
  enabled?: boolean;
  /** @default undefined */
  contextWindow?: number;
  /** Source of time for delays. @default systemClock */
  clock?: Clock;
}

/** A provider that follows a script, and records what it was asked. */
export interface FaultyProvider extends Provider {
  /** Every call received, in order. */
  readonly calls: Array<FaultyCallContext & { at: number }>;
}

/** Creates a scripted provider. */
export function faultyProvider(options: FaultyProviderOptions): FaultyProvider {
  const clock = options.clock ?? systemClock;
  const calls: Array<FaultyCallContext & { at: number }> = [];
  const pick = (context: FaultyCallContext): FaultStep => {
    if (typeof options.script === 'function') return options.script(context);
    const steps = options.script;
    const step = steps[Math.min(context.call - 1, steps.length - 1)];
    if (!step) throw new TypeError(`faultyProvider ${options.id}: the script is empty`);
    return step;
  };

  const begin = (request: LLMRequest, callOptions: ProviderCallOptions): FaultStep => {
    const context: FaultyCallContext = {
      call: calls.length + 1,
      request,
      requestId: callOptions.requestId,
      attempt: callOptions.attempt,
    };
    calls.push({ ...context, at: clock.now() });
    return pick(context);
  };
  const hang = (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      if (signal.aborted) reject(abortError(options.id));
      signal.addEventListener('abort', () => reject(abortError(options.id)), { once: true });
    });
  const wait = async (ms: number | undefined, signal: AbortSignal) => {
    if (!ms) return;
    try {
      await sleep(clock, ms, signal);
    } catch {
      throw abortError(options.id);
    }
  };
  const failure = (step: Extract<FaultStep, { error: LLMErrorType }>) =>
    new LLMError({
      type: step.error,
      message: `${options.id} scripted ${step.error}`,
      provider: options.id,
      retryAfterMs: step.retryAfterMs,
      code: step.code,
    });

  const provider: FaultyProvider = {
    id: options.id,
    calls,
    async call(request: LLMRequest, callOptions: ProviderCallOptions): Promise<ProviderResult> {
      const step = begin(request, callOptions);
      const { signal } = callOptions;
      if ('hang' in step) return hang(signal);
      await wait(step.delayMs, signal);
      if ('text' in step) {
        const result: ProviderResult = { text: step.text, model: step.model ?? `${options.id}-model` };
        if (step.toolCalls !== undefined) result.toolCalls = step.toolCalls;
        result.finishReason = step.toolCalls?.length ? 'tool-calls' : 'stop';
        if (step.usage !== undefined) result.usage = step.usage;
        return result;
      }
      if ('throw' in step) throw step.throw;
      throw failure(step);
    },
    async *stream(request: LLMRequest, callOptions: ProviderCallOptions): AsyncIterable<ProviderStreamEvent> {
      const step = begin(request, callOptions);
      const { signal } = callOptions;
      if ('hang' in step) {
        for (const token of tokens(step.afterText)) yield { type: 'delta', text: token };
        return await hang(signal);
      }
      await wait(step.delayMs, signal);
      if ('throw' in step) throw step.throw;
      if ('error' in step) {
        for (const token of tokens(step.afterText)) yield { type: 'delta', text: token };
        throw failure(step);
      }
      for (const token of tokens(step.text)) {
        await wait(step.tokenDelayMs, signal);
        yield { type: 'delta', text: token };
      }
      for (const toolCall of step.toolCalls ?? []) yield { type: 'tool-call', toolCall };
      yield {
        type: 'done',
        model: step.model ?? `${options.id}-model`,
        ...(step.toolCalls?.length ? { finishReason: 'tool-calls' as const } : {}),
      };
    },
  };
  if (options.priority !== undefined) provider.priority = options.priority;
  if (options.enabled !== undefined) provider.enabled = options.enabled;
  if (options.contextWindow !== undefined) provider.contextWindow = options.contextWindow;
  return provider;
}

/** Splits text into word tokens, each keeping its trailing space. */
function tokens(text: string | undefined): string[] {
  return text ? text.split(/(?<= )/) : [];
}

function abortError(provider: string): LLMError {
  return new LLMError({ type: 'aborted', message: `${provider}: request aborted`, provider });
}
