/**
 * The breaker panel: every provider's breaker at once (small multiples) — its statechart, state, counts,
 * failure rate, time to half-open and a lane of its states over the last minutes — with ops controls (force
 * open, disable, reset, re-rank, enable) and, for the demo app, its fault controls. Cards are built once and
 * updated in place, so controls stay put while data streams.
 */
import type { DemoProviderSettings, InspectorCommand, WireProvider } from '../../../src/inspect/protocol.js';
import { StateDiagram } from '../diagram.js';
import { h, ms } from '../dom.js';
import type { AppView, BreakerView, InspectorStore } from '../store.js';
import { drawLane } from './chart.js';

const FAULT_TYPES = [
  'rate_limit',
  'timeout',
  'provider_error',
  'quota_exhausted',
  'invalid_response',
  'authentication',
];

interface Card {
  root: HTMLElement;
  state: HTMLElement;
  stats: HTMLElement;
  diagram: StateDiagram;
  lane: HTMLCanvasElement;
  /** What the small chart shows now: redrawn only when it changes. */
  shown: { state: string; transitions: unknown } | undefined;
  demo: HTMLElement;
  inputs: Map<string, HTMLInputElement>;
}

/** Renders and updates the breaker cards. */
export class BreakerPanel {
  private readonly cards = new Map<string, Card>();
  private readonly edited = new Map<HTMLInputElement, number>();
  private appId: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: InspectorStore,
    private readonly send: (command: InspectorCommand) => void,
  ) {}

  render(app: AppView | undefined): void {
    if (app?.appId !== this.appId) {
      this.appId = app?.appId;
      this.cards.clear();
      this.root.replaceChildren();
    }
    if (!app) return;
    for (const p of [...app.providers].sort((a, b) => a.priority - b.priority)) {
      let card = this.cards.get(p.id);
      if (!card) {
        card = this.createCard(p.id, app);
        this.cards.set(p.id, card);
      }
      // Keep cards in priority order without moving them needlessly (moving a card blurs its inputs).
      if (this.root.lastElementChild !== card.root) this.root.append(card.root);
      this.update(card, p, app);
    }
  }

  private button(label: string, testId: string, command: () => InspectorCommand): HTMLButtonElement {
    const b = h('button', { type: 'button', 'data-testid': testId }, label);
    b.addEventListener('click', () => this.send(command()));
    return b;
  }

  private createCard(id: string, app: AppView): Card {
    const state = h('span', { class: 'badge', 'data-testid': `breaker-state-${id}` });
    const stats = h('div', { class: 'stats' });
    const current = () => this.store.apps.get(app.appId)?.providers.find((p) => p.id === id);
    const ops = h(
      'div',
      { class: 'ops' },
      this.button('Force open', `force-open-${id}`, () => ({ type: 'breaker.forceOpen', provider: id })),
      this.button('Disable', `disable-${id}`, () => ({ type: 'breaker.disable', provider: id })),
      this.button('Reset', `reset-${id}`, () => ({ type: 'breaker.reset', provider: id })),
      this.button('Rank up', `rank-up-${id}`, () => ({
        type: 'provider.setPriority',
        provider: id,
        priority: (current()?.priority ?? 0) - 1.5,
      })),
      this.button('Rank down', `rank-down-${id}`, () => ({
        type: 'provider.setPriority',
        provider: id,
        priority: (current()?.priority ?? 0) + 1.5,
      })),
      this.button('On/off', `toggle-${id}`, () => ({
        type: 'provider.setEnabled',
        provider: id,
        enabled: !(current()?.enabled ?? true),
      })),
    );
    const demo = h('div', { class: 'demo-controls' });
    const inputs = new Map<string, HTMLInputElement>();
    const title = h('h3', {}, id, ' ', state);
    const chart = h('div', { class: 'diagram small', 'data-testid': `breaker-diagram-${id}` });
    const lane = h('canvas', { class: 'lane', 'data-testid': `breaker-lane-${id}` });
    const root = h('section', { class: 'card', 'data-provider': id }, title, stats, chart, lane, ops, demo);
    const diagram = new StateDiagram(chart, 'RIGHT');
    const card: Card = { root, state, stats, demo, inputs, diagram, lane, shown: undefined };
    chart.addEventListener('drawn', () => {
      card.shown = undefined;
    });
    if (app.app.demo) this.buildDemoControls(card, id);
    return card;
  }

  private buildDemoControls(card: Card, id: string): void {
    const configure = (input: HTMLInputElement, patch: Partial<DemoProviderSettings>) => {
      this.edited.set(input, Date.now());
      this.send({ type: 'demo.configure', provider: id, ...patch } as InspectorCommand);
    };
    const outage = h('input', { type: 'checkbox', 'data-testid': `outage-${id}` });
    outage.addEventListener('change', () => configure(outage, { outage: outage.checked }));
    card.inputs.set('outage', outage);
    const number = (key: 'latencyMs' | 'retryAfterMs', label: string) => {
      const input = h('input', { type: 'number', min: '0', step: '50', 'data-testid': `${key}-${id}` });
      input.addEventListener('change', () =>
        configure(input, { [key]: Math.max(0, Math.round(Number(input.value))) }),
      );
      card.inputs.set(key, input);
      return h('label', {}, label, input);
    };
    const rates = h('details', {}, h('summary', {}, 'error rates %'));
    for (const type of FAULT_TYPES) {
      const input = h('input', {
        type: 'number',
        min: '0',
        max: '100',
        step: '5',
        'data-testid': `rate-${type}-${id}`,
      });
      input.addEventListener('change', () =>
        configure(input, { errorRates: { [type]: Math.min(1, Math.max(0, Number(input.value) / 100)) } }),
      );
      card.inputs.set(`rate.${type}`, input);
      rates.append(h('label', {}, type, input));
    }
    card.demo.append(
      h('label', {}, outage, 'outage'),
      number('latencyMs', 'latency ms'),
      number('retryAfterMs', 'Retry-After ms'),
      rates,
    );
  }

  private update(card: Card, p: WireProvider, app: AppView): void {
    const breaker: BreakerView | undefined = p.breakerActor
      ? this.store.breakers.get(`${app.appId}/${p.breakerActor}`)
      : undefined;
    const state = breaker?.state || p.breaker;
    card.state.textContent = state;
    card.state.dataset.state = state;
    card.root.dataset.state = state;
    card.root.classList.toggle('off', !p.enabled);
    const c = (breaker?.context ?? {}) as {
      consecutiveFailures?: number;
      window?: Array<{ calls: number; failures: number }>;
      openUntil?: number | null;
      trips?: number;
      halfOpenSuccesses?: number;
      config?: { failureThreshold?: number };
    };
    const calls = (c.window ?? []).reduce((s, b) => s + b.calls, 0);
    const failures = (c.window ?? []).reduce((s, b) => s + b.failures, 0);
    const now = Date.now() + app.offsetMs;
    const toHalfOpen = state === 'open' && c.openUntil ? Math.max(0, c.openUntil - now) : undefined;
    const threshold = c.config?.failureThreshold;
    const d = card.stats.dataset;
    d.failures = String(c.consecutiveFailures ?? 0);
    d.trips = String(c.trips ?? 0);
    d.calls = String(calls);
    d.windowFailures = String(failures);
    card.stats.textContent = [
      `rank ${p.priority}${p.enabled ? '' : ' (switched off)'}`,
      `${c.consecutiveFailures ?? 0}${threshold === undefined ? '' : ` of ${threshold}`} failures in a row`,
      calls ? `${Math.round((100 * failures) / calls)}% of ${calls} recent calls failed` : 'no recent calls',
      `tripped ${c.trips ?? 0}×`,
      toHalfOpen === undefined ? '' : `half-open in ${ms(toHalfOpen)}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const def = breaker?.def ? app.defs.get(breaker.def) : undefined;
    if (breaker?.def && def) void card.diagram.draw(breaker.def, def.json);
    const transitions = breaker?.lastTransitions ?? [];
    if (card.shown?.state !== state || card.shown.transitions !== transitions) {
      card.shown = { state, transitions };
      card.diagram.show(state, transitions);
    }
    card.root.dataset.history = String(breaker?.history.length ?? 0);
    drawLane(card.lane, breaker?.history ?? [], now);
    const settings = app.demo?.providers[p.id];
    if (!settings) return;
    const set = (key: string, value: string | boolean) => {
      const input = card.inputs.get(key);
      // Leave an input alone while it is being edited or its change is on the way to the app.
      if (!input || document.activeElement === input) return;
      if (Date.now() - (this.edited.get(input) ?? 0) < 2_000) return;
      if (typeof value === 'boolean') input.checked = value;
      else input.value = value;
    };
    set('outage', settings.outage);
    set('latencyMs', String(settings.latencyMs));
    set('retryAfterMs', String(settings.retryAfterMs));
    for (const type of FAULT_TYPES)
      set(`rate.${type}`, String(Math.round((settings.errorRates[type as 'timeout'] ?? 0) * 100)));
  }
}
