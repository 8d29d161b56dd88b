/**
 * Headless Chromium for end-to-end tests: Debian's `chromium` driven by `playwright-core`. A missing browser
 * fails the test with the command that installs it (CI installs it; nothing is ever skipped).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Where the browser is looked for. @default $CHROMIUM_PATH, else /usr/bin/chromium */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless run in containers. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches headless Chromium, or throws a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}${process.env.CI === 'true' ? ' (CI must install it)' : ''}: ` +
        'run `apt-get install -y chromium` or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The folder for screenshots and other artifacts (`test-results/`, git-ignored), created if needed. */
export function artifactPath(name: string): string {
  const dir = join(process.cwd(), 'test-results');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
