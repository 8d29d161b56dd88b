/**
 * The inspector wire protocol: what an app's bridge sends to the relay, what the relay sends to pages,
 * and the commands a page may send back to an app. Everything here is plain JSON.
 */
import { z } from 'zod';
import { LLM_ERROR_TYPES } from '../errors/llm-error.js';
import type { SyncMessage } from './sync.js';

/** Version of the wire protocol; bumped on incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** The path the relay listens on (WebSocket upgrade). */
export const RELAY_PATH = '/__resilient/ws';

/** One transition taken in a microstep: state ids (`request.active.attempting`) and the event type. */
export interface WireTransition {
  source: string;
  targets: string[];
  event: string;
  /** Name of the guard that let it through, if any. */
  guard?: string;
}

/** One inspection event, serialized at event time and redacted. */
export interface WireEvent {
  /** Sequence number within the app's bridge (gaps mean events were dropped). */
  seq: number;
  /** Clock time the event was observed. */
  at: number;
  /** `fast`: a call the fast path answered without the statechart (a compact record, see {@link FastCallOutput}). */
  kind: 'actor' | 'event' | 'microstep' | 'snapshot' | 'fast';
  /** The actor's session id (unique per actor in the app). */
  actor: string;
  /** The actor's id (the request id for request actors; the session id when none was given). */
  id: string;
  /** Session id of the root actor. */
  root: string;
  /** Key of the machine definition this actor runs (see {@link DefinitionMessage}). */
  def?: string;
  /** Event type (kind `event`, `microstep`, `snapshot`). */
  type?: string;
  /** The event (kind `event`), redacted. */
  event?: unknown;
  /** Session id of the sender (kind `event`). */
  source?: string;
  /** State value after the step (kind `microstep`, `snapshot`). */
  value?: unknown;
  /** Actor status after the step (kind `snapshot`). */
  status?: string;
  /** Redacted context (kind `snapshot`). */
  context?: unknown;
  /** Serialized error of an actor that failed (kind `snapshot`). */
  error?: unknown;
  /** Output of an actor that finished (kind `snapshot`), redacted; the call's outcome (kind `fast`). */
  output?: unknown;
  /** Transitions taken (kind `microstep`). */
  transitions?: WireTransition[];
}

/** The output of a `fast` record: one successful first attempt, no decisions. */
export interface FastCallOutput {
  status: 'succeeded';
  answer: { source: 'primary'; provider: string; model?: string };
  startedAt: number;
  durationMs: number;
  /** Providers skipped before the one that answered (circuit open, cooling down). */
  skipped: string[];
}

/** A provider of a connected client, as shown in the breaker panel. */
export interface WireProvider {
  id: string;
  priority: number;
  enabled: boolean;
  breaker: string;
  /** Session id of the provider's breaker actor, so the page can label it. */
  breakerActor?: string;
  /** Ms until half-open when open. */
  retryAfterMs: number;
}

/** Per-provider fault settings of the built-in demo. */
export interface DemoProviderSettings {
  outage: boolean;
  latencyMs: number;
  retryAfterMs: number;
  /** Probability (0..1) of each error type per call. */
  errorRates: Partial<Record<(typeof LLM_ERROR_TYPES)[number], number>>;
}

/** Demo settings, reported by the demo app. */
export interface DemoState {
  rps: number;
  providers: Record<string, DemoProviderSettings>;
}

/** Messages from an app to the relay. */
export type AppMessage =
  | { t: 'hello'; v: number; app: AppDescriptor }
  | { t: 'def'; key: string; machineId: string; json: unknown }
  | { t: 'batch'; now: number; events: WireEvent[]; dropped: number }
  | { t: 'info'; now: number; providers: WireProvider[]; demo?: DemoState }
  | { t: 'result'; id: string; ok: boolean; error?: string }
  | SyncMessage;

/** How an app describes itself. */
export interface AppDescriptor {
  name: string;
  pid: number;
  demo: boolean;
}

/** Messages from the relay to a page. */
export type PageMessage =
  | { t: 'app'; appId: string; app: AppDescriptor }
  | { t: 'gone'; appId: string }
  | ({ appId: string } & Exclude<AppMessage, { t: 'hello' }>);

const provider = z.string().min(1, 'provider must be a non-empty string');
const rate = z.number().min(0).max(1);

/** Commands a page may send to an app. */
export const inspectorCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('breaker.forceOpen'), provider }),
  z.strictObject({ type: z.literal('breaker.disable'), provider }),
  z.strictObject({ type: z.literal('breaker.reset'), provider }),
  z.strictObject({ type: z.literal('provider.setPriority'), provider, priority: z.number().finite() }),
  z.strictObject({ type: z.literal('provider.setEnabled'), provider, enabled: z.boolean() }),
  z.strictObject({
    type: z.literal('demo.configure'),
    provider,
    outage: z.boolean().optional(),
    latencyMs: z.int().min(0).max(60_000).optional(),
    retryAfterMs: z.int().min(0).max(600_000).optional(),
    errorRates: z.partialRecord(z.enum(LLM_ERROR_TYPES), rate).optional(),
  }),
  z.strictObject({ type: z.literal('demo.traffic'), rps: z.number().min(0).max(200) }),
]);

/** A command from the inspector page: an ops control or a demo setting. */
export type InspectorCommand = z.output<typeof inspectorCommandSchema>;

/** Parses a command; throws a `TypeError` naming what is wrong. */
export function parseInspectorCommand(value: unknown): InspectorCommand {
  const parsed = inspectorCommandSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new TypeError(`Invalid inspector command:\n${z.prettifyError(parsed.error)}`);
}
