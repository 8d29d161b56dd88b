/**
 * The inspector's built-in demo: a real `createResilientLLM` over three scripted providers whose faults
 * (outage, error rates by type, latency, Retry-After) and traffic rate are changed live from the page. It
 * connects to the relay through the same bridge as any app, so the demo and real apps share one path.
 */
import { memoryCache } from '../cache/memory-cache.js';
import { createResilientLLM, type ResilientLLM } from '../client/create-resilient-llm.js';
import { LLM_ERROR_TYPES, type LLMErrorType } from '../errors/llm-error.js';
import { type FaultStep, faultyProvider } from '../providers/scripted-provider.js';
import { createInspectBridge, type InspectBridge } from './bridge.js';
import type { BridgeSocketConstructor } from './bridge-options.js';
import type { DemoProviderSettings, DemoState, InspectorCommand } from './protocol.js';

/** Options of {@link startInspectorDemo}. */
export interface InspectorDemoOptions {
  /** The relay URL, token included. */
  url: string;
  /** Requests per second at start. @default 3 */
  rps?: number;
  /** Random source for faults and jitter. @default Math.random */
  random?: () => number;
  /** WebSocket implementation for the bridge. @default the `ws` package's */
  WebSocket?: BridgeSocketConstructor | undefined;
}

/** The running demo. */
export interface InspectorDemo {
  readonly llm: ResilientLLM;
  readonly bridge: InspectBridge;
  /** Current settings (live; change them with commands). */
  readonly state: DemoState;
  /** Applies a `demo.*` command; returns false for other commands. */
  apply(command: InspectorCommand): boolean;
  /** Stops traffic, the client and the bridge. */
  stop(): Promise<void>;
}

/** The demo's providers and their starting faults. */
export const DEMO_PROVIDERS: Record<string, DemoProviderSettings> = {
  alpha: { outage: false, latencyMs: 150, retryAfterMs: 1_000, errorRates: { rate_limit: 0.05 } },
  beta: { outage: false, latencyMs: 250, retryAfterMs: 1_000, errorRates: { timeout: 0.02 } },
  gamma: { outage: false, latencyMs: 400, retryAfterMs: 1_000, errorRates: {} },
};

const QUESTIONS = ['What is a circuit breaker?', 'Why back off?', 'What is Retry-After?', 'Why fail over?'];

/** Picks what a demo provider does on one call. */
export function demoStep(id: string, settings: DemoProviderSettings, random: () => number): FaultStep {
  const jitter = (ms: number) => Math.round(ms * (0.5 + random()));
  if (settings.outage) return { error: 'provider_error', delayMs: Math.min(jitter(settings.latencyMs), 80) };
  let roll = random();
  for (const type of LLM_ERROR_TYPES) {
    const rate = settings.errorRates[type] ?? 0;
    if (roll < rate) {
      const error: LLMErrorType = type;
      if (error === 'timeout') return { hang: true };
      const retryAfterMs = error === 'rate_limit' ? settings.retryAfterMs : undefined;
      return { error, retryAfterMs, delayMs: jitter(settings.latencyMs / 2) };
    }
    roll -= rate;
  }
  return { text: `${id} answers: it keeps your app answering.`, delayMs: jitter(settings.latencyMs) };
}

/** Starts the demo app and connects it to the relay at `options.url`. */
export function startInspectorDemo(options: InspectorDemoOptions): InspectorDemo {
  const random = options.random ?? Math.random;
  const state: DemoState = {
    rps: options.rps ?? 3,
    providers: structuredClone(DEMO_PROVIDERS),
  };
  const bridge = createInspectBridge({
    url: options.url,
    name: 'demo',
    demo: true,
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
  });
  const providers = Object.keys(state.providers).map((id, priority) =>
    faultyProvider({
      id,
      priority,
      script: () => demoStep(id, state.providers[id] as DemoProviderSettings, random),
    }),
  );
  const llm = createResilientLLM({
    providers,
    breaker: { failureThreshold: 3, successThreshold: 2, openMs: 4_000, halfOpenMaxCalls: 1 },
    retry: { maxAttempts: 2, baseMs: 100, maxMs: 800 },
    timeouts: { attemptMs: 1_500, totalMs: 6_000 },
    degradation: {
      cache: memoryCache({ maxEntries: 50 }),
      simplifiedPrompt: 'Answer in one short sentence.',
      fallback: 'The assistant is busy right now; here is a canned answer.',
    },
    inspect: bridge.observer,
    random,
  });
  const detach = bridge.attach(llm);
  const offInfo = bridge.addInfo(() => ({ demo: state }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let n = 0;

  const tick = () => {
    timer = undefined;
    if (stopped) return;
    if (state.rps > 0 && llm.inFlight < 100) {
      const q = n++ % QUESTIONS.length;
      // Half the questions are cached (a cache write needs the statechart); the rest can take the fast path.
      const cacheKey = q < QUESTIONS.length / 2 ? { cacheKey: `q${q}` } : {};
      llm.call({ messages: [{ role: 'user', content: QUESTIONS[q] ?? '' }], ...cacheKey }).catch(() => {});
    }
    schedule();
  };
  const schedule = () => {
    if (stopped || timer !== undefined || state.rps <= 0) return;
    timer = setTimeout(tick, 1_000 / state.rps);
    timer.unref?.();
  };

  const apply = (command: InspectorCommand): boolean => {
    if (command.type === 'demo.traffic') {
      state.rps = command.rps;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      schedule();
      return true;
    }
    if (command.type !== 'demo.configure') return false;
    const settings = state.providers[command.provider];
    if (!settings) throw new RangeError(`Unknown demo provider "${command.provider}"`);
    if (command.outage !== undefined) settings.outage = command.outage;
    if (command.latencyMs !== undefined) settings.latencyMs = command.latencyMs;
    if (command.retryAfterMs !== undefined) settings.retryAfterMs = command.retryAfterMs;
    if (command.errorRates !== undefined)
      settings.errorRates = { ...settings.errorRates, ...command.errorRates };
    return true;
  };
  const offCommand = bridge.onCommand(apply);
  schedule();

  return {
    llm,
    bridge,
    state,
    apply,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      offCommand();
      offInfo();
      detach();
      await llm.stop();
      await bridge.close();
    },
  };
}
