/**
 * Options of {@link createInspectBridge}: types, defaults and their one-time validation.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { clockSchema, functionSchema, parseOptions } from '../options.js';

/** The subset of a WebSocket the bridge uses (`ws` in Node, the global one in browsers and Node 22+). */
export interface BridgeSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket constructor. */
export type BridgeSocketConstructor = new (url: string) => BridgeSocket;

/** Options of {@link createInspectBridge}. */
export interface InspectBridgeOptions {
  /** The relay: `ws://127.0.0.1:5173/__resilient/ws?token=…` (the token may also be given as `token`). */
  url: string;
  /** The relay's token, added to the URL as `?token=`. @default undefined (taken from the URL) */
  token?: string | undefined;
  /** Extra keys whose values are never sent (matched case-insensitively, or by RegExp). @default [] */
  redact?: ReadonlyArray<string | RegExp>;
  /** Send message contents, prompts and answers too (they are replaced by their length otherwise). @default false */
  includeContent?: boolean;
  /** Most events held while the relay is absent or slow; newer events are dropped and counted. @default 5000 */
  maxBuffer?: number;
  /** Events are sent in batches, at most this often. @default 100 */
  batchMs?: number;
  /** Most events in one frame. @default 1000 */
  maxBatch?: number;
  /** While the socket has more than this many bytes queued, nothing more is written (slow relay). @default 1_048_576 */
  maxBufferedBytes?: number;
  /** First reconnect delay; doubles up to `maxReconnectMs`. @default 500 */
  reconnectMs?: number;
  /** Longest reconnect delay. @default 10_000 */
  maxReconnectMs?: number;
  /** How often provider and breaker info is reported while connected. @default 1000 */
  infoMs?: number;
  /** The name the inspector shows for this app. @default the script's file name, else 'app' */
  name?: string;
  /** Source of time and timers. @default systemClock */
  clock?: Clock;
  /** WebSocket implementation. @default the `ws` package's WebSocket */
  WebSocket?: BridgeSocketConstructor | undefined;
  /** Told about internal errors (never thrown into the app). @default undefined (ignored) */
  onError?: ((error: unknown) => void) | undefined;
  /** Marks the built-in demo app. @default false */
  demo?: boolean;
}

/** Defaults of {@link InspectBridgeOptions}. */
export const defaultInspectBridgeOptions = {
  redact: [],
  includeContent: false,
  maxBuffer: 5_000,
  batchMs: 100,
  maxBatch: 1_000,
  maxBufferedBytes: 1_048_576,
  reconnectMs: 500,
  maxReconnectMs: 10_000,
  infoMs: 1_000,
  name: 'app',
  clock: systemClock,
  demo: false,
} satisfies Required<Omit<InspectBridgeOptions, 'url' | 'token' | 'WebSocket' | 'onError'>>;

const positiveMs = (label: string) =>
  z.int(`${label} must be an integer number of ms`).positive(`${label} must be > 0`);
const fn = functionSchema;

const schema = z.strictObject({
  url: z
    .string('url must be a string')
    .refine((v) => /^wss?:\/\/[^/\s]+/.test(v), 'url must be a ws:// or wss:// URL'),
  token: z.string().min(1, 'token must not be empty').optional(),
  redact: z.array(z.union([z.string(), z.instanceof(RegExp)]), 'redact must be a list of keys').optional(),
  includeContent: z.boolean('includeContent must be a boolean').optional(),
  maxBuffer: z.int().min(1, 'maxBuffer must be >= 1').max(1_000_000).optional(),
  batchMs: positiveMs('batchMs').optional(),
  maxBatch: z.int().min(1, 'maxBatch must be >= 1').optional(),
  maxBufferedBytes: z.int().min(1, 'maxBufferedBytes must be >= 1').optional(),
  reconnectMs: positiveMs('reconnectMs').optional(),
  maxReconnectMs: positiveMs('maxReconnectMs').optional(),
  infoMs: positiveMs('infoMs').optional(),
  name: z.string().min(1, 'name must not be empty').optional(),
  clock: clockSchema.optional(),
  WebSocket: fn.optional(),
  onError: fn.optional(),
  demo: z.boolean().optional(),
});

/** Options after validation, defaults filled in. */
export type ResolvedBridgeOptions = Required<Omit<InspectBridgeOptions, 'token' | 'WebSocket' | 'onError'>> &
  Pick<InspectBridgeOptions, 'WebSocket' | 'onError'>;

function defaultName(): string {
  const script = typeof process !== 'undefined' ? process.argv[1] : undefined;
  return script ? (script.split(/[\\/]/).pop() ?? 'app') : defaultInspectBridgeOptions.name;
}

/** Validates bridge options once; throws one `TypeError` naming every bad field. */
export function resolveBridgeOptions(options: InspectBridgeOptions): ResolvedBridgeOptions {
  const parsed = parseOptions('inspect bridge options', schema, options);
  const url = new URL(parsed.url);
  if (parsed.token !== undefined) url.searchParams.set('token', parsed.token);
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return {
    ...defaultInspectBridgeOptions,
    name: defaultName(),
    ...defined,
    url: url.toString(),
  } as ResolvedBridgeOptions;
}
