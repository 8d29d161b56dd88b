/**
 * The page's model: everything the relay sends, folded into apps, actors, requests (with the path each
 * took), breaker histories, answer counts by source, and a bounded event timeline. No DOM here; views read
 * it and redraw what `dirty` says changed.
 */
import type {
  AppDescriptor,
  DemoState,
  FastCallOutput,
  PageMessage,
  WireEvent,
  WireProvider,
  WireTransition,
} from '../../src/inspect/protocol.js';
import {
  answerSourceOf,
  BREAKER_HISTORY,
  countSource,
  type InspectMode,
  SOURCE_BUCKET_MS,
  type SyncMessage,
} from '../../src/inspect/sync.js';
import { Ring } from './ring.js';

/** A connected app. */
export interface AppView {
  appId: string;
  app: AppDescriptor;
  defs: Map<string, { machineId: string; json: unknown }>;
  providers: WireProvider[];
  demo: DemoState | undefined;
  /** App clock minus page clock, ms. */
  offsetMs: number;
  connected: boolean;
  dropped: number;
  /** How the app's client feeds the inspector (from its late-join snapshot). */
  mode: InspectMode | undefined;
  /** Last event sequence number its late-join snapshot reflected. */
  syncSeq: number;
}

/** What the path view reads from a request's context after a step. */
export interface StepContext {
  provider: string | undefined;
  backoffMs: number | undefined;
  lastValidation: string | null | undefined;
  attempts: ReadonlyArray<{ provider: string; outcome: string; decision: string; retryAfterMs?: number }>;
}

/** One step of a request's recorded path. */
export interface PathStep {
  at: number;
  event: string;
  value: unknown;
  transitions: WireTransition[];
  /** The event that caused the step (redacted), shared by the microsteps it caused. */
  detail?: unknown;
  /** The request's context after the macrostep. */
  context?: StepContext;
}

/** A request actor, as listed. */
export interface RequestView {
  appId: string;
  id: string;
  session: string;
  def: string | undefined;
  startedAt: number;
  endedAt: number | undefined;
  status: 'active' | 'succeeded' | 'failed';
  source: string | undefined;
  provider: string | undefined;
  /** Providers that were called, in order. */
  providers: string[];
  attempts: number;
  errorType: string | undefined;
  state: unknown;
  path: PathStep[];
  /** Answered on the fast path (a compact record: no statechart, no path). */
  fast: boolean;
  /** The call's `metadata`, redacted by the app before it left (secret-looking keys hold `[REDACTED]`). */
  metadata: Record<string, unknown> | undefined;
  /** The event the next microsteps belong to. */
  pendingEvent?: unknown;
  /** Index of the first path step still without a context. */
  contextFrom: number;
}

/** A breaker actor. */
export interface BreakerView {
  appId: string;
  session: string;
  def: string | undefined;
  state: string;
  context: Record<string, unknown> | undefined;
  history: Array<{ at: number; state: string }>;
  lastTransitions: WireTransition[];
}

/** One timeline row. */
export interface TimelineEntry {
  appId: string;
  at: number;
  actor: string;
  requestId: string | undefined;
  provider: string | undefined;
  type: string;
  state: string;
}

/** Answers by source in one time bucket. */
export interface SourceBucket {
  start: number;
  counts: Record<string, number>;
}

/** Length of a chart bucket, ms. */
export const BUCKET_MS = SOURCE_BUCKET_MS;
const MAX_REQUESTS = 300;
const MAX_PATH = 400;

/** What changed since views last drew. */
export interface Dirty {
  apps: boolean;
  requests: boolean;
  breakers: boolean;
  timeline: boolean;
  chart: boolean;
  live: boolean;
}

