/**
 * The inspector page: connects to the relay with the token from the URL, folds messages into the store,
 * and redraws what changed — the live chart a few times a second, lists a few times a second. Without a
 * valid token it says which URL to open instead of waiting.
 */
import type { InspectorCommand } from '../../src/inspect/protocol.js';
import { RelayConnection } from './connection.js';
import { StateDiagram } from './diagram.js';
import { byId, esc } from './dom.js';
import { type AppView, InspectorStore, valueText } from './store.js';
import { BreakerPanel } from './views/breakers.js';
import { drawCharts, legendHtml } from './views/chart.js';
import { describeCommand } from './views/messages.js';
import { PathView } from './views/path-view.js';
import { RequestList } from './views/requests.js';
import { Timeline } from './views/timeline.js';
import './style.css';

const params = new URLSearchParams(location.search);
const token = params.get('token') ?? sessionStorage.getItem('resilient-llm-token') ?? '';
if (token) sessionStorage.setItem('resilient-llm-token', token);

const store = new InspectorStore();
const requestDiagram = new StateDiagram(byId('request-diagram'), 'DOWN', true);
const appSelect = byId<HTMLSelectElement>('app-select');
const status = byId('status');
const pending = new Map<string, string>();
let appId: string | undefined;

function showTokenScreen(reason: string): void {
  byId('token-screen').hidden = false;
  byId('token-reason').textContent = reason;
  document.body.classList.add('no-token');
}

