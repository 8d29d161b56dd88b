/**
 * The chaos contenders. Each answers request `n` with a real answer or the shared static fallback, against
 * the same three providers, with the same per-attempt timeout, each configured as its docs recommend.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText } from 'ai';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import OpenAI from 'openai';
import CircuitBreaker from 'opossum';
import { createResilientLLM } from '../../src/client/create-resilient-llm.js';
import { openaiProvider } from '../../src/providers/openai.js';
import {
  ATTEMPT_MS,
  COMMON,
  COMMON_SETTINGS,
  FALLBACK,
  MODEL,
  oraclePick,
  PROVIDERS,
  type ProviderId,
  requestId,
} from './scenario.js';

/** What one request ended with. */
export interface Outcome {
  fallback: boolean;
  provider: string | undefined;
  /** Time spent waiting between attempts (backoff), when the contender reports it (resilient-llm). */
  backoffMs?: number;
  /** The call's attempts as `provider:outcome[:code]` (resilient-llm; for `BENCH_TRACE`). */
  path?: string;
}

/** A contender, ready to answer requests. */
export interface Peer {
  call(n: number): Promise<Outcome>;
  stop(): Promise<void>;
  /** Request-id bookkeeping problems (resilient-llm's header mapping); 0 when sound. */
  idMismatches(): number;
}

/** Contender names, in report order. */
export const PEERS = [
  'oracle',
  'openai-sdk',
  'ai-sdk',
  'cockatiel',
  'opossum',
  'resilient-llm',
  'resilient-llm-openMs-2s',
  'resilient-llm-defaults',
  'resilient-llm-adaptive',
  'resilient-llm-hedged',
  'resilient-llm-race',
] as const;
/** A contender's name. */
export type PeerName = (typeof PEERS)[number];

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const body = { model: MODEL, messages };
const fallbackOutcome: Outcome = { fallback: true, provider: undefined };

type BaseUrls = Record<ProviderId, string>;

/** `timeout`: the SDK's own per-request timeout (`'sdk-default'`: the SDK's 10 min). */
function openaiClients(
  urls: BaseUrls,
  maxRetries: number,
  fetch?: typeof globalThis.fetch,
  timeout: number | 'sdk-default' = ATTEMPT_MS,
) {
  const make = (p: ProviderId) =>
    new OpenAI({
      apiKey: 'bench',
      baseURL: urls[p],
      maxRetries,
      ...(timeout === 'sdk-default' ? {} : { timeout }),
      ...(fetch ? { fetch } : {}),
    });
  return { a: make('a'), b: make('b'), c: make('c') };
}

async function ask(client: OpenAI, n: number, signal?: AbortSignal): Promise<void> {
  await client.chat.completions.create(body, {
    headers: { 'x-request-id': requestId(n) },
    ...(signal ? { signal } : {}),
  });
}

/** Tries `attempt` per provider in priority order, then the static fallback. */
function failover(attempt: (p: ProviderId, n: number) => Promise<void>): Peer['call'] {
  return async (n) => {
    for (const p of PROVIDERS) {
      try {
        await attempt(p, n);
        return { fallback: false, provider: p };
      } catch {
        // next provider
      }
    }
    return fallbackOutcome;
  };
}

const simple = (call: Peer['call'], stop: () => Promise<void> = async () => {}): Peer => ({
  call,
  stop,
  idMismatches: () => 0,
});

function cockatielPeer(urls: BaseUrls): Peer {
  const clients = openaiClients(urls, 0);
  // cockatiel's README composition: retry around a consecutive breaker around a timeout.
  const policyFor = () =>
    wrap(
      retry(
        handleWhen((e) => !(e instanceof BrokenCircuitError)),
        {
          maxAttempts: 2,
          backoff: new ExponentialBackoff(COMMON_SETTINGS ? { maxDelay: COMMON.backoffCapMs } : {}),
        },
      ),
      circuitBreaker(handleAll, {
        halfOpenAfter: COMMON_SETTINGS ? COMMON.openMs : 10_000,
        breaker: new ConsecutiveBreaker(5),
      }),
      timeout(ATTEMPT_MS, TimeoutStrategy.Aggressive),
    );
  const policies = { a: policyFor(), b: policyFor(), c: policyFor() };
  return simple(failover((p, n) => policies[p].execute(({ signal }) => ask(clients[p], n, signal))));
}

function opossumPeer(urls: BaseUrls): Peer {
  const clients = openaiClients(urls, 0);
  const breakerFor = (p: ProviderId) =>
    new CircuitBreaker((n: number) => ask(clients[p], n), {
      timeout: ATTEMPT_MS,
      errorThresholdPercentage: 50,
      resetTimeout: COMMON_SETTINGS ? COMMON.openMs : 30_000,
    });
  const breakers = { a: breakerFor('a'), b: breakerFor('b'), c: breakerFor('c') };
  return simple(
    failover((p, n) => breakers[p].fire(n)),
    async () => {
      for (const b of Object.values(breakers)) b.shutdown();
    },
  );
}

