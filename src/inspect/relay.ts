/**
 * The inspector relay: a WebSocket endpoint (on any Node HTTP server — Vite's dev server or the CLI's) where
 * apps publish inspection batches and pages subscribe to them and send ops commands back. Every connection
 * needs the token; browsers from other origins and non-loopback Host headers are refused. Recent events are
 * kept per app (bounded) so a page opened late still sees history; a slow page misses batches, never the app.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppDescriptor, AppMessage, PageMessage, WireEvent } from './protocol.js';
import { RELAY_PATH } from './protocol.js';

/** Options of {@link createInspectorRelay}. */
export interface InspectorRelayOptions {
  /** The secret every connection must present as `?token=`. @default 32 random hex characters */
  token?: string;
  /** Events kept per app for pages that connect later. @default 2000 */
  recent?: number;
  /** Bytes queued to a page above which batches are skipped for it. @default 4_194_304 */
  maxPageBufferedBytes?: number;
}

interface AppState {
  id: string;
  app: AppDescriptor;
  socket: WebSocket;
  defs: Map<string, Extract<AppMessage, { t: 'def' }>>;
  info: Extract<AppMessage, { t: 'info' }> | undefined;
  /** The app's latest late-join snapshot. */
  sync: Extract<AppMessage, { t: 'sync' }> | undefined;
  recent: WireEvent[];
}

/** A running relay. */
export interface InspectorRelay {
  /** The token connections must present. */
  readonly token: string;
  /** Connected apps and pages. */
  readonly stats: { apps: number; pages: number };
  /** Handles an HTTP upgrade; returns false (and leaves the socket alone) for other paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Listens for upgrades on `server`; returns the function that stops listening. */
  attach(server: Server): () => void;
  /** Closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why an upgrade is refused, or undefined when it is allowed. */
export function refusal(
  request: IncomingMessage,
  token: string,
): { status: number; reason: string } | undefined {
  const host = request.headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) return { status: 403, reason: 'Forbidden host' };
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return { status: 403, reason: 'Forbidden origin' };
  const url = new URL(request.url ?? '/', 'http://relay');
  if (!sameToken(url.searchParams.get('token'), token))
    return { status: 401, reason: 'Bad or missing token' };
  return undefined;
}

/** Creates a relay. Attach it to an HTTP server with `relay.attach(server)`. */
export function createInspectorRelay(options: InspectorRelayOptions = {}): InspectorRelay {
  const token = options.token ?? randomBytes(16).toString('hex');
  const maxRecent = options.recent ?? 2_000;
  const maxPageBytes = options.maxPageBufferedBytes ?? 4_194_304;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });
  const apps = new Map<string, AppState>();
  const pages = new Set<WebSocket>();
  let nextApp = 0;

  const toPages = (message: PageMessage, droppable = false) => {
    const text = JSON.stringify(message);
    for (const page of pages) {
      if (droppable && page.bufferedAmount > maxPageBytes) continue;
      page.send(text);
    }
  };

  const onApp = (socket: WebSocket) => {
    let state: AppState | undefined;
    socket.on('message', (data) => {
      let message: AppMessage;
      try {
        message = JSON.parse(String(data)) as AppMessage;
      } catch {
        return socket.close(1003, 'Not JSON');
      }
      if (message.t === 'hello') {
        if (state) return;
        state = {
          id: `app${++nextApp}`,
          app: message.app,
          socket,
          defs: new Map(),
          info: undefined,
          sync: undefined,
          recent: [],
        };
        apps.set(state.id, state);
        return toPages({ t: 'app', appId: state.id, app: state.app });
      }
      if (!state) return socket.close(1008, 'hello first');
      const appId = state.id;
      if (message.t === 'def') state.defs.set(message.key, message);
      else if (message.t === 'info') state.info = message;
      else if (message.t === 'sync') state.sync = message;
      else if (message.t === 'batch') {
        state.recent.push(...message.events);
        if (state.recent.length > maxRecent * 1.5) state.recent.splice(0, state.recent.length - maxRecent);
        return toPages({ ...message, appId }, true);
      }
      toPages({ ...message, appId });
    });
    socket.on('close', () => {
      if (!state) return;
      apps.delete(state.id);
      toPages({ t: 'gone', appId: state.id });
    });
    socket.on('error', () => socket.terminate());
  };

  const onPage = (socket: WebSocket) => {
    pages.add(socket);
    for (const state of apps.values()) {
      const appId = state.id;
      socket.send(JSON.stringify({ t: 'app', appId, app: state.app } satisfies PageMessage));
      for (const def of state.defs.values()) socket.send(JSON.stringify({ ...def, appId }));
      if (state.info) socket.send(JSON.stringify({ ...state.info, appId }));
      if (state.sync) socket.send(JSON.stringify({ ...state.sync, appId }));
      const recent = state.recent.slice(-maxRecent);
      socket.send(JSON.stringify({ t: 'batch', appId, now: Date.now(), events: recent, dropped: 0 }));
    }
    socket.on('message', (data) => {
      let message: { t?: unknown; appId?: unknown; id?: unknown; command?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message.t !== 'command' || typeof message.id !== 'string' || typeof message.appId !== 'string')
        return;
      const app = apps.get(message.appId);
      if (!app) {
        const reply: PageMessage = {
          t: 'result',
          appId: message.appId,
          id: message.id,
          ok: false,
          error: 'App not connected',
        };
        return socket.send(JSON.stringify(reply));
      }
      app.socket.send(JSON.stringify({ t: 'command', id: message.id, command: message.command }));
    });
    socket.on('close', () => pages.delete(socket));
    socket.on('error', () => socket.terminate());
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(request.url ?? '/', 'http://relay');
    if (url.pathname !== RELAY_PATH) return false;
    const refused = refusal(request, token);
    if (refused) {
      socket.end(
        `HTTP/1.1 ${refused.status} ${refused.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return true;
    }
    const role = url.searchParams.get('role') === 'page' ? 'page' : 'app';
    wss.handleUpgrade(request, socket, head, (ws) => (role === 'page' ? onPage(ws) : onApp(ws)));
    return true;
  };

  return {
    token,
    get stats() {
      return { apps: apps.size, pages: pages.size };
    },
    handleUpgrade,
    attach(server) {
      const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        handleUpgrade(request, socket, head);
      };
      server.on('upgrade', listener);
      return () => server.off('upgrade', listener);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      apps.clear();
      pages.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
