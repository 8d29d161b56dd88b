/**
 * Two small charts on one canvas: answers by source per time bucket (stacked bars), and each breaker's
 * state over the same window (coloured bands).
 */
import { BUCKET_MS, type InspectorStore } from '../store.js';

/** Colours of answer sources and breaker states. */
export const COLORS: Record<string, string> = {
  primary: '#3fb950',
  cache: '#58a6ff',
  simplified: '#d2a8ff',
  fallback: '#f0883e',
  failed: '#f85149',
  closed: '#3fb950',
  open: '#f85149',
  halfOpen: '#d29922',
  forcedOpen: '#a40e26',
  disabled: '#8b949e',
};
const SOURCES = ['primary', 'cache', 'simplified', 'fallback', 'failed'];
const WINDOW_MS = 120_000;

/** Draws the charts for one app. */
export function drawCharts(
  canvas: HTMLCanvasElement,
  store: InspectorStore,
  appId: string | undefined,
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 200;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  ctx.clearRect(0, 0, width, height);
  const app = store.apps.get(appId ?? '');
  if (!app) return;
  const now = Date.now() + app.offsetMs;
  const from = now - WINDOW_MS;
  const x = (t: number) => ((t - from) / WINDOW_MS) * width;
  const barsH = height * 0.6;
  const buckets = (store.sources.get(app.appId) ?? []).filter((b) => b.start + BUCKET_MS > from);
  const max = Math.max(1, ...buckets.map((b) => SOURCES.reduce((s, k) => s + (b.counts[k] ?? 0), 0)));
  const barW = Math.max(1, (BUCKET_MS / WINDOW_MS) * width - 1);
  for (const b of buckets) {
    let y = barsH;
    for (const source of SOURCES) {
      const n = b.counts[source] ?? 0;
      if (!n) continue;
      const h = (n / max) * (barsH - 14);
      ctx.fillStyle = COLORS[source] ?? '#888';
      ctx.fillRect(x(b.start), y - h, barW, h);
      y -= h;
    }
  }
  ctx.fillStyle = '#8b949e';
  ctx.font = '10px system-ui';
  ctx.fillText(`answers by source (max ${max}/${BUCKET_MS / 1000}s)`, 4, 10);
  const providers = [...app.providers].sort((a, b) => a.priority - b.priority);
  const band = (height - barsH - 4) / Math.max(1, providers.length);
  providers.forEach((p, i) => {
    const breaker = p.breakerActor ? store.breakers.get(`${app.appId}/${p.breakerActor}`) : undefined;
    const y = barsH + 4 + i * band;
    const history = breaker?.history ?? [];
    for (let k = 0; k < history.length; k++) {
      const h = history[k] as { at: number; state: string };
      const end = history[k + 1]?.at ?? now;
      if (end < from) continue;
      ctx.fillStyle = COLORS[h.state] ?? '#888';
      ctx.fillRect(x(Math.max(h.at, from)), y, Math.max(1, x(end) - x(Math.max(h.at, from))), band - 2);
    }
    ctx.fillStyle = '#e6edf3';
    ctx.fillText(p.id, 4, y + band / 2 + 3);
  });
}
