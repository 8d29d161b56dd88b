/**
 * Answers by source per time bucket (stacked bars, one colour per source, with a legend), and the
 * breakers' state lanes (coloured bands over the same window) drawn in each breaker's card.
 */
import { SOURCE_BUCKETS } from '../../../src/inspect/sync.js';
import { esc } from '../dom.js';
import { BUCKET_MS, type InspectorStore } from '../store.js';

/** Colours of answer sources and breaker states (the legend, bars, lanes and request rows share them). */
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
/** What each answer source means, for the legend. */
export const SOURCE_MEANING: Record<string, string> = {
  primary: 'a provider answered',
  cache: 'degraded: earlier answer from the cache',
  simplified: 'degraded: simplified prompt',
  fallback: 'degraded: static fallback text',
  failed: 'no answer (error)',
};
const SOURCES = Object.keys(SOURCE_MEANING);
const WINDOW_MS = SOURCE_BUCKETS * BUCKET_MS;
const LANE_STATES = ['closed', 'halfOpen', 'open', 'forcedOpen', 'disabled'];

/** Canvas sizes as last observed: reading `clientWidth` on every draw would force a layout mid-frame. */
const sizes = new WeakMap<Element, { width: number; height: number }>();
const observer =
  typeof ResizeObserver === 'undefined'
    ? undefined
    : new ResizeObserver((entries) => {
        for (const e of entries)
          sizes.set(e.target, {
            width: Math.round(e.contentRect.width),
            height: Math.round(e.contentRect.height),
          });
      });

function sized(canvas: HTMLCanvasElement, fallbackH: number): CanvasRenderingContext2D | undefined {
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  let size = sizes.get(canvas);
  if (!size) {
    size = { width: canvas.clientWidth, height: canvas.clientHeight };
    sizes.set(canvas, size);
    observer?.observe(canvas);
  }
  const width = size.width || 280;
  const height = size.height || fallbackH;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** The legend of answer sources and breaker states, as HTML. */
export function legendHtml(): string {
  const swatch = (key: string, text: string) =>
    `<span class="legend-item" data-key="${esc(key)}"><i style="background:${COLORS[key]}"></i>${esc(text)}</span>`;
  return [
    ...SOURCES.map((s) => swatch(s, `${s}: ${SOURCE_MEANING[s]}`)),
    ...LANE_STATES.map((s) => swatch(s, `breaker ${s}`)),
  ].join('');
}

/** Draws the answers-by-source bars for one app. */
export function drawCharts(
  canvas: HTMLCanvasElement,
  store: InspectorStore,
  appId: string | undefined,
): void {
  const ctx = sized(canvas, 160);
  const app = store.apps.get(appId ?? '');
  if (!ctx || !app) return;
  const { width, height } = canvas;
  const now = Date.now() + app.offsetMs;
  const from = now - WINDOW_MS;
  const x = (t: number) => ((t - from) / WINDOW_MS) * width;
  const buckets = (store.sources.get(app.appId) ?? []).filter((b) => b.start + BUCKET_MS > from);
  const max = Math.max(1, ...buckets.map((b) => SOURCES.reduce((s, k) => s + (b.counts[k] ?? 0), 0)));
  const barW = Math.max(1, (BUCKET_MS / WINDOW_MS) * width - 1);
  const top = 16;
  for (const b of buckets) {
    let y = height;
    for (const source of SOURCES) {
      const n = b.counts[source] ?? 0;
      if (!n) continue;
      const h = (n / max) * (height - top);
      ctx.fillStyle = COLORS[source] ?? '#888';
      ctx.fillRect(x(b.start), y - h, barW, h);
      y -= h;
    }
  }
  const total = buckets.reduce((s, b) => s + SOURCES.reduce((t, k) => t + (b.counts[k] ?? 0), 0), 0);
  ctx.fillStyle = '#8b949e';
  ctx.font = '11px system-ui';
  ctx.fillText(`${total} answers · tallest bar ${max} in ${BUCKET_MS / 1000} s`, 4, 12);
  canvas.dataset.total = String(total);
}

/** Draws one breaker's state lane (the same window as the answers chart). */
export function drawLane(
  canvas: HTMLCanvasElement,
  history: ReadonlyArray<{ at: number; state: string }>,
  now: number,
): void {
  const ctx = sized(canvas, 12);
  if (!ctx) return;
  const { width, height } = canvas;
  const from = now - WINDOW_MS;
  const x = (t: number) => ((t - from) / WINDOW_MS) * width;
  ctx.fillStyle = '#21262d';
  ctx.fillRect(0, 0, width, height);
  for (let k = 0; k < history.length; k++) {
    const h = history[k] as { at: number; state: string };
    const end = history[k + 1]?.at ?? now;
    if (end < from) continue;
    const start = Math.max(h.at, from);
    ctx.fillStyle = COLORS[h.state] ?? '#888';
    ctx.fillRect(x(start), 0, Math.max(1, x(end) - x(start)), height);
  }
}