/** Formats a state value as `active.attempting`. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  return Object.entries(value)
    .map(([k, v]) => {
      const inner = valueText(v);
      return inner ? `${k}.${inner}` : k;
    })
    .join(' | ');
}

/** Everything the page knows. */
export class InspectorStore {
  readonly apps = new Map<string, AppView>();
  readonly requests = new Map<string, RequestView>();
  readonly breakers = new Map<string, BreakerView>();
  readonly timeline = new Ring<TimelineEntry>(2_000);
  readonly sources = new Map<string, SourceBucket[]>();
  readonly dirty: Dirty = {
    apps: true,
    requests: true,
    breakers: true,
    timeline: true,
    chart: true,
    live: true,
  };
  /** The request actor that moved last (key `appId/session`) and the transitions it took. */
  live: { key: string; transitions: WireTransition[] } | undefined;
  eventsApplied = 0;
  private readonly actorDefs = new Map<string, string>();
  private readonly lastEntry = new Map<string, TimelineEntry>();

  /** The machine id of a definition key (`request:abc` → `request`). */
  machineOf(def: string | undefined): string {
    return def ? (def.split(':')[0] ?? '') : '';
  }

  /** The provider a breaker actor belongs to, by the app's provider info. */
  providerOfBreaker(appId: string, session: string): string | undefined {
    return this.apps.get(appId)?.providers.find((p) => p.breakerActor === session)?.id;
  }

  apply(message: PageMessage): void {
    switch (message.t) {
      case 'app':
        this.apps.set(message.appId, {
          appId: message.appId,
          app: message.app,
          defs: this.apps.get(message.appId)?.defs ?? new Map(),
          providers: [],
          demo: undefined,
          offsetMs: 0,
          connected: true,
          dropped: 0,
          mode: undefined,
          syncSeq: 0,
        });
        this.dirty.apps = true;
        return;
      case 'gone': {
        const app = this.apps.get(message.appId);
        if (app) app.connected = false;
        this.dirty.apps = true;
        return;
      }
      case 'def':
        this.apps
          .get(message.appId)
          ?.defs.set(message.key, { machineId: message.machineId, json: message.json });
        this.dirty.apps = true;
        return;
      case 'info': {
        const app = this.apps.get(message.appId);
        if (!app) return;
        app.providers = message.providers;
        app.demo = message.demo;
        app.offsetMs = message.now - Date.now();
        this.dirty.breakers = true;
        this.dirty.apps = true;
        return;
      }
      case 'sync':
        this.applySync(message);
        return;
      case 'batch': {
        const app = this.apps.get(message.appId);
        if (app) {
          app.offsetMs = message.now - Date.now();
          app.dropped += message.dropped;
        }
        for (const event of message.events) this.applyEvent(message.appId, event);
        return;
      }
      default:
        return;
    }
  }

  /** A late-join snapshot: breakers and answer counts as the app's bridge has them. */
  private applySync(message: SyncMessage & { appId: string }): void {
    const app = this.apps.get(message.appId);
    if (!app || message.seq < app.syncSeq) return;
    app.syncSeq = message.seq;
    if (app.mode?.fastPath !== message.mode?.fastPath) this.dirty.apps = true;
    app.mode = message.mode;
    this.sources.set(message.appId, message.sources);
    for (const b of message.breakers) {
      const key = `${message.appId}/${b.actor}`;
      this.actorDefs.set(key, b.def);
      const breaker = this.breakerOf(message.appId, key, b.actor, b.def);
      breaker.history = b.history;
      if (b.snapshot) {
        breaker.state = valueText(b.snapshot.value);
        breaker.context = b.snapshot.context as Record<string, unknown>;
      }
    }
    this.dirty.breakers = this.dirty.chart = true;
  }

