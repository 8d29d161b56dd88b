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
        return `<tr><td>${t}</td><td>${esc(e.actor)}</td><td>${esc(e.provider ?? '')}</td><td>${esc(e.type)}</td><td>${esc(e.state)}</td></tr>`;
      })
      .join('');
  }
}
