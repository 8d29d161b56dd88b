/**
 * The event timeline: the newest events (from a bounded ring), filtered by request id or provider.
 */
import { esc } from '../dom.js';
import type { InspectorStore } from '../store.js';

const ROWS = 60;

/** Renders the newest matching timeline entries. */
export class Timeline {
  filter = '';

  constructor(
    private readonly body: HTMLElement,
    private readonly store: InspectorStore,
  ) {}

  render(appId: string | undefined): void {
    const f = this.filter.trim().toLowerCase();
    const rows = this.store.timeline.newest(
      ROWS,
      (e) =>
        e.appId === appId &&
        (f === '' ||
          e.requestId?.toLowerCase().includes(f) === true ||
          e.provider?.toLowerCase().includes(f) === true ||
          e.actor.toLowerCase().includes(f)),
    );
    this.body.innerHTML = rows
      .map((e) => {
        const t = new Date(e.at).toISOString().slice(11, 23);
        const what = eventWords(e.type);
        return `<tr><td>${t}</td><td title="${esc(e.actor)}">${esc(e.actor)}</td><td>${esc(e.provider ?? '')}</td><td title="${esc(e.type)}">${esc(what)}</td><td title="${esc(e.state)}">${esc(e.state)}</td></tr>`;
      })
      .join('');
  }
}

/** An event type in words: `xstate.error.actor.callProvider` → `callProvider failed`. */
export function eventWords(type: string): string {
  if (type === 'xstate.init') return 'start';
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (m) return `${m[2]} ${m[1] === 'done' ? 'done' : 'failed'}`;
  const after = /^xstate\.after\.([^.]+)/.exec(type);
  if (after) return `${after[1]} elapsed`;
  return type;
}
