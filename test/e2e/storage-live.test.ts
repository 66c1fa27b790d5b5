// Live recording end to end: the demo node streams, the page stores its features continuously in
// IndexedDB (minute chunks, written every few seconds), a range dragged on the Live chart becomes a
// label, and after a reload the recording and its label are there.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, dragAcrossChart, openPage, startBrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Live recording and labelling in Chromium', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-inner-race');
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-live-')) }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('labels a range dragged on the Live chart', async () => {
    await page.goto(host.url + '#/live');
    const chart = page.locator('[data-testid="rms-chart"]').first();
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(150);
    await dragAcrossChart(page, chart, 0.4, 0.7);
    await page.getByTestId('label-form').waitFor();
    await page.getByTestId('label-author').fill('Ben Okafor');
    await page.getByTestId('label-notes').fill('knocking, left side');
    await page.locator('.label-choice[data-label="inner-race"]').click();
    await page.screenshot({ path: join(SHOTS, 'live-label.png'), fullPage: true });
    await page.getByTestId('label-save').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Label "Bearing inner race" saved.');
  });

  it('stores the stream as a recording with the label, found again after a reload', async () => {
    await page.reload();
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    const row = page.getByTestId('recording-row').first();
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toMatch(/demo-cwru-inner-race/);
    await row.locator('a').first().click();
    await expect.poll(async () => Number(await page.getByTestId('history-chart').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(100);
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(1);
    expect(await page.getByTestId('label-row').getAttribute('data-label')).toBe('inner-race');
    expect(await page.getByTestId('label-row').textContent()).toContain('knocking, left side');
    await page.screenshot({ path: join(SHOTS, 'live-recording.png'), fullPage: true });
  });

  it('keeps recording in the background: the stored window count grows', async () => {
    await page.goto(page.url().replace(/#.*$/, '#/storage'));
    const first = await page.getByTestId('count-featureSummaries').textContent();
    expect(Number(first)).toBeGreaterThanOrEqual(1);
    const windows = async () => {
      await page.goto(page.url().replace(/#.*$/, '#/recordings'));
      return Number((await page.getByTestId('recording-row').first().locator('td').nth(5).textContent())!.replace(/,/g, ''));
    };
    const w1 = await windows();
    await expect.poll(windows, { timeout: 20_000, interval: 1000 }).toBeGreaterThan(w1);
  });

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
