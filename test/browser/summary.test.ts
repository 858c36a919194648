// summary.html of a bundle built from recorded objects, in Debian's chromium through playwright-core.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { bundleFiles } from '../../src/gather/bundle.js';
import { writeBundle } from '../../src/gather/gather.js';
import { artifactsDir, chromiumPath, launchChromium, visit } from '../support/browser.js';
import { checks, eastRecord, southRecord } from '../unit/gather/recorded.js';

const name = 'submariner-20250101120000';
let browser: BrowserContext;
let summary: string;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksub-browser-'));
  writeBundle(bundleFiles([eastRecord, southRecord], checks, { name, includeSensitiveData: false, generatedAt: '2025-01-01T12:00:00.000Z' }), dir, name, new Date());
  summary = join(dir, name, 'summary.html');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

void describe('summary.html in chromium', { skip: !existsSync(chromiumPath) && `${chromiumPath} is not installed` }, () => {
  void it('shows the clusters, their connections and the failing check', async () => {
    const { page } = await visit(browser, summary);
    const east = page.locator('section[data-cluster="east"]');
    assert.equal(await east.locator('h2').innerText(), 'east');
    const rows = await east.locator('h3:has-text("Connections") + table tbody tr').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split('\t').slice(1, 3).join(' ') + ' ' + r.split('\t')[5]), ['west 192.168.242.2 connected', 'north 10.250.3.2 connecting']);
    assert.match(await page.locator('section[data-cluster="south"]').innerText(), /unreachable[\s\S]*ECONNREFUSED/);
    const failing = await page.locator('#checks tbody tr').allInnerTexts();
    assert.equal(failing.length, 1);
    assert.match(failing[0] ?? '', /firewall\teast\t✗ UDP 4500 \(tunnel\) from west-gw to east-gw is blocked/);
    assert.ok(await page.locator('#checks td.bad').isVisible());
    await page.screenshot({ path: join(artifactsDir(), 'summary-recorded.png'), fullPage: true });
  });

  void it('makes no network request and logs no console error', async () => {
    const { requests, errors, page } = await visit(browser, summary);
    await page.waitForTimeout(300);
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
  });
});
