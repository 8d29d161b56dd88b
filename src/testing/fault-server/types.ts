/**
 * Types of the fault-injecting provider server: which faults exist, how a scenario schedules them and what
 * the server reports back.
 */
import type { Clock } from '../../clock.js';

/** Every fault the server can inject. */
export const FAULT_KINDS = [
  '429',
  'insufficient_quota',
  '500',
  '503',
  '529',
  'down',
  'hang',
  'truncated_json',
  'slow_first_token',
  'stall',
  'sse_error',
  'content_filter',
  'context_length',
  'auth',
] as const;

/**
 * One fault kind:
 * - `429`: rate limited, with `Retry-After` and the provider's real-shaped body;
 * - `insufficient_quota`: OpenAI's 429 `insufficient_quota` (Anthropic: 400 "credit balance is too low");
 * - `500`, `503`, `529`: server errors (529 is Anthropic's "overloaded");
 * - `down`: the connection is reset without any response (an outage at the network level);
 * - `hang`: never answers until the client aborts or the server closes;
 * - `truncated_json`: 200 whose body stops mid-JSON (streams: an SSE frame cut mid-JSON, then the end);
 * - `slow_first_token`: waits `delayMs` before the first byte (streams: after the headers, before the first delta);
 * - `stall`: streams `afterDeltas` deltas then goes silent forever (non-streams: half a body, then silence);
 * - `sse_error`: streams `afterDeltas` deltas then the wire format's error event (non-streams: a 500);
 * - `content_filter`: 200 whose finish reason is `content_filter` (Anthropic: `stop_reason: refusal`);
 * - `context_length`: 400 with the provider's real "context too long" body;
 * - `auth`: 401 with the provider's real "invalid API key" body.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a request gets: a fault kind and its parameters. */
export interface Fault {
  kind: FaultKind;
  /** `429`: seconds in the `Retry-After` header. @default 1 */
  retryAfterS?: number;
  /** `sse_error`, `stall`: deltas sent before the fault. @default 2 */
  afterDeltas?: number;
  /**
   * `sse_error`, `stall`, `truncated_json` on a stream with tool calls: the fault comes within the tool calls,
   * after the whole text and this many of the tool calls' frames (Chat Completions sends two per call: id, name
   * and the first half of the arguments, then the second half; Anthropic and Responses four: start, two argument
   * halves, stop). When set, `afterDeltas` is ignored. @default undefined (the fault comes after `afterDeltas`)
   */
  afterToolFrames?: number;
  /** `slow_first_token`: milliseconds before the first token. @default 100 */
  delayMs?: number;
}

/** A scheduled fault: a {@link Fault} plus which requests it applies to. */
export interface FaultRule extends Fault {
  /** Probability (0..1) that a matching request gets this fault, drawn from the seed. @default 1 */
  rate?: number;
  /**
   * Which requests it applies to: `[from, to]` is an inclusive range over the number at the end of the request
   * id (`req-700` is 700), a list of strings names ids exactly. @default every request
   */
  requestIds?: readonly [from: number, to: number] | readonly string[];
  /** Which attempts (1-based) it applies to, e.g. `[1]` to fail only first attempts. @default every attempt */
  attempts?: readonly number[];
}

/** Which wire format a request used. */
export type WireName = 'chat' | 'responses' | 'messages';

/** What the schedule knows about a request; faults are a pure function of it. */
export interface FaultContext {
  seed: number;
  /** From the `/p/:provider/` path prefix or `x-fault-provider` header, else `anthropic` or `openai` by wire. */
  provider: string;
  /** The `x-request-id` header, else the provider's call number (1-based) as a string. */
  requestId: string;
  /** The `x-attempt` header, else how many times this request id was seen for this provider. */
  attempt: number;
  wire: WireName;
  stream: boolean;
  /** Model named in the request body. */
  model: string;
}

/** Picks the fault for a request; return undefined to answer normally. Must be pure for determinism. */
export type FaultPicker = (ctx: FaultContext) => Fault | undefined;

/** How one provider behaves. */
export interface ProviderScenario {
  /** Rules tried in order (first match wins), or a picker. @default no faults */
  faults?: readonly FaultRule[] | FaultPicker;
  /** Milliseconds before any response. @default 0 */
  latencyMs?: number;
  /** Milliseconds between stream deltas. @default 0 */
  deltaDelayMs?: number;
  /** Answer text (a JSON string works for schema tests), or a function of the request. @default 'Hello from the fault server.' */
  text?: string | ((ctx: FaultContext) => string);
  /** Model reported in answers. @default the request's model */
  model?: string;
  /**
   * Extra headers on successful answers (e.g. `x-ratelimit-remaining-requests` counting down), or a function
   * of the request. Error answers keep their own headers. @default none
   */
  headers?: Readonly<Record<string, string>> | ((ctx: FaultContext) => Readonly<Record<string, string>>);
  /** Tool calls the answer makes (after its text), or a function of the request. @default none */
  toolCalls?: readonly FaultToolCall[] | ((ctx: FaultContext) => readonly FaultToolCall[] | undefined);
}

/** A tool call the server answers with, in every wire format (`tool_calls`, `function_call`, `tool_use`). */
export interface FaultToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** Per-provider scenarios; the `'*'` entry applies to providers not listed. Or one picker for everything. */
export type FaultScenario = Readonly<Record<string, ProviderScenario>> | FaultPicker;

/** Options of {@link createFaultServer}. */
export interface FaultServerOptions {
  /** Seed of the fault schedule. @default 1 */
  seed?: number;
  /** What goes wrong, per provider. @default no faults */
  scenario?: FaultScenario;
  /** Port to listen on. @default 0 (ephemeral) */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Clock for latencies and delays. @default systemClock */
  clock?: Clock;
}

/** Counters of one provider: calls, and outcomes by fault kind (`ok` for normal answers). */
export interface ProviderStats {
  calls: number;
  outcomes: Partial<Record<FaultKind | 'ok', number>>;
}

/** What `GET /stats` and `server.stats()` report. */
export interface FaultServerStats {
  calls: number;
  providers: Record<string, ProviderStats>;
}

/** One request the server saw, in arrival order. */
export interface FaultRequestRecord extends Omit<FaultContext, 'seed'> {
  outcome: FaultKind | 'ok';
  /** When the request arrived, on the server's clock. */
  at: number;
  /** Request headers, lower-cased (authorization and api keys removed). */
  headers: Record<string, string>;
  /** The request's JSON body, as received. */
  body: Record<string, unknown>;
}
