// End to end, as a technician would use it: `npm start -- --demo` in browser mode (the host with a
// demo node replaying a real CWRU recording), opened in Debian's Chromium through playwright-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Live page in Chromium with a demo node', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { viewport: { width: 1280, height: 800 } }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('shows the demo node on the Nodes page', async () => {
    await page.goto(host.url);
    await page.waitForSelector('[data-testid="nodes-page"]', { timeout: 15_000 });
    await page.getByText('demo-cwru-normal').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByText(/online/i).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    // The token left the address bar once the page had it.
    expect(page.url()).not.toContain('token=');
    await page.screenshot({ path: join(SHOTS, 'nodes.png'), fullPage: true });
  });

  it('refuses a path that is not a serial port, in plain words', async () => {
    await page.getByTestId('connect-path').fill('/etc/passwd');
    await page.getByTestId('connect-path').press('Enter');
    await expect.poll(() => page.getByRole('alert').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringContaining('"/etc/passwd" is not a serial port path'));
  });

  it('draws the RMS trend as frames arrive (at least 20 points)', async () => {
    await page.goto(host.url.replace(/\/\?token=.*$/, '/#/live'));
    await page.waitForSelector('[data-testid="live-page"]', { timeout: 15_000 });
    const chart = page.locator('[data-testid="rms-chart"]').first();
    await chart.waitFor({ timeout: 15_000 });
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(20);
    // uPlot draws into a canvas; it must hold pixels, not just exist.
    const inked = await chart.locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(SHOTS, 'live.png'), fullPage: true });
  });

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
