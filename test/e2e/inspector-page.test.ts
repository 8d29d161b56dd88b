import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { valueText } from '../../inspector/src/store.js';
import type { InspectorPluginApi, InspectorUrls } from '../../inspector/vite-plugin.js';
import type { WireEvent } from '../../src/inspect/protocol.js';
import { inspectorConfig } from '../../vite.config.js';
import { artifactPath, launchChromium } from '../helpers/chromium.js';

const TOKEN = 'e2e-inspector-token';
let server: ViteDevServer;
let urls: InspectorUrls;
let browser: Browser;
let page: Page;
let recorder: WebSocket;
/** Every event the relay forwarded, per app, recorded independently of the page. */
const recorded = new Map<string, WireEvent[]>();
const appNames = new Map<string, string>();

beforeAll(async () => {
  const config = inspectorConfig({ token: TOKEN, demo: true, rps: 12 }, 0);
  server = await createServer({ ...config, configFile: false, logLevel: 'warn' });
  const plugin = server.config.plugins.find((p) => p.name === 'resilient-llm-inspector') as unknown as {
    api: InspectorPluginApi;
  };
  await server.listen();
  urls = await plugin.api.ready;
  recorder = new WebSocket(urls.wsUrl.replace('?', '?role=page&'));
  recorder.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.t === 'app') appNames.set(m.appId, m.app.name);
    if (m.t === 'batch') recorded.set(m.appId, [...(recorded.get(m.appId) ?? []), ...m.events]);
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

const cardState = (provider: string) => page.locator(`[data-testid="breaker-state-${provider}"]`);

describe('inspector page in Chromium', () => {
  it('shows the demo breaker open and requests failing over when a provider goes down', async () => {
    await expect.poll(() => cardState('alpha').textContent(), { timeout: 15_000 }).toBe('closed');
    await page.locator('[data-testid="outage-alpha"]').check();
    await expect.poll(() => cardState('alpha').textContent(), { timeout: 15_000 }).toBe('open');
    const failedOver = page.locator('#requests-body tr[data-status="succeeded"][data-path^="alpha>beta"]');
    await expect.poll(() => failedOver.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelector('#breaker-diagram')?.getAttribute('data-active'));
    await page.waitForFunction(() => document.querySelector('#request-diagram svg .node.active'));
    // The README's docs/inspector.png is refreshed from this artifact by hand; tests never write tracked files.
    await page.screenshot({ path: artifactPath('inspector-outage.png') });
  });

  it('replays a request: the highlighted states are the path it recorded', async () => {
    const row = page.locator('#requests-body tr[data-status="succeeded"][data-path^="alpha>beta"]').first();
    const requestId = await row.getAttribute('data-request-id');
    if (!requestId) throw new Error('no failed-over request to replay');
    const demoApp = [...appNames].find(([, name]) => name === 'demo')?.[0] ?? '';
    const forRequest = () => (recorded.get(demoApp) ?? []).filter((e) => e.id === requestId);
    await expect
      .poll(() => forRequest().some((e) => e.kind === 'snapshot' && e.status === 'done'))
      .toBe(true);
    const events = forRequest();
    const first = events.find((e) => e.kind === 'snapshot');
    const expected = [first, ...events.filter((e) => e.kind === 'microstep')].map(
      (e) => `request.${valueText(e?.value)}`,
    );

    await row.click();
    const steps = Number(await page.locator('#replay').getAttribute('data-steps'));
    expect(steps).toBe(expected.length);
    const highlighted: string[] = [];
    for (let i = 0; i < steps; i++) {
      if (i > 0) await page.click('#replay-next');
      await expect.poll(() => page.locator('#replay-info').getAttribute('data-step-index')).toBe(String(i));
      highlighted.push((await page.locator('#request-diagram').getAttribute('data-active')) ?? '');
    }
    expect(highlighted).toEqual(expected);
    expect(highlighted).toContain('request.active.failingOver');
    await page.locator('#replay-slider').fill('2');
    expect(await page.locator('#request-diagram').getAttribute('data-active')).toBe(expected[2]);
    await page.screenshot({ path: artifactPath('inspector-replay.png') });
    await page.click('#replay-exit');
  });

  it('shows a separate Node app connected with inspect, and force open acts on that app', async () => {
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
      await expect.poll(() => cardState('openai-sim').textContent(), { timeout: 10_000 }).toBe('closed');
      await expect
        .poll(() => page.locator('#requests-body tr[data-request-id^="req_"]').count())
        .toBeGreaterThan(0);
      await page.click('[data-testid="force-open-openai-sim"]');
      await expect
        .poll(() => output, { timeout: 10_000 })
        .toContain('breaker openai-sim closed -> forcedOpen');
      await expect.poll(() => cardState('openai-sim').textContent()).toBe('forcedOpen');
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
