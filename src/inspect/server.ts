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

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(req.headers.host ?? '')) {
    res.writeHead(403).end('Forbidden host');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('Not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Starts the inspector on 127.0.0.1. Rejects when the page is not built or the port is taken. */
export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const root = resolve(options.staticDir);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`The inspector page is not built: ${join(root, 'index.html')} is missing.`);
  const relay = createInspectorRelay(options.token ? { token: options.token } : {});
  const server: Server = createServer((req, res) => serveStatic(root, req, res));
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