  private applyEvent(appId: string, e: WireEvent): void {
    this.eventsApplied++;
    if (e.kind === 'fast') {
      this.applyFast(appId, e);
      return;
    }
    const key = `${appId}/${e.actor}`;
    if (e.def) this.actorDefs.set(key, e.def);
    const def = e.def ?? this.actorDefs.get(key);
    const machine = this.machineOf(def);
    // Events the late-join snapshot already reflects change neither breakers nor answer counts.
    const fresh = e.seq > (this.apps.get(appId)?.syncSeq ?? 0);
    if (machine === 'request') this.applyRequest(appId, key, def, e, fresh);
    else if (machine === 'circuitBreaker' && fresh) this.applyBreaker(appId, key, def, e);
    if (e.kind === 'event' && e.type) {
      const request = this.requests.get(key);
      const entry: TimelineEntry = {
        appId,
        at: e.at,
        actor:
          machine === 'circuitBreaker' ? `breaker ${this.providerOfBreaker(appId, e.actor) ?? e.id}` : e.id,
        requestId: machine === 'request' ? e.id : undefined,
        provider: machine === 'circuitBreaker' ? this.providerOfBreaker(appId, e.actor) : request?.provider,
        type: e.type,
        state: '',
      };
      this.timeline.push(entry);
      this.lastEntry.set(key, entry);
      this.dirty.timeline = true;
    } else if (e.kind === 'snapshot') {
      const entry = this.lastEntry.get(key);
      if (entry) entry.state = valueText(e.value);
    }
  }

  private applyFast(appId: string, e: WireEvent): void {
    const output = e.output as FastCallOutput;
    const key = `${appId}/${e.actor}`;
    const request = this.newRequest(appId, e, undefined);
    request.startedAt = output.startedAt;
    request.endedAt = e.at;
    request.status = 'succeeded';
    request.source = 'primary';
    request.provider = output.answer.provider;
    request.providers = [output.answer.provider];
    request.attempts = 1;
    request.fast = true;
    request.metadata = metadataOf(output.metadata);
    request.state = 'succeeded';
    this.requests.set(key, request);
    this.trimRequests();
    if (e.seq > (this.apps.get(appId)?.syncSeq ?? 0)) this.countSource(appId, e.at, 'primary');
    this.timeline.push({
      appId,
      at: e.at,
      actor: e.id,
      requestId: e.id,
      provider: output.answer.provider,
      type: 'fast success',
      state: `answered by ${output.answer.provider} in ${Math.round(output.durationMs)} ms`,
    });
    this.dirty.requests = this.dirty.timeline = true;
  }

  private newRequest(appId: string, e: WireEvent, def: string | undefined): RequestView {
    return {
      appId,
      id: e.id,
      session: e.actor,
      def,
      startedAt: e.at,
      endedAt: undefined,
      status: 'active',
      source: undefined,
      provider: undefined,
      providers: [],
      attempts: 0,
      errorType: undefined,
      state: undefined,
      path: [],
      fast: false,
      metadata: undefined,
      contextFrom: 0,
    };
  }

  private applyRequest(
    appId: string,
    key: string,
    def: string | undefined,
    e: WireEvent,
    fresh: boolean,
  ): void {
    let request = this.requests.get(key);
    if (!request) {
      request = this.newRequest(appId, e, def);
      this.requests.set(key, request);
      this.trimRequests();
    }
    if (e.kind === 'event') request.pendingEvent = e.event;
    if (e.kind === 'microstep') {
      // The initial state (entered without a microstep), then the event the machine raised, if any.
      if (request.path.length === 0 && e.from !== undefined)
        request.path.push({
          at: e.at,
          event: 'xstate.init',
          value: e.from,
          transitions: [],
          detail: undefined,
        });
      if (e.event !== undefined) request.pendingEvent = e.event;
      const step: PathStep = {
        at: e.at,
        event: e.type ?? '',
        value: e.value,
        transitions: e.transitions ?? [],
        detail: request.pendingEvent,
      };
      if (request.path.length < MAX_PATH) request.path.push(step);
      request.state = e.value;
      this.live = { key, transitions: step.transitions };
      this.dirty.live = true;
    } else if (e.kind === 'snapshot') {
      if (request.path.length === 0)
        request.path.push({
          at: e.at,
          event: e.type ?? '',
          value: e.value,
          transitions: [],
          detail: request.pendingEvent,
        });
      request.state = e.value;
      const context = stepContext(e.context);
      for (let i = request.contextFrom; i < request.path.length; i++)
        (request.path[i] as PathStep).context = context;
      request.contextFrom = request.path.length;
      this.readRequestContext(request, e, fresh);
      this.dirty.requests = true;
    }
  }

