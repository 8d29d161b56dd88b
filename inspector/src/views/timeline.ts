/**
 * The event timeline: the newest events (from a bounded ring), filtered by request id or provider. It is
 * virtualised: only the rows in view exist (spacer rows stand for the rest, so the scrollbar is true), from
 * a fixed pool patched cell by cell — no HTML parsed, no rows created per render, and a render lays out
 * some twenty rows instead of sixty.
 */
import type { InspectorStore, TimelineEntry } from '../store.js';

const ROWS = 60;
const CELLS = 5;
/** Row height in px: `#timeline tr` in style.css has the same. */
export const TIMELINE_ROW_PX = 20;

/** Renders the newest matching timeline entries. */
export class Timeline {
  filter = '';
  private readonly rows: Array<{ tr: HTMLTableRowElement; cells: HTMLElement[]; shown: string[] }> = [];
  private readonly above = spacer();
  private readonly below = spacer();
  /** Scroll offset and height of the scroll box, as last reported (never read during a render). */
  private scrollTop = 0;
  private viewHeight = 480;

  constructor(
    private readonly body: HTMLElement,
    private readonly store: InspectorStore,
    onScroll: () => void = () => {},
  ) {
    body.append(this.above, this.below);
    const box = body.closest('.scroll');
    if (!box) return;
    box.addEventListener('scroll', () => {
      this.scrollTop = box.scrollTop;
      onScroll();
    });
    new ResizeObserver(([entry]) => {
      if (entry) this.viewHeight = entry.contentRect.height || this.viewHeight;
      onScroll();
    }).observe(box);
  }

  render(appId: string | undefined): void {
    const f = this.filter.trim().toLowerCase();
    const entries = this.store.timeline.newest(
      ROWS,
      (e) =>
        e.appId === appId &&
        (f === '' ||
          e.requestId?.toLowerCase().includes(f) === true ||
          e.provider?.toLowerCase().includes(f) === true ||
          e.actor.toLowerCase().includes(f)),
    );
    const first = Math.min(entries.length, Math.floor(this.scrollTop / TIMELINE_ROW_PX));
    const shown = entries.slice(first, first + Math.ceil(this.viewHeight / TIMELINE_ROW_PX) + 2);
    setHeight(this.above, first * TIMELINE_ROW_PX);
    setHeight(this.below, (entries.length - first - shown.length) * TIMELINE_ROW_PX);
    while (this.rows.length < shown.length) this.rows.push(this.createRow());
    for (const [i, row] of this.rows.entries()) {
      const e = shown[i];
      if (row.tr.hidden !== (e === undefined)) row.tr.hidden = e === undefined;
      if (e) this.patch(row, e);
    }
  }

  private createRow(): { tr: HTMLTableRowElement; cells: HTMLElement[]; shown: string[] } {
    const tr = document.createElement('tr');
    const cells: HTMLElement[] = [];
    for (let i = 0; i < CELLS; i++) cells.push(tr.appendChild(document.createElement('td')));
    this.body.insertBefore(tr, this.below);
    return { tr, cells, shown: cells.map(() => '') };
  }

  private patch(row: { cells: HTMLElement[]; shown: string[] }, e: TimelineEntry): void {
    const time = new Date(e.at).toISOString();
    const values = [time.slice(14, 23), e.actor, e.provider ?? '', eventWords(e.type), stateWords(e.state)];
    // A state too long for its column shows whole on hover, in the same words.
    const titles = [time, e.actor, e.provider ?? '', e.type, values[4]];
    for (let i = 0; i < CELLS; i++) {
      const value = values[i] as string;
      if (row.shown[i] === value) continue;
      row.shown[i] = value;
      const cell = row.cells[i] as HTMLElement;
      cell.textContent = value;
      if (titles[i]) cell.title = titles[i] as string;
    }
  }
}

function spacer(): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = 'spacer';
  tr.style.height = '0px';
  return tr;
}

function setHeight(tr: HTMLTableRowElement, px: number): void {
  const value = `${px}px`;
  if (tr.style.height !== value) tr.style.height = value;
}

/** A request's state without the `active.` every non-final state shares: `active.validating` → `validating`. */
export function stateWords(state: string): string {
  return state.replace(/^active\./, '');
}

/**
 * An event type in words: `xstate.error.actor.readCache` → `readCache failed`; a timer by its delay's
 * name (`xstate.after.openDuration…` → `openDuration`), short enough for the column (the tooltip has the type).
 */
export function eventWords(type: string): string {
  if (type === 'xstate.init') return 'start';
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (m) return `${m[2]} ${m[1] === 'done' ? 'done' : 'failed'}`;
  const after = /^xstate\.after\.([^.]+)/.exec(type);
  if (after) return after[1] as string;
  return type;
}