function aiSdkPeer(urls: BaseUrls): Peer {
  const models = Object.fromEntries(
    PROVIDERS.map((p) => [
      p,
      createOpenAICompatible({ name: p, baseURL: urls[p], apiKey: 'bench' }).chatModel(MODEL),
    ]),
  ) as Record<ProviderId, ReturnType<ReturnType<typeof createOpenAICompatible>['chatModel']>>;
  return simple(
    failover(async (p, n) => {
      await generateText({
        model: models[p],
        messages,
        maxRetries: 2,
        timeout: { stepMs: ATTEMPT_MS },
        headers: { 'x-request-id': requestId(n) },
      });
    }),
  );
}

/** `settings`: the chaos part's (5 s attempts, optional openMs), the common ones, or pure defaults. */
function resilientPeer(
  urls: BaseUrls,
  settings: { openMs?: number } | 'common' | 'defaults' | 'adaptive' | 'hedged' | 'race',
): Peer {
  // Each call passes the benchmark's logical id as its `requestId`, which the adapter sends as x-request-id;
  // drop x-attempt so the fault server counts attempts the same way for everyone. (An AsyncLocalStorage used
  // to carry the id: on Node 20 it turns on promise hooks, which charged this row ~0.2 s of CPU per run.)
  let mismatches = 0;
  const logicalId = new RegExp(`^${requestId(0).replace(/\d+$/, '')}\\d+$`);
  const fetchWithLogicalId: typeof globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (!logicalId.test(headers.get('x-request-id') ?? '')) mismatches++;
    headers.delete('x-attempt');
    return fetch(input, { ...init, headers });
  };
  // Pure defaults: the SDK's own timeout must not stand in for resilient-llm's attemptMs.
  const clients = openaiClients(
    urls,
    0,
    fetchWithLogicalId,
    settings === 'defaults' ? 'sdk-default' : ATTEMPT_MS,
  );
  const llm = createResilientLLM({
    providers: PROVIDERS.map((p, i) =>
      openaiProvider({ client: clients[p], model: MODEL, id: p, priority: i }),
    ),
    degradation: { fallback: FALLBACK },
    inspect: false,
    ...(settings === 'defaults'
      ? {}
      : typeof settings === 'string'
        ? {
            ...(settings === 'adaptive' ? { concurrency: {} } : {}),
            ...(settings === 'hedged' ? { hedging: {} } : {}),
            ...(settings === 'race' ? { hedging: { mode: 'on-failure' as const } } : {}),
            timeouts: { attemptMs: COMMON.attemptMs },
            // The peers' open time is a constant 1 s: the same here (the default doubles it per failed probe).
            breaker: { openMs: COMMON.openMs, backoffFactor: 1 },
            retry: { maxMs: COMMON.backoffCapMs },
          }
        : {
            timeouts: { attemptMs: ATTEMPT_MS },
            ...(settings.openMs === undefined ? {} : { breaker: { openMs: settings.openMs } }),
          }),
  });
  return {
    call: async (n) => {
      const r = await llm.call({ messages, requestId: requestId(n) });
      let backoffMs = 0;
      r.attempts.forEach((a, i) => {
        const next = r.attempts[i + 1];
        if (a.decision === 'backoff' && next) backoffMs += next.startedAt - (a.startedAt + a.durationMs);
      });
      const path = r.attempts
        .map((a) => `${a.provider}:${a.outcome}${a.code ? `:${a.code}` : ''}/${a.decision}`)
        .join(' ');
      return { fallback: r.source === 'fallback', provider: r.provider, backoffMs, path };
    },
    stop: () => llm.stop(),
    idMismatches: () => mismatches,
  };
}

/** Builds the named contender against the fault server's per-provider base URLs. */
export function createPeer(name: PeerName, urls: BaseUrls): Peer {
  switch (name) {
    case 'oracle': {
      const clients = openaiClients(urls, 0);
      return simple(async (n) => {
        const p = oraclePick(n);
        try {
          await ask(clients[p], n);
          return { fallback: false, provider: p };
        } catch {
          return fallbackOutcome;
        }
      });
    }
    case 'openai-sdk': {
      const clients = openaiClients(urls, 2);
      return simple(failover((p, n) => ask(clients[p], n)));
    }
    case 'ai-sdk':
      return aiSdkPeer(urls);
    case 'cockatiel':
      return cockatielPeer(urls);
    case 'opossum':
      return opossumPeer(urls);
    case 'resilient-llm':
      return resilientPeer(urls, COMMON_SETTINGS ? 'common' : {});
    case 'resilient-llm-openMs-2s':
      return resilientPeer(urls, { openMs: 2_000 });
    case 'resilient-llm-defaults':
      return resilientPeer(urls, 'defaults');
    case 'resilient-llm-adaptive':
      return resilientPeer(urls, 'adaptive');
    case 'resilient-llm-hedged':
      return resilientPeer(urls, 'hedged');
    case 'resilient-llm-race':
      return resilientPeer(urls, 'race');
  }
}

/** Narrows a string to a {@link PeerName}; throws a clear error otherwise. */
export function peerName(value: string | undefined): PeerName {
  if ((PEERS as readonly string[]).includes(value ?? '')) return value as PeerName;
  throw new TypeError(`Unknown chaos peer "${value}"; expected one of ${PEERS.join(', ')}`);
}
