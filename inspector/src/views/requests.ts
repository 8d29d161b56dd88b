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
    this.body.innerHTML = rows
      .map((r) => {
        const key = `${r.appId}/${r.session}`;
        const path = r.providers.join(' → ') || '–';
        const source = r.source ?? (r.status === 'failed' ? (r.errorType ?? 'error') : '');
        return `<tr data-key="${esc(key)}" data-request-id="${esc(r.id)}" data-status="${r.status}" data-source="${esc(r.source ?? '')}" data-path="${esc(r.providers.join('>'))}" class="${r.status}${key === this.selected ? ' selected' : ''}">
<td>${esc(r.id)}</td><td class="status">${r.status}</td><td>${esc(source)}</td><td>${esc(r.provider ?? '–')}</td><td>${esc(path)}</td><td>${r.attempts}</td><td>${ms((r.endedAt ?? now) - r.startedAt)}</td></tr>`;
      })
      .join('');
  }
}
