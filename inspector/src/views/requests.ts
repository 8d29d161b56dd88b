/**
 * The request list: id, answer (its source, or failed), the path (providers called in order, then what
 * ended the call when no provider's answer did), attempts and duration. Rows carry `data-*` attributes so a row can be selected for replay (and found by tests). Rows are built once per
 * request from a template and patched cell by cell, so a render writes only the text that changed and
 * parses no HTML.
 */
import { ms } from '../dom.js';
import type { InspectorStore, RequestView } from '../store.js';

const ROWS = 50;
const TEMPLATE = (() => {
  const tr = document.createElement('tr');
  tr.innerHTML = '<td></td><td class="answer"><span class="pill"></span></td><td></td><td></td><td></td>';
  return tr;
})();

interface Row {
  tr: HTMLTableRowElement;
  /** The text nodes or elements whose text is patched: id, answer pill, path, attempts, time. */
  cells: HTMLElement[];
  /** What each cell shows now, so unchanged cells are not written. */
  shown: string[];
  className: string;
}

/** Renders the newest requests of one app. */
export class RequestList {
  selected: string | undefined;
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly body: HTMLElement,
    private readonly store: InspectorStore,
    onSelect: (key: string) => void,
  ) {
    body.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest('tr');
      if (row?.dataset.key) onSelect(row.dataset.key);
    });
  }

  /** Redraws the list; returns how many rows it added (new requests since the last render). */
  render(appId: string | undefined): number {
    let added = 0;
    const rows: RequestView[] = [];
    const all = [...this.store.requests.values()];
    for (let i = all.length - 1; i >= 0 && rows.length < ROWS; i--) {
      const r = all[i] as RequestView;
      if (r.appId === appId) rows.push(r);
    }
    const now = Date.now() + (this.store.apps.get(appId ?? '')?.offsetMs ?? 0);
    // Rows are kept by request and patched in place: a row never moves under the pointer mid-click.
    const keep = new Set<string>();
    let before: ChildNode | null = this.body.firstChild;
    for (const r of rows) {
      const key = `${r.appId}/${r.session}`;
      keep.add(key);
      let row = this.rows.get(key);
      if (!row) {
        row = this.createRow(key, r);
        added++;
        this.rows.set(key, row);
      }
      this.patch(row, r, now, key === this.selected);
      if (row.tr !== before) this.body.insertBefore(row.tr, before);
      before = row.tr.nextSibling;
    }
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue;
      row.tr.remove();
      this.rows.delete(key);
    }
    return added;
  }

  private createRow(key: string, r: RequestView): Row {
    const tr = TEMPLATE.cloneNode(true) as HTMLTableRowElement;
    tr.dataset.key = key;
    tr.dataset.requestId = r.id;
    const tds = [...tr.children] as HTMLElement[];
    const cells = tds.map((td, i) => (i === 1 ? (td.firstElementChild as HTMLElement) : td));
    return { tr, cells, shown: cells.map(() => ''), className: '' };
  }

  private patch(row: Row, r: RequestView, now: number, selected: boolean): void {
    const { kind, text, title } = answerOf(r);
    const time = ms((r.endedAt ?? now) - r.startedAt);
    const values = [r.id, text, pathText(r, kind), String(r.attempts), time];
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as string;
      if (row.shown[i] === value) continue;
      row.shown[i] = value;
      const cell = row.cells[i] as HTMLElement;
      cell.textContent = value;
      // Cut cells show their whole text on hover; the answer pill explains itself.
      if (i === 0 || i === 2) cell.title = value;
      else if (i === 1) (cell.parentElement as HTMLElement).title = title;
    }
    const className = `${r.status} answer-${kind}${selected ? ' selected' : ''}`;
    if (row.className !== className) {
      row.className = className;
      row.tr.className = className;
    }
    const d = row.tr.dataset;
    if (d.status !== r.status) d.status = r.status;
    if (d.source !== (r.source ?? '')) d.source = r.source ?? '';
    if (d.answer !== kind) d.answer = kind;
    if (d.fast !== String(r.fast)) d.fast = String(r.fast);
    const joined = r.providers.join('>');
    if (d.path !== joined) d.path = joined;
  }
}

/**
 * The path cell: the providers called, in order, then what ended the call when no provider's answer did —
 * `alpha → beta`, `alpha → cache of gamma`, `alpha → beta → fallback`, `alpha → failed: timeout`.
 */
export function pathText(r: RequestView, kind = answerOf(r).kind): string {
  const steps = [...r.providers];
  if (kind === 'failed') steps.push(`failed: ${r.errorType ?? 'error'}`);
  else if (kind === 'cache') steps.push(r.provider ? `cache of ${r.provider}` : 'cache');
  else if (kind !== 'primary' && kind !== 'active') steps.push(kind);
  return steps.join(' → ') || '–';
}

/** How a request's answer is shown: its kind (a source, `failed` or `active`), a short text and a tooltip. */
export function answerOf(r: RequestView): { kind: string; text: string; title: string } {
  if (r.status === 'active') return { kind: 'active', text: 'in flight', title: 'still running' };
  if (r.status === 'failed') {
    const type = r.errorType ?? 'error';
    return { kind: 'failed', text: 'failed', title: `failed: ${type}` };
  }
  const source = r.source ?? 'primary';
  if (source === 'primary')
    return r.fast
      ? { kind: 'primary', text: 'fast', title: 'primary answer on the fast path (no decision needed)' }
      : { kind: 'primary', text: 'primary', title: 'primary answer' };
  return { kind: source, text: source, title: `degraded answer: ${source}` };
}
