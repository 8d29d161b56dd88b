/**
 * The request list: status, answer source, provider, the failover path, attempts and duration. Rows carry
 * `data-*` attributes so a row can be selected for replay (and found by tests).
 */
import { esc, ms } from '../dom.js';
import type { InspectorStore, RequestView } from '../store.js';

const ROWS = 50;

/** Renders the newest requests of one app. */
export class RequestList {
  selected: string | undefined;
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly html = new Map<string, string>();

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

  render(appId: string | undefined): void {
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
      const html = this.rowHtml(r, now);
      let row = this.rows.get(key);
      if (!row) {
        row = document.createElement('tr');
        this.rows.set(key, row);
      }
      if (this.html.get(key) !== html) {
        this.html.set(key, html);
        const { kind } = answerOf(r);
        row.dataset.key = key;
        row.dataset.requestId = r.id;
        row.dataset.status = r.status;
        row.dataset.source = r.source ?? '';
        row.dataset.answer = kind;
        row.dataset.fast = String(r.fast);
        row.dataset.path = r.providers.join('>');
        row.className = `${r.status} answer-${kind}`;
        row.innerHTML = html;
      }
      row.classList.toggle('selected', key === this.selected);
      if (row !== before) this.body.insertBefore(row, before);
      before = row.nextSibling;
    }
    for (const [key, row] of this.rows) {
      if (keep.has(key)) continue;
      row.remove();
      this.rows.delete(key);
      this.html.delete(key);
    }
  }

  private rowHtml(r: RequestView, now: number): string {
    const { kind, text, title } = answerOf(r);
    const steps = [...r.providers, ...(kind !== 'primary' && kind !== 'active' ? [kind] : [])];
    const path = steps.join(' → ') || '–';
    const provider = kind === 'fallback' ? '–' : (r.provider ?? '–');
    const time = ms((r.endedAt ?? now) - r.startedAt);
    return `<td title="${esc(r.id)}">${esc(r.id)}</td><td class="answer" title="${esc(title)}"><span class="pill">${esc(text)}</span></td><td title="${esc(provider)}">${esc(provider)}</td><td title="${esc(path)}">${esc(path)}</td><td>${r.attempts}</td><td>${time}</td>`;
  }
}

/** How a request's answer is shown: its kind (a source, `failed` or `active`), a short text and a tooltip. */
export function answerOf(r: RequestView): { kind: string; text: string; title: string } {
  if (r.status === 'active') return { kind: 'active', text: 'in flight', title: 'still running' };
  if (r.status === 'failed') {
    const type = r.errorType ?? 'error';
    return { kind: 'failed', text: `failed: ${type}`, title: `failed: ${type}` };
  }
  const source = r.source ?? 'primary';
  if (source === 'primary')
    return r.fast
      ? { kind: 'primary', text: 'fast', title: 'primary answer on the fast path (no decision needed)' }
      : { kind: 'primary', text: 'primary', title: 'primary answer' };
  return { kind: source, text: source, title: `degraded answer: ${source}` };
}
