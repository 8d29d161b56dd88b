/**
 * A standalone inspector server (what `npx resilient-llm inspect` runs): serves the built page, hosts the
 * relay on the same port, and optionally runs the demo app. Listens on 127.0.0.1 only.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { type InspectorDemo, startInspectorDemo } from './demo.js';
import { RELAY_PATH } from './protocol.js';
import { createInspectorRelay, type InspectorRelay } from './relay.js';

/** Options of {@link startInspectorServer}. */
export interface InspectorServerOptions {
  /** Folder of the built page (`index.html` and assets). */
  staticDir: string;
  /** Port; 0 picks a free one. @default 5173 */
  port?: number;
  /** Token. @default random */
  token?: string | undefined;
  /** Run the built-in demo app. @default true */
  demo?: boolean;
}

/** A running inspector server. */
export interface InspectorServer {
  readonly port: number;
  readonly token: string;
  /** The page, token included. */
  readonly pageUrl: string;
  /** What apps connect to (`RESILIENT_LLM_INSPECT`), token included. */
  readonly wsUrl: string;
  readonly relay: InspectorRelay;
  readonly demo: InspectorDemo | undefined;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Request targets longer than this get 414 (a page asset path is far shorter). */
export const MAX_TARGET_CHARS = 2_048;

/** What a GET for a request target resolves to: a file under the root, or a refusal status. */
export type StaticTarget = { status: 200; file: string } | { status: 400 | 404 | 414; reason: string };

/**
 * Resolves a request target (`req.url`) to a file under `root`, or says why not. Never throws: over-long
 * targets are 414; malformed percent-encoding, NUL and backslashes (raw or encoded) are 400; `..` and
 * dot-file segments, folders and missing files are 404. Only regular files strictly inside `root` are served.
 */
export function resolveStaticTarget(root: string, target: string): StaticTarget {
  if (target.length > MAX_TARGET_CHARS) return { status: 414, reason: 'URI too long' };
  const raw = target.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/')) return { status: 400, reason: 'Bad path' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(raw);
  } catch {
    return { status: 400, reason: 'Bad path encoding' };
  }
  if (/[\\\0]/.test(pathname)) return { status: 400, reason: 'Bad path' };
  const segments = pathname.split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment.startsWith('.'))) return { status: 404, reason: 'Not found' };
  const file = normalize(join(root, segments.length === 0 ? 'index.html' : segments.join('/')));
  if (!file.startsWith(root + sep)) return { status: 404, reason: 'Not found' };
  try {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return { status: 404, reason: 'Not found' };
  } catch {
    return { status: 404, reason: 'Not found' }; // ENAMETOOLONG, EACCES, ...
  }
  return { status: 200, file };
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '')) {
    res.writeHead(403).end('Forbidden host');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const target = resolveStaticTarget(root, req.url ?? '/');
  if (target.status !== 200) {
    res.writeHead(target.status, { 'content-type': 'text/plain; charset=utf-8' }).end(target.reason);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(target.file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else
    createReadStream(target.file)
      .on('error', () => res.destroy())
      .pipe(res);
}

/** Answers one request; whatever goes wrong becomes a 500 (or a closed socket), never a crash. */
function handleRequest(root: string, req: IncomingMessage, res: ServerResponse): void {
  try {
    serveStatic(root, req, res);
  } catch {
    if (res.headersSent) res.destroy();
    else res.writeHead(500).end();
  }
}

/** Starts the inspector on 127.0.0.1. Rejects when the page is not built or the port is taken. */
export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const root = resolve(options.staticDir);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`The inspector page is not built: ${join(root, 'index.html')} is missing.`);
  const relay = createInspectorRelay(options.token ? { token: options.token } : {});
  const server: Server = createServer((req, res) => handleRequest(root, req, res));
  const detach = relay.attach(server);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 5173, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const token = encodeURIComponent(relay.token);
  const wsUrl = `ws://127.0.0.1:${port}${RELAY_PATH}?token=${token}`;
  const demo = options.demo === false ? undefined : startInspectorDemo({ url: wsUrl });
  return {
    port,
    token: relay.token,
    pageUrl: `http://127.0.0.1:${port}/?token=${token}`,
    wsUrl,
    relay,
    demo,
    async close() {
      await demo?.stop();
      detach();
      await relay.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
