import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildLayoutInput, type StateJson } from '../../inspector/src/layout-input.js';
import { buildDomainSteps } from '../../inspector/src/path-steps.js';
import { InspectorStore } from '../../inspector/src/store.js';
import type { InspectorPluginApi, InspectorUrls } from '../../inspector/vite-plugin.js';
import type { PageMessage } from '../../src/inspect/protocol.js';
import { inspectorConfig } from '../../vite.config.js';
import { artifactPath, launchChromium } from '../helpers/chromium.js';

const TOKEN = 'e2e-inspector-token';
let server: ViteDevServer;
let urls: InspectorUrls;
let browser: Browser;
let page: Page;
let recorder: WebSocket;
/** Every message the relay sent, folded into a store of its own, independently of the page. */
const recorded = new InspectorStore();
const requestDefs = new Map<string, unknown>();

beforeAll(async () => {
  // A short relay history, so a page that joins late cannot rebuild breakers from past events alone.
  const config = inspectorConfig({ token: TOKEN, demo: true, rps: 12, recent: 150 }, 0);
  server = await createServer({ ...config, configFile: false, logLevel: 'warn' });
  const plugin = server.config.plugins.find((p) => p.name === 'resilient-llm-inspector') as unknown as {
    api: InspectorPluginApi;
  };
  await server.listen();
  urls = await plugin.api.ready;
  recorder = new WebSocket(urls.wsUrl.replace('?', '?role=page&'));
  recorder.on('message', (data) => {
    const m = JSON.parse(String(data)) as PageMessage;
    if (m.t === 'def' && m.machineId === 'request') requestDefs.set(m.key, m.json);
    recorded.apply(m);
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(urls.pageUrl);
}, 60_000);

afterAll(async () => {
  recorder?.close();
  await browser?.close();
  await server?.close();
});

const cardState = (p: Page, provider: string) => p.locator(`[data-testid="breaker-state-${provider}"]`);
/** Sets the demo's traffic from the page and waits until the app reports it. */
async function setTraffic(rps: number): Promise<void> {
  await page.locator('[data-testid="demo-rps"]').fill(String(rps));
  await page.locator('[data-testid="demo-rps"]').dispatchEvent('change');
  await expect
    .poll(() => page.locator('#status').textContent())
    .toBe(`Set demo traffic to ${rps} requests/s: done.`);
}

/** Switches a demo provider's outage from its card and waits until the demo app reports it. */
async function setOutage(provider: string, on: boolean): Promise<void> {
  const box = page.locator(`[data-testid="outage-${provider}"]`);
  const demoApp = () => [...recorded.apps.values()].find((a) => a.app.name === 'demo' && a.connected);
  await expect
    .poll(
      async () => {
        const reported = demoApp()?.demo?.providers[provider]?.outage;
        if (reported !== on && (await box.isChecked()) !== on) await box.click();
        return reported;
      },
      { timeout: 15_000, interval: 500 },
    )
    .toBe(on);
}

const counters = (p: Page) =>
  p.$$eval('#breakers .card', (cards) =>
    cards.map((card) => {
      const stats = card.querySelector('.stats') as HTMLElement;
      return {
        provider: card.getAttribute('data-provider'),
        state: card.getAttribute('data-state'),
        failures: stats.dataset.failures,
        trips: stats.dataset.trips,
        calls: stats.dataset.calls,
        windowFailures: stats.dataset.windowFailures,
        history: card.getAttribute('data-history'),
      };
    }),
  );

describe('inspector page in Chromium', () => {
  it('shows the demo breaker open and requests failing over when a provider goes down', {
    timeout: 60_000,
  }, async () => {
    await expect.poll(() => cardState(page, 'alpha').textContent(), { timeout: 15_000 }).toBe('closed');
    await setOutage('alpha', true);
    await expect.poll(() => cardState(page, 'alpha').textContent(), { timeout: 15_000 }).toBe('open');
    await expect.poll(() => page.locator('#status').textContent()).toBe("Change alpha's demo faults: done.");
    const failedOver = page.locator('#requests-body tr[data-status="succeeded"][data-path^="alpha>beta"]');
    await expect.poll(() => failedOver.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Every breaker is drawn at once, each with its state highlighted.
    for (const id of ['alpha', 'beta', 'gamma'])
      await page.waitForFunction(
        (p) => document.querySelector(`[data-testid="breaker-diagram-${p}"]`)?.getAttribute('data-active'),
        id,
      );
    // The small chart shows the state the card shows (read together: the breaker moves on by itself).
    const [chart, badge] = await page.evaluate(() => [
      document.querySelector('[data-testid="breaker-diagram-alpha"]')?.getAttribute('data-active'),
      document.querySelector('[data-testid="breaker-state-alpha"]')?.textContent,
    ]);
    expect(chart).toBe(`circuitBreaker.${badge}`);
  });

  it('says which mode the client is in and lists fast-path calls as compact records', async () => {
    await expect.poll(() => page.locator('#mode').getAttribute('data-mode')).toBe('fast');
    expect(await page.locator('#mode').textContent()).toContain('fast path on');
    const fast = page.locator('#requests-body tr[data-fast="true"]');
    await expect.poll(() => fast.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await fast.first().locator('td.answer').textContent()).toBe('fast');
  });

  it('lists the provider, error type and decision of each step of a failover request, in order', async () => {
    await setTraffic(0);
    const row = page.locator('#requests-body tr[data-status="succeeded"][data-path^="alpha>beta"]').first();
    const requestId = await row.getAttribute('data-request-id');
    if (!requestId) throw new Error('no failed-over request');
    const byId = page.locator(`#requests-body tr[data-request-id="${requestId}"]`);
    await byId.click();
    await page.waitForFunction(() => document.querySelectorAll('#path-steps li.step').length > 0);
    const shown = await page.$$eval('#path-steps li.step', (items) =>
      items.map((li) => ({
        label: li.querySelector('.label')?.textContent ?? '',
        provider: li.getAttribute('data-provider'),
        errorType: li.getAttribute('data-error-type'),
        decision: li.getAttribute('data-decision'),
      })),
    );
    // The same words, computed in Node from the events the relay sent.
    const request = [...recorded.requests.values()].find((r) => r.id === requestId);
    const def = request?.def ? requestDefs.get(request.def) : undefined;
    if (!request || !def) throw new Error('request not recorded');
    const expected = buildDomainSteps(request.path, buildLayoutInput(def as StateJson).idByPath);
    expect(shown.map((s) => s.label)).toEqual(expected.map((s) => s.label));
    const failover = shown.findIndex((s) => s.decision === 'fail over');
    expect(shown[failover]).toMatchObject({ provider: 'alpha', errorType: 'provider_error' });
    expect(shown[failover]?.label).toBe('alpha: provider_error → fail over to beta');
    const later = shown.slice(failover + 1);
    expect(later.map((s) => s.label)).toContain('select beta');
    expect(shown.at(-1)?.decision).toBe('succeeded');

    // Replay, step by step: the chart highlights each step's state, and the list marks the step.
    const steps = Number(await page.locator('#replay').getAttribute('data-steps'));
    expect(steps).toBe(expected.length);
    for (let i = 0; i < steps; i++) {
      if (i > 0) await page.click('#replay-next');
      await expect.poll(() => page.locator('#replay-info').getAttribute('data-step-index')).toBe(String(i));
      expect(await page.locator('#request-diagram').getAttribute('data-active')).toBe(expected[i]?.leaf);
      expect(await page.locator('#path-steps li.current').getAttribute('data-index')).toBe(String(i));
      expect(await page.locator('#replay-info').textContent()).toContain(expected[i]?.label ?? '?');
    }
    await page.click('#replay-left');
    await expect
      .poll(() => page.locator('#replay-info').getAttribute('data-step-index'))
      .toBe(String(failover));
    // Visited states stay bright; the rest of the full chart is dimmed.
    expect(Number(await page.locator('#request-diagram').getAttribute('data-visited'))).toBeGreaterThan(3);
    expect(await page.locator('#request-diagram svg.path-mode .node.visited').count()).toBeGreaterThan(3);
    await page.screenshot({ path: artifactPath('inspector-path.png') });
  }, 60_000);

  it('draws path view labels at 11 px or more at 1600×1000', async () => {
    const sizes = await page.evaluate(() => {
      const out: Array<{ text: string; font: number; height: number }> = [];
      for (const el of document.querySelectorAll('#path-steps li.step span')) {
        const font = Number.parseFloat(getComputedStyle(el).fontSize);
        out.push({ text: el.textContent ?? '', font, height: el.getBoundingClientRect().height });
      }
      const chart = document.querySelector('#request-diagram') as HTMLElement;
      const box = chart.getBoundingClientRect();
      const scale = Number(chart.dataset.scale);
      for (const el of chart.querySelectorAll('text')) {
        const r = el.getBoundingClientRect();
        if (r.bottom < box.top || r.top > box.bottom || r.right < box.left || r.left > box.right) continue;
        if (!el.textContent) continue;
        const font = Number.parseFloat(getComputedStyle(el).fontSize) * scale;
        out.push({ text: el.textContent, font, height: r.height });
      }
      return out;
    });
    expect(sizes.length).toBeGreaterThan(10);
    const small = sizes.filter((s) => s.font < 11 || s.height < 11);
    expect(small).toEqual([]);
  });

  it('shows the same breaker counters on a page that joins late as on one open from the start', async () => {
    await expect
      .poll(async () => (await counters(page)).find((c) => c.provider === 'alpha')?.trips, {
        timeout: 15_000,
      })
      .not.toBe('0');
    const late = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await late.goto(urls.pageUrl);
      await expect.poll(async () => (await counters(late)).length, { timeout: 15_000 }).toBe(3);
      // Both pages redraw every 400 ms from the same data; poll until a redraw of both lines up.
      await expect
        .poll(async () => JSON.stringify([await counters(page), await counters(late)].map((c) => c)), {
          timeout: 15_000,
        })
        .toSatisfy((text: string) => {
          const [early, joined] = JSON.parse(text);
          return JSON.stringify(early) === JSON.stringify(joined);
        });
      const joined = await counters(late);
      const alpha = joined.find((c) => c.provider === 'alpha');
      expect(Number(alpha?.trips)).toBeGreaterThan(0);
      expect(Number(alpha?.history)).toBeGreaterThan(1);
      expect(await late.locator('#mode').getAttribute('data-mode')).toBe('fast');
    } finally {
      await late.close();
    }
  }, 60_000);

  it('renders a degraded answer distinct from a primary one', async () => {
    await setTraffic(12);
    for (const id of ['beta', 'gamma']) await setOutage(id, true);
    const degraded = page.locator(
      '#requests-body tr[data-answer="cache"], #requests-body tr[data-answer="fallback"], #requests-body tr[data-answer="simplified"]',
    );
    await expect.poll(() => degraded.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const primary = page.locator('#requests-body tr[data-answer="primary"]').first();
    const look = (row: typeof primary) =>
      row.evaluate((tr) => {
        const cell = tr.querySelector('td.answer') as HTMLElement;
        const pill = cell.querySelector('.pill') as HTMLElement;
        return {
          text: cell.textContent,
          color: getComputedStyle(cell).color,
          border: getComputedStyle(pill).borderStyle,
          background: getComputedStyle(tr).backgroundColor,
        };
      });
    const a = await look(degraded.first());
    const b = await look(primary);
    expect(a.text).not.toBe(b.text);
    expect(a.color).not.toBe(b.color);
    expect(a.border).not.toBe(b.border);
    expect(a.background).not.toBe(b.background);
    await page.screenshot({ path: artifactPath('inspector-degraded.png') });
    for (const id of ['alpha', 'beta', 'gamma']) await setOutage(id, false);
  }, 60_000);

  it('shows list cells uncut at 1600×1000, and a cut cell carries its whole text as a tooltip', {
    timeout: 60_000,
  }, async () => {
    await setTraffic(12);
    await page.locator('#timeline-filter').fill('');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#requests-body tr').length > 10 &&
        document.querySelectorAll('#timeline-body tr:not([hidden]):not(.spacer)').length > 10,
    );
    const cells = await page.evaluate(() => {
      const out: Array<{ table: string; column: number; text: string; cut: boolean; title: string }> = [];
      for (const table of ['requests-body', 'timeline-body'])
        for (const tr of document.querySelectorAll(`#${table} tr:not([hidden]):not(.spacer)`))
          for (const [column, td] of [...tr.children].entries())
            out.push({
              table,
              column,
              text: td.textContent ?? '',
              cut: td.scrollWidth > td.clientWidth,
              title: td.getAttribute('title') ?? '',
            });
      return out;
    });
    expect(cells.length).toBeGreaterThan(100);
    // Request id, answer, attempts, time; timeline time, actor, provider and event: always whole.
    const whole = (c: (typeof cells)[number]) =>
      c.table === 'requests-body' ? [0, 1, 3, 4].includes(c.column) : c.column <= 3;
    expect(cells.filter((c) => whole(c) && c.cut)).toEqual([]);
    // A path or state too long for its column shows in full on hover.
    expect(cells.filter((c) => c.cut && c.title !== c.text)).toEqual([]);
    await page.screenshot({ path: artifactPath('inspector-lists.png') });
  });

  it('fills the timeline box with rows wherever it is scrolled (only the rows in view exist)', async () => {
    const box = page.locator('#timeline-body').locator('xpath=ancestor::div[contains(@class,"scroll")]');
    await box.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    // After the scroll the page renders the rows now in view; the spacer above stands for the newer ones.
    await page.waitForFunction(() => {
      const body = document.querySelector('#timeline-body') as HTMLElement;
      const scroll = body.closest('.scroll') as HTMLElement;
      const view = scroll.getBoundingClientRect();
      const rows = [...body.querySelectorAll('tr:not([hidden]):not(.spacer)')];
      const inView = rows.filter((tr) => {
        const r = tr.getBoundingClientRect();
        return r.bottom > view.top + 20 && r.top < view.bottom;
      });
      const above = Number.parseFloat((body.firstElementChild as HTMLElement).style.height);
      return scroll.scrollTop > 0 && above > 0 && inView.length >= Math.floor(view.height / 20) - 2;
    });
    const counts = await page.evaluate(() => {
      const body = document.querySelector('#timeline-body') as HTMLElement;
      return {
        rendered: body.querySelectorAll('tr:not([hidden]):not(.spacer)').length,
        text: [...body.querySelectorAll('tr:not([hidden]):not(.spacer) td:first-child')].map(
          (td) => td.textContent,
        ),
      };
    });
    // Fewer rows exist than the 60 the timeline holds, and each shows an event time.
    expect(counts.rendered).toBeLessThan(60);
    expect(counts.text.every((t) => /^\d\d:\d\d\.\d{3}$/.test(t ?? ''))).toBe(true);
    await box.evaluate((el) => {
      el.scrollTop = 0;
    });
  });

  it('tells a page without a valid token which URL to open', { timeout: 60_000 }, async () => {
    const lost = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await lost.goto(urls.pageUrl.replace(/\?.*$/, ''));
      await lost.evaluate(() => sessionStorage.clear());
      await lost.goto(urls.pageUrl.replace(/\?.*$/, ''));
      await expect.poll(() => lost.locator('#token-screen').isVisible()).toBe(true);
      expect(await lost.locator('#token-screen').textContent()).toContain('with the token');
      await lost.goto(urls.pageUrl.replace(TOKEN, 'wrong-token'));
      await expect.poll(() => lost.locator('#token-reason').textContent()).toContain('refused this token');
      expect(await lost.locator('main').isVisible()).toBe(false);
    } finally {
      await lost.close();
    }
  });

  it('shows a separate Node app connected with inspect, and force open acts on that app', {
    timeout: 60_000,
  }, async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', 'inspector/examples/connected-app.ts'],
      {
        env: { ...process.env, RESILIENT_LLM_INSPECT: urls.wsUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    try {
      const option = page.locator('#app-select option', { hasText: 'connected-app' });
      await expect.poll(() => option.count(), { timeout: 20_000 }).toBe(1);
      await page.selectOption('#app-select', (await option.getAttribute('value')) ?? '');
      await expect
        .poll(() => cardState(page, 'openai-sim').textContent(), { timeout: 10_000 })
        .toBe('closed');
      await expect
        .poll(() => page.locator('#requests-body tr[data-request-id^="req_"]').count())
        .toBeGreaterThan(0);
      await page.click('[data-testid="force-open-openai-sim"]');
      await expect
        .poll(() => output, { timeout: 10_000 })
        .toContain('breaker openai-sim closed -> forcedOpen');
      await expect.poll(() => cardState(page, 'openai-sim').textContent()).toBe('forcedOpen');
      await expect
        .poll(() => page.locator('#status').textContent())
        .toBe("Force openai-sim's breaker open: done.");
      await expect
        .poll(() => page.locator('#requests-body tr[data-path="anthropic-sim"]').count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      await page.screenshot({ path: artifactPath('inspector-connected-app.png') });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
