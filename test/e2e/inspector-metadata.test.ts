/**
 * End to end in headless Chromium: an app's calls with `metadata` reach the inspector page through a real
 * bridge and relay, and the request detail lists each entry as `key: value` — secrets redacted, markup shown
 * as text and never run.
 */
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectorPluginApi, InspectorUrls } from '../../inspector/vite-plugin.js';
import { createResilientLLM, type ResilientLLM } from '../../src/index.js';
import { createInspectBridge, type InspectBridge } from '../../src/inspect/index.js';
import { SECRET } from '../../src/inspect/redact.js';
import { faultyProvider } from '../../src/testing/faulty-provider.js';
import { inspectorConfig } from '../../vite.config.js';
import { launchChromium } from '../helpers/chromium.js';

const TOKEN = 'e2e-metadata-token';
let server: ViteDevServer;
let urls: InspectorUrls;
let browser: Browser;
let page: Page;
let bridge: InspectBridge;
let llm: ResilientLLM;

const metadata = {
  tenant: 'acme',
  apiKey: 'tenant-secret-42',
  label: '<img src=x onerror="window.__metadataXss = 1">',
};

beforeAll(async () => {
  const config = inspectorConfig({ token: TOKEN, demo: false }, 0);
  server = await createServer({ ...config, configFile: false, logLevel: 'warn' });
  const plugin = server.config.plugins.find((p) => p.name === 'resilient-llm-inspector') as unknown as {
    api: InspectorPluginApi;
  };
  await server.listen();
  urls = await plugin.api.ready;
  bridge = createInspectBridge({ url: urls.wsUrl, batchMs: 20, name: 'metadata-e2e' });
  llm = createResilientLLM({
    providers: [
      // The first call is answered on the fast path; the second fails over, so the statechart runs it.
      faultyProvider({ id: 'alpha', priority: 0, script: [{ text: 'ok' }, { error: 'provider_error' }] }),
      faultyProvider({ id: 'beta', priority: 1, script: [{ text: 'ok from beta' }] }),
    ],
    retry: { maxAttempts: 1 },
    inspect: bridge.observer,
  });
  bridge.attach(llm);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(urls.pageUrl);
  // The page knows the app once its breaker cards are drawn.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="breaker-state-alpha"]')?.textContent === 'closed',
    undefined,
    { timeout: 15_000 },
  );
}, 60_000);

afterAll(async () => {
  await llm?.stop();
  await bridge?.close();
  await browser?.close();
  await server?.close();
});

/** Selects the request's row once it is listed, and returns its metadata as the detail view shows it. */
async function shownMetadata(requestId: string): Promise<Array<[string, string]>> {
  const row = page.locator(`#requests-body tr[data-request-id="${requestId}"]`);
  await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
  await row.click();
  await page.waitForFunction(
    () => !(document.getElementById('request-metadata') as HTMLElement).hidden,
    undefined,
    { timeout: 15_000 },
  );
  return page.$$eval('#request-metadata dt', (terms) =>
    terms.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? ''] as [string, string]),
  );
}

describe('call metadata in the inspector page', () => {
  it.each([
    ['answered on the fast path', 'alpha', 'fast'],
    ['run by the statechart after a failover', 'beta', 'primary'],
  ])(
    'lists tenant: acme in the detail of a call %s, secrets redacted and markup as text',
    {
      timeout: 30_000,
    },
    async (_name, provider, answer) => {
      const result = await llm.call({ messages: [{ role: 'user', content: 'hello' }], metadata });
      expect(result.provider).toBe(provider);
      const row = page.locator(`#requests-body tr[data-request-id="${result.requestId}"]`);
      const shown = await shownMetadata(result.requestId);
      expect(await row.locator('td.answer').textContent()).toBe(answer);
      expect(shown).toEqual([
        ['tenant', 'acme'],
        ['apiKey', SECRET],
        ['label', metadata.label],
      ]);
      // Shown as text: no element was made from it, no handler ran, and the secret never reached the page.
      expect(await page.locator('#request-metadata img').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __metadataXss?: number }).__metadataXss)).toBeUndefined();
      expect(await page.content()).not.toContain('tenant-secret-42');
    },
  );

  it('hides the metadata of the previous request when one without metadata is selected', {
    timeout: 30_000,
  }, async () => {
    const result = await llm.call({ messages: [{ role: 'user', content: 'no metadata' }] });
    const row = page.locator(`#requests-body tr[data-request-id="${result.requestId}"]`);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await row.click();
    await page.waitForFunction(
      (id) => document.getElementById('replay-title')?.textContent?.startsWith(id),
      result.requestId,
      { timeout: 15_000 },
    );
    expect(await page.locator('#request-metadata').isHidden()).toBe(true);
    expect(await page.locator('#request-metadata dt').count()).toBe(0);
  });
});
