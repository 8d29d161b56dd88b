/**
 * The inspector relay: a WebSocket endpoint (on any Node HTTP server — Vite's dev server or the CLI's) where
 * apps publish inspection batches and pages subscribe to them and send ops commands back. Every connection
 * needs the token; browsers from other origins and non-loopback Host headers are refused. Recent events are
 * kept per app (bounded by count and bytes) so a page opened late still sees history; a slow page misses
 * batches, never the app. Every frame is validated with zod at the boundary (`parseAppFrame`,
 * `parsePageFrame`): a bad frame is dropped and counted in `stats.droppedFrames`, never trusted; frames are
 * capped at `MAX_FRAME_BYTES`; upgrades to other paths on a server nobody else listens on are refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppDescriptor, AppMessage, PageMessage } from './protocol.js';
import { MAX_FRAME_BYTES, parseAppFrame, parsePageFrame, RELAY_PATH } from './protocol.js';
import { RecentEvents } from './recent-events.js';

/** Options of {@link createInspectorRelay}. */
export interface InspectorRelayOptions {
  /** The secret every connection must present as `?token=`. @default 32 random hex characters */
  token?: string;
  /** Events kept per app for pages that connect later. @default 2000 */
  recent?: number;
  /** Bytes queued to a page above which batches are skipped for it. @default 4_194_304 */
  maxPageBufferedBytes?: number;
  /** Bytes of recent events kept per app (estimated from frame sizes). @default 8_388_608 */
  recentBytes?: number;
}

/** Counters of a relay. */
export interface InspectorRelayStats {
  /** Connected apps. */
  apps: number;
  /** Connected pages. */
  pages: number;
  /** Frames dropped because they were invalid (not JSON, too deep, wrong shape, `hello` missing), in total. */
  droppedFrames: number;
  /** Recent events held for late pages, over all apps. */
  recentEvents: number;
}

interface AppState {
  id: string;
  app: AppDescriptor;
  socket: WebSocket;
  defs: Map<string, Extract<AppMessage, { t: 'def' }>>;
  info: Extract<AppMessage, { t: 'info' }> | undefined;
  /** The app's latest late-join snapshot. */
  sync: Extract<AppMessage, { t: 'sync' }> | undefined;
  recent: RecentEvents;
}

/** A running relay. */
export interface InspectorRelay {
  /** The token connections must present. */
  readonly token: string;
  /** Connected apps and pages, and how many bad frames were dropped. */
  readonly stats: InspectorRelayStats;
  /** Handles an HTTP upgrade; returns false (and leaves the socket alone) for other paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Listens for upgrades on `server`; returns the function that stops listening. An upgrade to another path
   * is refused at once (404) unless another `upgrade` listener is registered (e.g. Vite's HMR socket).
   */
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
  const maxRecentBytes = options.recentBytes ?? 8_388_608;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const apps = new Map<string, AppState>();
  const pages = new Set<WebSocket>();
  let nextApp = 0;
  let droppedFrames = 0;

  const toPages = (message: PageMessage, droppable = false) => {
    const text = JSON.stringify(message);
    for (const page of pages) {
      if (droppable && page.bufferedAmount > maxPageBytes) continue;
      page.send(text);
    }
  };

  /** Runs a frame handler; a frame it cannot handle is dropped and counted, the relay carries on. */
  const guarded = (handle: (text: string) => boolean) => (data: unknown) => {
    try {
      if (!handle(Buffer.isBuffer(data) ? data.toString('utf8') : String(data))) droppedFrames++;
    } catch {
      droppedFrames++;
    }
  };

  const onAppMessage = (socket: WebSocket, state: { app?: AppState }, text: string): boolean => {
    const message = parseAppFrame(text);
    if (message === undefined) return false;
    if (message.t === 'hello') {
      if (state.app) return false;
      const app: AppState = {
        id: `app${++nextApp}`,
        app: message.app,
        socket,
        defs: new Map(),
        info: undefined,
        sync: undefined,
        recent: new RecentEvents(maxRecent, maxRecentBytes),
      };
      state.app = app;
      apps.set(app.id, app);
      toPages({ t: 'app', appId: app.id, app: app.app });
      return true;
    }
    const app = state.app;
    if (!app) {
      socket.close(1008, 'hello first');
      return false;
    }
    const appId = app.id;
    if (message.t === 'def') app.defs.set(message.key, message);
    else if (message.t === 'info') app.info = message;
    else if (message.t === 'sync') app.sync = message;
    else if (message.t === 'batch') {
      app.recent.add(message.events, Math.ceil(text.length / Math.max(1, message.events.length)));
      toPages({ ...message, appId }, true);
      return true;
    }
    toPages({ ...message, appId });
    return true;
  };

  const onApp = (socket: WebSocket) => {
    const state: { app?: AppState } = {};
    socket.on(
      'message',
      guarded((text) => onAppMessage(socket, state, text)),
    );
    socket.on('close', () => {
      if (!state.app) return;
      apps.delete(state.app.id);
      toPages({ t: 'gone', appId: state.app.id });
    });
    socket.on('error', () => socket.terminate());
  };

  const onPageMessage = (socket: WebSocket, text: string): boolean => {
    const message = parsePageFrame(text);
    if (message === undefined) return false;
    const app = apps.get(message.appId);
    if (!app) {
      const reply: PageMessage = {
        t: 'result',
        appId: message.appId,
        id: message.id,
        ok: false,
        error: 'App not connected',
      };
      socket.send(JSON.stringify(reply));
      return true;
    }
    app.socket.send(JSON.stringify({ t: 'command', id: message.id, command: message.command }));
    return true;
  };

  const onPage = (socket: WebSocket) => {
    pages.add(socket);
    for (const state of apps.values()) {
      const appId = state.id;
      socket.send(JSON.stringify({ t: 'app', appId, app: state.app } satisfies PageMessage));
      for (const def of state.defs.values()) socket.send(JSON.stringify({ ...def, appId }));
      if (state.info) socket.send(JSON.stringify({ ...state.info, appId }));
      if (state.sync) socket.send(JSON.stringify({ ...state.sync, appId }));
      const events = state.recent.list();
      socket.send(JSON.stringify({ t: 'batch', appId, now: Date.now(), events, dropped: 0 }));
    }
    socket.on(
      'message',
      guarded((text) => onPageMessage(socket, text)),
    );
    socket.on('close', () => pages.delete(socket));
    socket.on('error', () => socket.terminate());
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://relay');
    } catch {
      return false;
    }
    if (url.pathname !== RELAY_PATH) return false;
    socket.on('error', () => socket.destroy());
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
      let recentEvents = 0;
      for (const app of apps.values()) recentEvents += app.recent.size;
      return { apps: apps.size, pages: pages.size, droppedFrames, recentEvents };
    },
    handleUpgrade,
    attach(server) {
      const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (handleUpgrade(request, socket, head) || server.listenerCount('upgrade') > 1) return;
        socket.on('error', () => socket.destroy());
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
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
