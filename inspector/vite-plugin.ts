/**
 * The Vite plugin behind `npm run dev`: adds the inspector relay to the dev server (same port, path
 * `/__resilient/ws`, token required) and starts the built-in demo app, which connects to the relay like any
 * other app. Prints the page URL with its token.
 */
import type { AddressInfo } from 'node:net';
import type { Plugin } from 'vite';
import { type InspectorDemo, startInspectorDemo } from '../src/inspect/demo.js';
import { RELAY_PATH } from '../src/inspect/protocol.js';
import { createInspectorRelay, type InspectorRelay } from '../src/inspect/relay.js';

/** Options of {@link resilientInspector}. */
export interface InspectorPluginOptions {
  /** The token. @default $RESILIENT_LLM_INSPECT_TOKEN, else random */
  token?: string | undefined;
  /** Start the built-in demo app. @default true */
  demo?: boolean;
  /** Demo requests per second at start. @default 3 */
  rps?: number;
  /** Events the relay keeps per app for pages that join late. @default 2000 */
  recent?: number;
}

/** URLs of a running inspector. */
export interface InspectorUrls {
  port: number;
  /** The page, token included. */
  pageUrl: string;
  /** What apps connect to, token included. */
  wsUrl: string;
}

/** What the plugin exposes to code that starts Vite programmatically (tests, the benchmark). */
export interface InspectorPluginApi {
  readonly token: string;
  readonly relay: InspectorRelay;
  /** The demo app, once the server listens (undefined when disabled). */
  readonly demo: InspectorDemo | undefined;
  /** Resolves when the server listens. */
  readonly ready: Promise<InspectorUrls>;
}

/** The inspector's Vite plugin. */
export function resilientInspector(
  options: InspectorPluginOptions = {},
): Plugin & { api: InspectorPluginApi } {
  const relay = createInspectorRelay({
    ...(options.recent === undefined ? {} : { recent: options.recent }),
    ...((options.token ?? process.env.RESILIENT_LLM_INSPECT_TOKEN)
      ? { token: (options.token ?? process.env.RESILIENT_LLM_INSPECT_TOKEN) as string }
      : {}),
  });
  let demo: InspectorDemo | undefined;
  let resolveReady: (urls: InspectorUrls) => void = () => {};
  const ready = new Promise<InspectorUrls>((resolve) => {
    resolveReady = resolve;
  });
  const api: InspectorPluginApi = {
    token: relay.token,
    relay,
    get demo() {
      return demo;
    },
    ready,
  };
  return {
    name: 'resilient-llm-inspector',
    api,
    configureServer(server) {
      const http = server.httpServer;
      if (!http) return;
      const detach = relay.attach(http as import('node:http').Server);
      http.once('listening', () => {
        const { port } = http.address() as AddressInfo;
        const token = encodeURIComponent(relay.token);
        const urls: InspectorUrls = {
          port,
          pageUrl: `http://127.0.0.1:${port}/?token=${token}`,
          wsUrl: `ws://127.0.0.1:${port}${RELAY_PATH}?token=${token}`,
        };
        if (options.demo !== false) demo = startInspectorDemo({ url: urls.wsUrl, rps: options.rps ?? 3 });
        server.config.logger.info(
          `\n  resilient-llm inspector: ${urls.pageUrl}\n  connect an app:          RESILIENT_LLM_INSPECT='${urls.wsUrl}'\n`,
        );
        resolveReady(urls);
      });
      http.once('close', () => {
        detach();
        void demo?.stop();
        void relay.close();
      });
    },
  };
}
