/**
 * The inspector wire protocol: what an app's bridge sends to the relay, what the relay sends to pages,
 * and the commands a page may send back to an app. Everything here is plain JSON.
 */
import { z } from 'zod';
import { LLM_ERROR_TYPES } from '../errors/llm-error.js';

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
  /**
   * The event (kind `event`), redacted; on a microstep, an event the machine raised itself (a synchronous
   * step's `select.done`, …), on the first microstep it caused.
   */
  event?: unknown;
  /** The state the actor started in (kind `microstep`, on its first one: the initial state has no microstep). */
  from?: unknown;
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
  /** The call's `metadata`, redacted (a request run by the statechart carries it in its context). */
  metadata?: Metadata;
}

/** A call's `metadata` as it reaches the page: redacted JSON (secret-looking keys hold `[REDACTED]`). */
export type Metadata = Record<string, unknown>;

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

const provider = z
  .string()
  .min(1, 'provider must be a non-empty string')
  .max(256, 'provider must be at most 256 characters');
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

/** Largest WebSocket frame the relay accepts, in bytes; a bigger one closes the connection (1009). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Most events one batch may carry; a bigger batch is dropped (and counted). */
export const MAX_BATCH_EVENTS = 100_000;
/** Most providers one `info` message may list. */
export const MAX_PROVIDERS = 1_000;

const id = z.string().min(1).max(256);
const text = z.string().max(4_096);
const num = z.number().finite();

/** zod schema of {@link WireEvent}: the fields the relay and page rely on; payload fields stay opaque. */
export const wireEventSchema = z.looseObject({
  seq: num,
  at: num,
  kind: z.enum(['actor', 'event', 'microstep', 'snapshot', 'fast']),
  actor: id,
  id: z.string().max(4_096),
  root: id,
  def: text.optional(),
  type: text.optional(),
  source: text.optional(),
  status: text.optional(),
  transitions: z
    .array(z.looseObject({ source: text, targets: z.array(text).max(256), event: text }))
    .max(1_000)
    .optional(),
});

const wireProviderSchema = z.looseObject({
  id,
  priority: num,
  enabled: z.boolean(),
  breaker: text,
  breakerActor: text.optional(),
  retryAfterMs: num,
});

/** zod schema of every {@link AppMessage}: what the relay accepts from an app, frame by frame. */
export const appMessageSchema = z.discriminatedUnion('t', [
  z.looseObject({
    t: z.literal('hello'),
    v: z.int(),
    app: z.looseObject({ name: text, pid: z.int(), demo: z.boolean() }),
  }),
  z.looseObject({ t: z.literal('def'), key: id, machineId: id, json: z.unknown() }),
  z.looseObject({
    t: z.literal('batch'),
    now: num,
    events: z.array(wireEventSchema).max(MAX_BATCH_EVENTS),
    dropped: z.int().min(0),
  }),
  z.looseObject({
    t: z.literal('info'),
    now: num,
    providers: z.array(wireProviderSchema).max(MAX_PROVIDERS),
    demo: z.looseObject({ rps: num, providers: z.record(z.string(), z.unknown()) }).optional(),
  }),
  z.looseObject({ t: z.literal('result'), id, ok: z.boolean(), error: text.optional() }),
  z.looseObject({
    t: z.literal('sync'),
    now: num,
    seq: num,
    breakers: z
      .array(
        z.looseObject({
          actor: id,
          def: text,
          snapshot: wireEventSchema.optional(),
          history: z.array(z.looseObject({ at: num, state: text })).max(10_000),
        }),
      )
      .max(MAX_PROVIDERS),
    sources: z.array(z.looseObject({ start: num, counts: z.record(z.string(), num) })).max(10_000),
    mode: z.looseObject({ fastPath: z.boolean() }).optional(),
  }),
]);

/** zod schema of what a page may send: a command for one app. */
export const pageMessageSchema = z.strictObject({
  t: z.literal('command'),
  appId: id,
  id,
  command: inspectorCommandSchema,
});

/** A command frame from a page, validated. */
export type PageCommandMessage = z.output<typeof pageMessageSchema>;

/** Nesting depth beyond which a frame is refused (so that re-serializing it cannot exhaust the stack). */
export const MAX_FRAME_DEPTH = 64;

/** True when the JSON text nests deeper than {@link MAX_FRAME_DEPTH} (strings are skipped). Linear. */
export function tooDeep(json: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_FRAME_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Parses one frame's text with `schema`; undefined for anything invalid (not JSON, too deep, wrong shape). */
function parseFrame<T>(schema: z.ZodType<T>, data: string): T | undefined {
  if (data.length > MAX_FRAME_BYTES || tooDeep(data)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** An app's frame, validated; undefined when it is not a valid {@link AppMessage}. Never throws. */
export function parseAppFrame(data: string): AppMessage | undefined {
  return parseFrame(appMessageSchema, data) as AppMessage | undefined;
}

/** A page's frame, validated; undefined when it is not a valid command frame. Never throws. */
export function parsePageFrame(data: string): PageCommandMessage | undefined {
  return parseFrame(pageMessageSchema, data);
}

/** One breaker as the sync frame carries it. */
export interface SyncBreaker {
  /** Session id of the breaker actor. */
  actor: string;
  /** Key of its machine definition. */
  def: string;
  /** Its latest snapshot event (state value and redacted context). */
  snapshot: WireEvent | undefined;
  /** State changes, oldest first. */
  history: Array<{ at: number; state: string }>;
}

/** Answers by source in one bucket. */
export interface SyncSourceBucket {
  start: number;
  counts: Record<string, number>;
}

/** How the client feeds the inspector. */
export interface InspectMode {
  /**
   * True: uneventful first attempts run outside the statechart and arrive as compact `fast` records;
   * calls that need a decision arrive in full. False: every call runs the statechart.
   */
  fastPath: boolean;
}

/** The `sync` frame: an app's state for pages that join late. */
export interface SyncMessage {
  t: 'sync';
  now: number;
  /** Last event sequence number this frame reflects. */
  seq: number;
  breakers: SyncBreaker[];
  sources: SyncSourceBucket[];
  /** Undefined until a client announced its mode. */
  mode?: InspectMode;
}
