/**
 * Summarises a Chromium performance trace (from `browser.startTracing`/`stopTracing`): main-thread time by
 * kind (layout, style, script, paint), and layout and style recalculation by the script that forced them
 * (a forced synchronous layout carries the stack of the read that forced it; one done by the frame itself
 * has none). Used by `bench/inspector-load.ts` with `PROFILE=1` to say what the page spends its frames on.
 */

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  pid: number;
  tid: number;
  args?: {
    beginData?: { stackTrace?: Array<{ functionName: string; url: string; lineNumber: number }> };
    data?: { stackTrace?: Array<{ functionName: string; url: string; lineNumber: number }> };
  };
}

/** One row: what, total ms per second of trace, and how many events. */
export interface TraceRow {
  name: string;
  msPerSecond: number;
  count: number;
}

/** Main-thread time by event kind, and forced layouts/style recalcs by the function that forced them. */
export interface TraceSummary {
  seconds: number;
  byKind: TraceRow[];
  layoutBySource: TraceRow[];
  styleBySource: TraceRow[];
}

const KINDS = [
  'Layout',
  'UpdateLayoutTree',
  'Paint',
  'PrePaint',
  'Layerize',
  'FunctionCall',
  'FireAnimationFrame',
  'EvaluateScript',
  'ParseHTML',
  'HitTest',
];

function sourceOf(event: TraceEvent): string {
  const stack = event.args?.beginData?.stackTrace ?? event.args?.data?.stackTrace;
  const top = stack?.[0];
  if (!top) return '(frame lifecycle)';
  const file = top.url.replace(/^.*\/(src|inspector)\//, '$1/').replace(/\?.*$/, '');
  return `${top.functionName || '(anonymous)'} ${file}:${top.lineNumber + 1}`;
}

function rows(map: Map<string, { us: number; n: number }>, seconds: number, limit: number): TraceRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, limit)
    .map(([name, { us, n }]) => ({ name, msPerSecond: Math.round(us / 1000 / seconds), count: n }));
}

/** Summarises the renderer main thread of a trace over `seconds` of run. */
export function summariseTrace(trace: Buffer | string, seconds: number): TraceSummary {
  const parsed = JSON.parse(String(trace)) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  // The renderer main thread is the one that runs the frames' animation callbacks.
  const counts = new Map<string, number>();
  for (const e of events)
    if (e.name === 'FireAnimationFrame')
      counts.set(`${e.pid}:${e.tid}`, (counts.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
  const main = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const byKind = new Map<string, { us: number; n: number }>();
  const layout = new Map<string, { us: number; n: number }>();
  const style = new Map<string, { us: number; n: number }>();
  const add = (map: Map<string, { us: number; n: number }>, key: string, us: number) => {
    const row = map.get(key) ?? { us: 0, n: 0 };
    row.us += us;
    row.n++;
    map.set(key, row);
  };
  for (const e of events) {
    if (e.ph !== 'X' || `${e.pid}:${e.tid}` !== main || !KINDS.includes(e.name)) continue;
    const us = e.dur ?? 0;
    add(byKind, e.name, us);
    if (e.name === 'Layout') add(layout, sourceOf(e), us);
    if (e.name === 'UpdateLayoutTree') add(style, sourceOf(e), us);
  }
  return {
    seconds,
    byKind: rows(byKind, seconds, KINDS.length),
    layoutBySource: rows(layout, seconds, 8),
    styleBySource: rows(style, seconds, 8),
  };
}
