// Data a node lost, said plainly on the Nodes page and the Live card (issue 13, point 7, second
// bullet): the host process is stopped for 4 s (SIGSTOP: a computer too busy to schedule it), the
// demo node's send buffer fills and it drops windows; once the host runs again, both pages say how
// many windows, when and why, in words — not as a counter.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const SENTENCE = /^The node dropped [\d,]+ windows \([\d.]+ s of measurements\) at \d\d:\d\d:\d\d.* because the link could not keep up: its send buffer was full\. The recording has a gap there\./;

describe('A node that dropped data says so in words (Chromium, demo node, host stopped 4 s)', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const go = (route: string) => page.goto(host.url.replace(/\/\?token=.*$/, `/#/${route}`));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-loss-')), viewport: { width: 1280, height: 900 } }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGCONT');
    host?.child.kill('SIGTERM');
  });

  it('shows no loss while the host keeps up, then the loss with when and why after the host was stopped', async () => {
    await page.goto(host.url);
    await page.locator('nav.sidenav').waitFor({ timeout: 15_000 });
    await go('nodes');
    const card = page.locator('[data-testid="node-card"][data-status="online"]');
    await card.waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1500);
    expect(await card.getByTestId('data-loss').count()).toBe(0);
    expect(host.child.kill('SIGSTOP')).toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    expect(host.child.kill('SIGCONT')).toBe(true);
    const note = card.getByTestId('data-loss');
    await expect.poll(() => note.getAttribute('data-cause'), { timeout: 20_000 }).toBe('node-buffer');
    expect(Number(await note.getAttribute('data-windows'))).toBeGreaterThan(50);
    expect((await note.textContent())!).toMatch(SENTENCE);
    await note.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'data-loss-nodes.png'), fullPage: true });
    await go('live');
    const live = page.locator('[data-testid="live-card"]');
    await live.waitFor({ timeout: 15_000 });
    await expect.poll(() => live.getByTestId('data-loss').textContent(), { timeout: 10_000 }).toMatch(SENTENCE);
    await page.screenshot({ path: join(SHOTS, 'data-loss-live.png') });
    // The RMS chart breaks its line across the missing windows (as the analysis trends do): no
    // stroke of the first axis' colour in the middle of the gap, though there is on either side.
    const chart = live.getByTestId('rms-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-breaks')), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await chart.getAttribute('data-gap-px')) ?? '', { timeout: 10_000 }).toMatch(/^\d+-\d+/);
    const [a, b] = (await chart.getAttribute('data-gap-px'))!.split(' ')[0].split('-').map(Number);
    expect(b - a).toBeGreaterThan(6);
    const strokeAt = (x: number) =>
      chart.evaluate((el, px) => {
        const c = el.querySelector('canvas')!;
        const d = c.getContext('2d')!.getImageData(Math.round(px), 0, 1, c.height).data;
        let n = 0;
        // The first axis' colour, #0072B2, with some room for anti-aliasing.
        for (let k = 0; k < d.length; k += 4) if (Math.abs(d[k] - 0x00) < 40 && Math.abs(d[k + 1] - 0x72) < 40 && Math.abs(d[k + 2] - 0xb2) < 40 && d[k + 3] > 128) n++;
        return n;
      }, x);
    expect(await strokeAt((a + b) / 2)).toBe(0);
    expect((await strokeAt(a - 3)) + (await strokeAt(b + 3))).toBeGreaterThan(0);
    await live.first().screenshot({ path: join(SHOTS, 'live-card-gap.png') });
    expect(problems).toEqual([]);
  }, 90_000);
});
