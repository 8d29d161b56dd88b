/**
 * The client's providers, their live ranking (priority, enabled) and one circuit breaker each. Ops change
 * the ranking at run time — from code or a JSON config — and every later selection sees it.
 */
import { z } from 'zod';
import type { ProviderRef } from '../../machines/request-types.js';
import { createCircuitBreaker } from '../breaker/create-circuit-breaker.js';
import type { BreakerOptions } from '../breaker/options.js';
import type { CircuitBreaker } from '../breaker/types.js';
import { createClassifier } from '../errors/classify.js';
import type { LLMError } from '../errors/llm-error.js';
import { parseOptions } from '../options.js';
import type { AdmissionOptions } from '../routing/admission.js';
import type { ConcurrencyLimitOptions } from '../routing/concurrency-limit.js';
import { ProviderStats } from '../routing/provider-stats.js';
import type { SelectPolicy } from '../routing/strategy.js';
import type { Provider } from '../types.js';

/** A provider with its live routing settings and breaker. */
export interface ProviderEntry {
  readonly provider: Provider;
  readonly order: number;
  priority: number;
  enabled: boolean;
  readonly breaker: CircuitBreaker;
  /** The provider as the statechart sees it (id, context window): one frozen object per provider. */
  readonly ref: ProviderRef;
  /** In-flight count, latency estimate and rate-limit admission. */
  readonly stats: ProviderStats;
  /** Classifies what this provider threw (its id attached; options checked once, not per error). */
  readonly classify: (thrown: unknown) => LLMError;
}

/** Routing settings ops can change without a deploy, by provider id. */
export type ProviderConfig = Record<string, { priority?: number; enabled?: boolean }>;

const configSchema = z.record(
  z.string(),
  z.strictObject({ priority: z.number().finite().optional(), enabled: z.boolean().optional() }),
);

/** Holds the providers of one client. */
export class ProviderRegistry {
  private readonly entries = new Map<string, ProviderEntry>();
  /** The routing strategy, clock and random source every selection uses. */
  readonly policy: SelectPolicy;

  /**
   * `routing.admission`: options of the per-provider rate-limit admission, or `false` for none;
   * `routing.policy`: how selection orders providers.
   */
  constructor(
    providers: Provider[],
    breakerOptions: BreakerOptions,
    routing: {
      admission: AdmissionOptions | false;
      concurrency: ConcurrencyLimitOptions | false;
      policy: SelectPolicy;
    },
  ) {
    this.policy = routing.policy;
    const { admission, concurrency } = routing;
    providers.forEach((provider, order) => {
      const breaker = createCircuitBreaker({ ...breakerOptions, id: provider.id });
      const stats = new ProviderStats(admission, concurrency);
      // A breaker that closes again means the provider is healthy: no rate-limit pause or shedding is left over.
      breaker.onTransition((t) => {
        if (t.to === 'closed' && t.from !== 'closed') stats.reset();
      });
      this.entries.set(provider.id, {
        provider,
        order,
        priority: provider.priority ?? 0,
        enabled: provider.enabled ?? true,
        breaker,
        stats,
        classify: createClassifier({ provider: provider.id }),
        ref: Object.freeze(
          provider.contextWindow === undefined
            ? { id: provider.id }
            : { id: provider.id, contextWindow: provider.contextWindow },
        ),
      });
    });
  }

  private rankedCache: readonly ProviderEntry[] | undefined;

  /** Enabled providers, by ascending priority then declaration order (recomputed only after a change). */
  ranked(): readonly ProviderEntry[] {
    this.rankedCache ??= [...this.entries.values()]
      .filter((e) => e.enabled)
      .sort((a, b) => a.priority - b.priority || a.order - b.order);
    return this.rankedCache;
  }

  all(): ProviderEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): ProviderEntry {
    const entry = this.entries.get(id);
    if (!entry)
      throw new RangeError(`Unknown provider id "${id}"; known: ${[...this.entries.keys()].join(', ')}`);
    return entry;
  }

  setEnabled(id: string, enabled: boolean): void {
    if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
    this.get(id).enabled = enabled;
    this.rankedCache = undefined;
  }

  setPriority(id: string, priority: number): void {
    if (!Number.isFinite(priority)) throw new TypeError('priority must be a finite number');
    this.get(id).priority = priority;
    this.rankedCache = undefined;
  }

  /** Applies a JSON config (object or JSON text); validates all of it before changing anything. */
  configure(config: ProviderConfig | string): void {
    let raw: unknown = config;
    if (typeof config === 'string') {
      try {
        raw = JSON.parse(config);
      } catch (error) {
        throw new TypeError(`Invalid provider config: not JSON (${(error as Error).message})`);
      }
    }
    const parsed = parseOptions('provider config', configSchema, raw);
    for (const id of Object.keys(parsed)) this.get(id);
    for (const [id, settings] of Object.entries(parsed)) {
      if (settings.priority !== undefined) this.setPriority(id, settings.priority);
      if (settings.enabled !== undefined) this.setEnabled(id, settings.enabled);
    }
  }

  stop(): void {
    for (const entry of this.entries.values()) entry.breaker.stop();
  }
}