  private readRequestContext(request: RequestView, e: WireEvent, fresh: boolean): void {
    const context = (e.context ?? {}) as {
      provider?: { id?: string } | null;
      attempts?: Array<{ provider: string; outcome: string }>;
      metadata?: unknown;
    };
    if (context.provider?.id) request.provider = context.provider.id;
    if (request.metadata === undefined) request.metadata = metadataOf(context.metadata);
    const attempts = (context.attempts ?? []).filter((a) => a.outcome !== 'skipped');
    request.attempts = attempts.length;
    request.providers = [];
    for (const a of attempts) if (request.providers.at(-1) !== a.provider) request.providers.push(a.provider);
    if (e.status === 'done' || e.status === 'error' || e.status === 'stopped') {
      if (request.endedAt !== undefined) return;
      request.endedAt = e.at;
      const output = (e.output ?? {}) as {
        status?: string;
        answer?: { source?: string; provider?: string };
        error?: { type?: string };
      };
      request.status = output.status === 'succeeded' ? 'succeeded' : 'failed';
      request.source = output.answer?.source;
      if (output.answer?.provider) request.provider = output.answer.provider;
      request.errorType = output.error?.type;
      if (fresh) this.countSource(request.appId, e.at, answerSourceOf(e) ?? 'failed');
    }
  }

  private countSource(appId: string, at: number, source: string): void {
    let buckets = this.sources.get(appId);
    if (!buckets) {
      buckets = [];
      this.sources.set(appId, buckets);
    }
    countSource(buckets, at, source);
    this.dirty.chart = true;
  }

  private trimRequests(): void {
    if (this.requests.size <= MAX_REQUESTS) return;
    for (const [key, request] of this.requests) {
      if (this.requests.size <= MAX_REQUESTS * 0.9) break;
      if (request.status !== 'active' || this.requests.size > MAX_REQUESTS * 2) {
        this.requests.delete(key);
        this.actorDefs.delete(key);
        this.lastEntry.delete(key);
      }
    }
  }

  private breakerOf(appId: string, key: string, session: string, def: string | undefined): BreakerView {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = { appId, session, def, state: '', context: undefined, history: [], lastTransitions: [] };
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private applyBreaker(appId: string, key: string, def: string | undefined, e: WireEvent): void {
    const breaker = this.breakerOf(appId, key, e.actor, def);
    if (e.kind === 'microstep') breaker.lastTransitions = e.transitions ?? [];
    if (e.kind !== 'snapshot') return;
    const state = valueText(e.value);
    if (state !== breaker.state) {
      breaker.history.push({ at: e.at, state });
      if (breaker.history.length > BREAKER_HISTORY) breaker.history.shift();
      this.dirty.chart = true;
    }
    breaker.state = state;
    breaker.context = e.context as Record<string, unknown>;
    this.dirty.breakers = true;
  }
}

function stepContext(raw: unknown): StepContext {
  const c = (raw ?? {}) as {
    provider?: { id?: string } | null;
    backoffMs?: number;
    lastValidation?: string | null;
    attempts?: StepContext['attempts'];
  };
  return {
    provider: c.provider?.id,
    backoffMs: c.backoffMs,
    lastValidation: c.lastValidation,
    attempts: c.attempts ?? [],
  };
}

/** A request's metadata as the wire carries it: a plain object, else none. */
function metadataOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** One metadata entry as the detail view shows it: `key` and its value as text (strings as they are). */
export function metadataEntries(metadata: Record<string, unknown> | undefined): Array<[string, string]> {
  return Object.entries(metadata ?? {}).map(([key, value]) => [
    key,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}