const connection = new RelayConnection(
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/__resilient/ws?role=page&token=${encodeURIComponent(token)}`,
  (message) => {
    if (message.t === 'result') {
      const what = pending.get(message.id) ?? 'The command';
      pending.delete(message.id);
      status.textContent = message.ok
        ? `${what}: done.`
        : `${what} failed: ${message.error ?? 'no reason given'}`;
      status.dataset.lastResult = message.ok ? 'ok' : 'error';
      return;
    }
    store.apply(message);
  },
  (state) => {
    byId('conn').dataset.state = state;
    byId('conn').textContent = state === 'open' ? 'connected' : state;
    if (state === 'open') {
      byId('token-screen').hidden = true;
      document.body.classList.remove('no-token');
    }
    if (state === 'refused')
      showTokenScreen(
        token
          ? 'The relay refused this token: it is wrong, or the inspector was restarted with a new one.'
          : 'This URL has no token.',
      );
  },
);
if (!token) showTokenScreen('This URL has no token.');

const send = (command: InspectorCommand) => {
  if (!appId) return;
  const id = connection.command(appId, command);
  pending.set(id, describeCommand(command));
  status.textContent = `${describeCommand(command)}…`;
};
const breakers = new BreakerPanel(byId('breakers'), store, send);
const requests = new RequestList(byId('requests-body'), store, (key) => {
  const request = store.requests.get(key);
  if (!request) return;
  requests.selected = key;
  path.open(request);
  timeline.filter = request.id;
  byId<HTMLInputElement>('timeline-filter').value = request.id;
  byId('request-diagram-title').textContent = `request path · ${request.id}`;
  store.dirty.requests = store.dirty.timeline = true;
  // Show the selection at once, even when the list refreshes slowly under heavy traffic.
  requestsJob.last = Number.NEGATIVE_INFINITY;
});
const timeline = new Timeline(byId('timeline-body'), store, () => {
  store.dirty.timeline = true;
});
const path = new PathView(requestDiagram, () => {
  requests.selected = undefined;
  store.dirty.live = store.dirty.requests = true;
});
byId<HTMLInputElement>('timeline-filter').addEventListener('input', (event) => {
  timeline.filter = (event.target as HTMLInputElement).value;
  store.dirty.timeline = true;
});
appSelect.addEventListener('change', () => {
  appId = appSelect.value;
  if (path.active) path.close();
  for (const key of Object.keys(store.dirty)) store.dirty[key as keyof typeof store.dirty] = true;
});
const rps = byId<HTMLInputElement>('demo-rps');
rps.addEventListener('change', () => send({ type: 'demo.traffic', rps: Number(rps.value) }));
byId('zoom-in').addEventListener('click', () => requestDiagram.zoom(1.25));
byId('zoom-out').addEventListener('click', () => requestDiagram.zoom(0.8));
byId('zoom-fit').addEventListener('click', () => requestDiagram.fit());
byId('zoom-actual').addEventListener('click', () => requestDiagram.actualSize());
byId('legend').innerHTML = legendHtml();

function currentApp(): AppView | undefined {
  if (!appId || !store.apps.has(appId)) appId = [...store.apps.values()].find((a) => a.connected)?.appId;
  return appId ? store.apps.get(appId) : undefined;
}

function renderMode(app: AppView | undefined): void {
  const mode = byId('mode');
  const fast = app?.mode?.fastPath;
  mode.dataset.mode = fast === undefined ? '' : fast ? 'fast' : 'full';
  mode.textContent =
    fast === undefined
      ? ''
      : fast
        ? 'mode: fast path on — uneventful calls show as "fast" records, calls that needed a decision in full'
        : 'mode: fast path off — every call runs the statechart and shows in full';
}

function renderApps(app: AppView | undefined): void {
  appSelect.innerHTML = [...store.apps.values()]
    .map(
      (a) =>
        `<option value="${esc(a.appId)}"${a.appId === app?.appId ? ' selected' : ''}>${esc(a.app.name)} (pid ${a.app.pid})${a.connected ? '' : ' – gone'}</option>`,
    )
    .join('');
  byId('demo-panel').hidden = !app?.app.demo;
  if (app?.demo && document.activeElement !== rps) rps.value = String(app.demo.rps);
  for (const [key, { machineId, json }] of app?.defs.entries() ?? [])
    if (machineId === 'request') void requestDiagram.draw(key, json);
  byId('dropped').textContent = app?.dropped ? `${app.dropped} events dropped` : '';
  renderMode(app);
}

/**
 * Views redraw on a schedule, at most one of them per animation frame (the most overdue one with
 * something to show), so no frame pays for every view at once: at 2,000 events/s a frame that redrew the
 * lists, the breakers and the chart together took several frame budgets.
 */
interface Job {
  /** Minimum ms between two redraws. */
  every: number;
  last: number;
  due: () => boolean;
  run: (app: AppView | undefined) => void;
}
const d = store.dirty;
const jobs: Job[] = [
  {
    // The live chart follows at 5 Hz: faster is unreadable and costs paint time under heavy traffic.
    every: 200,
    last: 0,
    due: () => d.live && !path.active && store.live !== undefined,
    run: (app) => {
      d.live = false;
      const request = store.live && store.requests.get(store.live.key);
      if (!store.live || !request || request.appId !== app?.appId) return;
      requestDiagram.show(request.state, store.live.transitions);
      byId('request-diagram-title').textContent =
        `request lifecycle · live · ${request.id} · ${valueText(request.state)}`;
    },
  },
  job(400, 'breakers', (app) => breakers.render(app)),
  job(400, 'requests', (app) => {
    // Under heavy churn (most rows new at every redraw) the list refreshes once a second: faster is
    // unreadable, and laying out a list whose rows all moved is the page's largest layout cost.
    const added = requests.render(app?.appId);
    requestsJob.every = added > 20 ? 1_000 : 400;
  }),
  job(400, 'timeline', (app) => timeline.render(app?.appId)),
  // The chart's time axis moves, so it redraws even when no answer arrived.
  { every: 500, last: 0, due: () => true, run: (app) => drawCharts(chartCanvas, store, app?.appId) },
];
function job(every: number, flag: 'breakers' | 'requests' | 'timeline', run: Job['run']): Job {
  return {
    every,
    last: 0,
    due: () => d[flag],
    run: (app) => {
      d[flag] = false;
      run(app);
    },
  };
}
const chartCanvas = byId<HTMLCanvasElement>('chart');
const requestsJob = jobs[2] as Job;

function frame(time: number): void {
  const app = currentApp();
  if (d.apps) {
    d.apps = false;
    renderApps(app);
  }
  let next: Job | undefined;
  for (const j of jobs)
    if (
      time - j.last >= j.every &&
      j.due() &&
      (!next || time - j.last - j.every > time - next.last - next.every)
    )
      next = j;
  if (next) {
    next.last = time;
    next.run(app);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

/** For tests and benchmarks. */
(window as unknown as { __inspector: unknown }).__inspector = { store, path, requestDiagram };
