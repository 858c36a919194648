import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';

/** A headless chromium with a new, empty profile (its --user-data-dir). */
export async function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ksub-chromium-')), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where tests leave screenshots: $KSUB_TEST_ARTIFACTS or test-artifacts/ in the repository. */
export function artifactsDir(): string {
  const dir = process.env.KSUB_TEST_ARTIFACTS ?? join(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** What loading a page did: every request after the page itself, and the console errors and page errors. */
export interface PageVisit {
  page: Page;
  requests: string[];
  errors: string[];
}

export async function visit(browser: BrowserContext, file: string): Promise<PageVisit> {
  const page = await browser.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, errors };
}
