/**
 * `createInspectBridge`: streams an app's xstate inspection events to the inspector relay over a WebSocket.
 * Events are serialized and redacted at event time, buffered (bounded), sent in batches, and the socket
 * reconnects with backoff. Nothing here ever throws into the app or waits on the network: an absent or slow
 * inspector costs a bounded buffer and nothing more.
 */

import { WebSocket as NodeWebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import {
  type BridgeSocket,
  type BridgeSocketConstructor,
  type InspectBridgeOptions,
  resolveBridgeOptions,
} from './bridge-options.js';
import { applyInspectorCommand, describeProviders, type InspectableLLM } from './commands.js';
import type { MachineDefinition } from './definition.js';
import {
  type AppMessage,
  type DemoState,
  type FastCallOutput,
  type InspectorCommand,
  type Metadata,
  PROTOCOL_VERSION,
  parseInspectorCommand,
  type WireEvent,
} from './protocol.js';
import { toSafeJson } from './redact.js';
import { RingBuffer } from './ring-buffer.js';
import { definitionOf, serializeInspectionEvent } from './serialize.js';
import { SyncState } from './sync.js';

/** One call the fast path answered, as the client reports it to a bridge. */
export interface FastCallRecord {
  requestId: string;
  provider: string;
  model?: string | undefined;
  startedAt: number;
  endedAt: number;
  skipped: readonly string[];
  /** The call's `metadata` (redacted before it leaves the process). */
  metadata?: Record<string, unknown>;
}

/**
 * An inspection observer that knows about the fast path (a bridge's observer is one). A client given such an
 * observer announces its `fastPath` option and, when it is on, reports each call the fast path answered to
 * the function returned; a plain observer turns the fast path off, so it still sees every call.
 */
export interface FastPathObserver {
  (event: InspectionEvent): void;
  fastPath(enabled: boolean): (record: FastCallRecord) => void;
}

const OPEN = 1;

/** Handles a command; return `false` when it is not for this handler. */
export type CommandHandler = (
  command: InspectorCommand,
) => boolean | undefined | Promise<boolean | undefined>;

/** Extra info an app reports with its providers (the demo reports its settings). */
export type InfoSource = () => { providers?: ReturnType<typeof describeProviders>; demo?: DemoState };

/** A running bridge. */
export interface InspectBridge {
  /** Pass as `inspect` to `createActor` or `createResilientLLM`. Never throws. */
  readonly observer: FastPathObserver;
  /** Registers a command handler; returns the function that removes it. */
  onCommand(handler: CommandHandler): () => void;
  /** Reports `llm`'s providers and breakers and applies ops commands to it; returns the detach function. */
  attach(llm: InspectableLLM): () => void;
  /** Adds a source of extra info reported with the providers; returns the function that removes it. */
  addInfo(source: InfoSource): () => void;
  /** Connection state. */
  readonly connected: boolean;
  /** Events held, waiting to be sent. */
  readonly buffered: number;
  /** Events dropped because the buffer was full, in total. */
  readonly droppedTotal: number;
  /** Events serialized (kept for sending), in total. */
  readonly observedTotal: number;
  /** Events written to the socket, in total. */
  readonly sentTotal: number;
  /** Sends what is buffered if connected, closes the socket and stops every timer. */
  close(): Promise<void>;
}

/**
 * Creates a bridge to the inspector. Options are validated here; a bad option throws one `TypeError`.
 *
 * @example
 * ```ts
 * const bridge = createInspectBridge({ url: 'ws://127.0.0.1:5173/__resilient/ws', token });
 * const llm = createResilientLLM({ providers, inspect: bridge.observer });
 * bridge.attach(llm);
 * ```
 */
export function createInspectBridge(options: InspectBridgeOptions): InspectBridge {
  const o = resolveBridgeOptions(options);
  const { clock } = o;
  const Socket: BridgeSocketConstructor =
    o.WebSocket ?? (NodeWebSocket as unknown as BridgeSocketConstructor);
  const safe = { includeContent: o.includeContent, redactKeys: o.redact };
  const buffer = new RingBuffer<WireEvent>(o.maxBuffer);
  const definitions = new Map<string, MachineDefinition>();
  const sentDefinitions = new Set<string>();
  const handlers = new Set<CommandHandler>();
  const infoSources = new Set<InfoSource>();
  const sync = new SyncState();
  let socket: BridgeSocket | undefined;
  let connected = false;
  let closed = false;
  let seq = 0;
  let dropped = 0;
  let droppedTotal = 0;
  let sentTotal = 0;
  let failures = 0;
  let flushTimer: unknown;
  let infoTimer: unknown;
  let reconnectTimer: unknown;

  const report = (error: unknown) => {
    try {
      o.onError?.(error);
    } catch {
      // The app's error hook must not break the bridge either.
    }
  };
  const write = (message: AppMessage) => socket?.send(JSON.stringify(message));

  const scheduleFlush = () => {
    if (flushTimer === undefined && connected && !closed) flushTimer = clock.setTimeout(flush, o.batchMs);
  };
  function flush() {
    flushTimer = undefined;
    if (!connected || !socket || socket.readyState !== OPEN) return;
    try {
      if (socket.bufferedAmount > o.maxBufferedBytes) return scheduleFlush(); // a slow relay: hold back
      for (const [key, def] of definitions) {
        if (sentDefinitions.has(key)) continue;
        write({ t: 'def', key, machineId: def.machineId, json: def.json });
        sentDefinitions.add(key);
      }
      if (buffer.size === 0 && dropped === 0) return;
      const events = buffer.take(o.maxBatch);
      write({ t: 'batch', now: clock.now(), events, dropped });
      sentTotal += events.length;
      dropped = 0;
      if (buffer.size > 0) scheduleFlush();
    } catch (error) {
      report(error);
    }
  }

  const sendInfo = () => {
    if (!connected) return;
    try {
      const info: AppMessage = { t: 'info', now: clock.now(), providers: [] };
      for (const source of infoSources) Object.assign(info, source());
      write(info);
      write(sync.frame(info.now));
    } catch (error) {
      report(error);
    }
  };
  const scheduleInfo = () => {
    if (closed || !connected) return;
    infoTimer = clock.setTimeout(() => {
      sendInfo();
      scheduleInfo();
    }, o.infoMs);
  };

  async function handleCommand(id: string, raw: unknown) {
    let ok = false;
    let error: string | undefined;
    try {
      const command = parseInspectorCommand(raw);
      for (const handler of [...handlers]) if ((await handler(command)) !== false) ok = true;
      if (!ok) error = `No handler for command ${command.type}`;
    } catch (thrown) {
      ok = false;
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    if (connected) write({ t: 'result', id, ok, ...(error === undefined ? {} : { error }) });
    sendInfo();
  }

  const onMessage = (event: { data: unknown }) => {
    try {
      const message = JSON.parse(String(event.data)) as { t?: unknown; id?: unknown; command?: unknown };
      if (message.t === 'command' && typeof message.id === 'string')
        void handleCommand(message.id, message.command);
    } catch (error) {
      report(error);
    }
  };

  function connect() {
    reconnectTimer = undefined;
    if (closed) return;
    let next: BridgeSocket;
    try {
      next = new Socket(o.url);
    } catch (error) {
      report(error);
      return retry();
    }
    socket = next;
    next.onopen = () => {
      if (socket !== next) return;
      // A Node socket must not keep the app's process alive.
      (next as unknown as { _socket?: { unref?: () => void } })._socket?.unref?.();
      connected = true;
      failures = 0;
      sentDefinitions.clear();
      write({ t: 'hello', v: PROTOCOL_VERSION, app: { name: o.name, pid: process.pid, demo: o.demo } });
      sendInfo();
      scheduleInfo();
      flush();
    };
    next.onmessage = onMessage;
    next.onerror = (error) => report(error);
    next.onclose = () => {
      if (socket !== next) return;
      socket = undefined;
      connected = false;
      clock.clearTimeout(infoTimer);
      clock.clearTimeout(flushTimer);
      flushTimer = undefined;
      retry();
    };
  }
  function retry() {
    if (closed || reconnectTimer !== undefined) return;
    const delay = Math.min(o.maxReconnectMs, o.reconnectMs * 2 ** Math.min(failures++, 20));
    reconnectTimer = clock.setTimeout(connect, delay);
  }

  const keep = (wire: WireEvent) => {
    seq = wire.seq;
    sync.observe(wire);
    if (buffer.full) {
      dropped++;
      droppedTotal++;
      return;
    }
    buffer.push(wire);
    scheduleFlush();
  };

  const observer = ((inspection: InspectionEvent) => {
    if (closed) return;
    try {
      if (inspection.type === '@xstate.actor') {
        const def = definitionOf(inspection.actorRef);
        if (def && !definitions.has(def.key)) definitions.set(def.key, def);
        if (def?.machineId === 'circuitBreaker')
          sync.trackBreaker((inspection.actorRef as { sessionId: string }).sessionId, def.key);
      }
      // A full buffer drops events unserialized, except the breakers' snapshots and the requests' outcomes,
      // which the late-join snapshot needs.
      if (buffer.full && !sync.isBreaker(inspection.actorRef.sessionId) && !isFinalSnapshot(inspection)) {
        dropped++;
        droppedTotal++;
        return;
      }
      const wire = serializeInspectionEvent(inspection, seq + 1, clock.now(), safe);
      if (wire) keep(wire);
    } catch (error) {
      report(error);
    }
  }) as FastPathObserver;

  observer.fastPath = (enabled) => {
    sync.mode = { fastPath: enabled };
    return (record) => {
      if (closed) return;
      try {
        const output: FastCallOutput = {
          status: 'succeeded',
          answer: {
            source: 'primary',
            provider: record.provider,
            ...(record.model === undefined ? {} : { model: record.model }),
          },
          startedAt: record.startedAt,
          durationMs: record.endedAt - record.startedAt,
          skipped: [...record.skipped],
        };
        if (record.metadata !== undefined) output.metadata = toSafeJson(record.metadata, safe) as Metadata;
        const id = record.requestId;
        keep({ seq: seq + 1, at: record.endedAt, kind: 'fast', actor: id, id, root: id, output });
      } catch (error) {
        report(error);
      }
    };
  };

  const onCommand = (handler: CommandHandler) => {
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
    };
  };
  const addInfo = (source: InfoSource) => {
    infoSources.add(source);
    return () => {
      infoSources.delete(source);
    };
  };

  connect();

  return {
    observer,
    onCommand,
    addInfo,
    attach(llm) {
      const offCommand = onCommand((command) => applyInspectorCommand(llm, command));
      const offInfo = addInfo(() => ({ providers: describeProviders(llm) }));
      sendInfo();
      return () => {
        offCommand();
        offInfo();
      };
    },
    get connected() {
      return connected;
    },
    get buffered() {
      return buffer.size;
    },
    get droppedTotal() {
      return droppedTotal;
    },
    get observedTotal() {
      return seq;
    },
    get sentTotal() {
      return sentTotal;
    },
    async close() {
      if (closed) return;
      flush();
      closed = true;
      for (const timer of [flushTimer, infoTimer, reconnectTimer]) clock.clearTimeout(timer);
      const last = socket;
      socket = undefined;
      connected = false;
      buffer.clear();
      try {
        last?.close(1000, 'bridge closed');
      } catch (error) {
        report(error);
      }
    },
  };
}

function isFinalSnapshot(inspection: InspectionEvent): boolean {
  return (
    inspection.type === '@xstate.snapshot' && (inspection.snapshot as { status?: string }).status !== 'active'
  );
}
