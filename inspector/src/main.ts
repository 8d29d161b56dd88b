/**
 * The inspector page: connects to the relay with the token from the URL, folds messages into the store,
 * and redraws what changed — diagrams every frame, lists a few times a second.
 */
import type { InspectorCommand } from '../../src/inspect/protocol.js';
import { RelayConnection } from './connection.js';
import { StateDiagram } from './diagram.js';
import { byId, esc } from './dom.js';
import { type AppView, InspectorStore, valueText } from './store.js';
import { BreakerPanel } from './views/breakers.js';
import { drawCharts } from './views/chart.js';
import { ReplayPanel } from './views/replay-panel.js';
import { RequestList } from './views/requests.js';
import { Timeline } from './views/timeline.js';
import './style.css';

const params = new URLSearchParams(location.search);
const token = params.get('token') ?? sessionStorage.getItem('resilient-llm-token') ?? '';
if (token) sessionStorage.setItem('resilient-llm-token', token);

const store = new InspectorStore();
const requestDiagram = new StateDiagram(byId('request-diagram'));
const breakerDiagram = new StateDiagram(byId('breaker-diagram'), 'RIGHT');
const appSelect = byId<HTMLSelectElement>('app-select');
const status = byId('status');
let appId: string | undefined;
let breakerProvider: string | undefined;

const connection = new RelayConnection(
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/__resilient/ws?role=page&token=${encodeURIComponent(token)}`,
  (message) => {
    if (message.t === 'result') {
      status.textContent = message.ok ? `✓ ${message.id} applied` : `✗ ${message.error ?? 'failed'}`;
      status.dataset.lastResult = message.ok ? 'ok' : 'error';
      return;
    }
    store.apply(message);
  },
  (state) => {
    byId('conn').dataset.state = state;
    byId('conn').textContent =
      state === 'refused' && !token ? 'no token: open the URL the server printed' : state;
  },
);

const send = (command: InspectorCommand) => {
  if (appId) connection.command(appId, command);
};
const breakers = new BreakerPanel(byId('breakers'), store, send, (provider) => {
  breakerProvider = provider;
  store.dirty.breakers = true;
});
const requests = new RequestList(byId('requests-body'), store, (key) => {
  const request = store.requests.get(key);
  if (!request) return;
  requests.selected = key;
  replay.open(request);
  timeline.filter = request.id;
  byId<HTMLInputElement>('timeline-filter').value = request.id;
  store.dirty.requests = store.dirty.timeline = true;
});
const timeline = new Timeline(byId('timeline-body'), store);
const replay = new ReplayPanel(requestDiagram, () => {
  requests.selected = undefined;
  store.dirty.live = store.dirty.requests = true;
});
byId<HTMLInputElement>('timeline-filter').addEventListener('input', (event) => {
  timeline.filter = (event.target as HTMLInputElement).value;
  store.dirty.timeline = true;
});
appSelect.addEventListener('change', () => {
  appId = appSelect.value;
  if (replay.active) replay.close();
  for (const key of Object.keys(store.dirty)) store.dirty[key as keyof typeof store.dirty] = true;
});
const rps = byId<HTMLInputElement>('demo-rps');
rps.addEventListener('change', () => send({ type: 'demo.traffic', rps: Number(rps.value) }));

function currentApp(): AppView | undefined {
  if (!appId || !store.apps.has(appId)) appId = [...store.apps.values()].find((a) => a.connected)?.appId;
  return appId ? store.apps.get(appId) : undefined;
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
  for (const def of app?.defs.entries() ?? []) {
    const [key, { machineId, json }] = def;
    if (machineId === 'request') void requestDiagram.draw(key, json);
    if (machineId === 'circuitBreaker') void breakerDiagram.draw(key, json);
  }
  byId('dropped').textContent = app?.dropped ? `${app.dropped} events dropped` : '';
}

function renderBreakerDiagram(app: AppView | undefined): void {
  const providers = app?.providers ?? [];
  const provider = providers.find((p) => p.id === breakerProvider) ?? providers[0];
  if (!app || !provider?.breakerActor) return;
  const breaker = store.breakers.get(`${app.appId}/${provider.breakerActor}`);
  byId('breaker-diagram-title').textContent = `circuit breaker · ${provider.id}`;
  breakerDiagram.show(breaker?.state ?? provider.breaker, breaker?.lastTransitions ?? []);
}

let lastLists = 0;
let lastChart = 0;
let lastLive = 0;
function frame(time: number): void {
  const app = currentApp();
  const d = store.dirty;
  if (d.apps) {
    d.apps = false;
    renderApps(app);
  }
  // The live diagram follows at 5 Hz: faster is unreadable and costs paint time under heavy traffic.
  if (d.live && !replay.active && store.live && time - lastLive > 200) {
    d.live = false;
    lastLive = time;
    const request = store.requests.get(store.live.key);
    if (request && request.appId === app?.appId) {
      requestDiagram.show(request.state, store.live.transitions);
      byId('request-diagram-title').textContent =
        `request lifecycle · live · ${request.id} · ${valueText(request.state)}`;
    }
  }
  if (time - lastLists > 400) {
    lastLists = time;
    if (d.breakers) {
      d.breakers = false;
      breakers.render(app);
      renderBreakerDiagram(app);
    }
    if (d.requests) {
      d.requests = false;
      requests.render(app?.appId);
    }
    if (d.timeline) {
      d.timeline = false;
      timeline.render(app?.appId);
    }
  }
  if (time - lastChart > 500) {
    lastChart = time;
    d.chart = false;
    drawCharts(byId<HTMLCanvasElement>('chart'), store, app?.appId);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

/** For tests and benchmarks. */
(window as unknown as { __inspector: unknown }).__inspector = {
  store,
  replay,
  requestDiagram,
  breakerDiagram,
};
