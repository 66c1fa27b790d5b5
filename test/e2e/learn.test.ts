// The technician's reset, end to end over the cable: on the Nodes page a virtual node (the firmware's
// host build) is told to learn its machine for 2 minutes (CONFIG key 10); a period too short for the
// node is refused before anything is sent; after the confirmation the Live page shows the node
// learning, from the node's own FEATURES state. Headless Chromium through playwright-core.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe('Learn this machine: the node learns its own baseline when the technician says so', () => {
  let host: BrowserHost;
  let node: VirtualNode;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const card = () => page.locator(`[data-testid="node-card"][data-path="${node.path}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-learn-'));
    process.env.VIGIL_DATA_DIR = join(dir, 'data');
    [host, node] = await Promise.all([startBrowserHost(), startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'learn-vnode', store: join(dir, 'store') })]);
    ({ context, page } = await openPage(problems));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await node?.stop();
    host?.child.kill('SIGTERM');
  });

  it('starts learning for the period set, after a confirmation; the Live page shows it learning', async () => {
    await page.goto(host.url);
    await page.getByTestId('connect-path').fill(node.path);
    await page.getByTestId('connect-path').press('Enter');
    await expect.poll(() => card().getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
    const learn = card().getByTestId('learn-section');
    await expect.poll(() => learn.count(), { timeout: 10_000 }).toBe(1);
    // 0.5 s at 48 kHz, hop 512 is 47 windows: under the node's 64, refused here with the reason.
    await learn.getByTestId('learn-unit').selectOption('minutes');
    await learn.getByTestId('learn-amount').fill('0.008');
    await expect.poll(() => learn.locator('.error').textContent()).toMatch(/Too short: the node needs at least 1 s/);
    expect(await learn.getByTestId('learn-start').isDisabled()).toBe(true);
    await learn.getByTestId('learn-amount').fill('2');
    await learn.getByTestId('learn-start').click();
    await expect.poll(() => learn.getByTestId('learn-confirm').textContent()).toMatch(/stops its current detector and learns its machine for 2 min 0 s/);
    await page.screenshot({ path: join(SHOTS, 'learn-1-confirm.png'), fullPage: true });
    await learn.getByTestId('learn-confirm-yes').click();
    await expect.poll(() => learn.getByTestId('learn-started').textContent(), { timeout: 10_000 }).toMatch(/Learning started: 2 min 0 s/);

    await page.goto(`${host.url.split('#')[0]}#/live`);
    const running = page.locator(`[data-testid="live-card"][data-path="${node.path}"] [data-testid="running-model"]`);
    await expect.poll(() => running.textContent(), { timeout: 20_000 }).toMatch(/^learning \d+ %$/);
    await page.screenshot({ path: join(SHOTS, 'learn-2-live.png'), fullPage: true });
  }, 90_000);

  it("the analysis shows the threshold the node learned, in the node's words, before any alarm", async () => {
    // Learn again, for about 5 s (450 windows): a fifth learns, a fifth sets the threshold.
    await page.goto(host.url);
    const learn = card().getByTestId('learn-section');
    await learn.getByTestId('learn-unit').selectOption('minutes');
    await learn.getByTestId('learn-amount').fill('0.08');
    await learn.getByTestId('learn-start').click();
    await learn.getByTestId('learn-confirm-yes').click();
    await expect.poll(() => learn.getByTestId('learn-started').textContent(), { timeout: 10_000 }).toMatch(/^Learning started: /);
    await page.goto(`${host.url.split('#')[0]}#/live`);
    await page.locator(`[data-testid="live-card"][data-path="${node.path}"]`).getByTestId('open-node-analysis').click({ timeout: 20_000 });
    const src = page.getByTestId('an-threshold-source');
    // While it learns: no threshold yet, and why.
    await expect.poll(() => src.textContent(), { timeout: 10_000 }).toMatch(/^No alarm threshold yet: the node is learning its machine's normal \(\d+ %\)/);
    // Learned: the threshold it states (protocol 1.4), before any alarm.
    await expect.poll(() => src.getAttribute('data-source'), { timeout: 30_000 }).toBe('node-baseline');
    expect(await src.textContent()).toMatch(/^Alarm threshold [\d.]+ \(dashed line\): from the baseline this node learned, as the node states it\.$/);
    expect(await page.locator('[data-testid="alarm-state"]').count()).toBe(0);
    const score = page.getByTestId('an-score');
    await expect.poll(async () => Number(await score.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(20);
    await page.screenshot({ path: join(SHOTS, 'learn-3-threshold.png'), fullPage: true });
  }, 90_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
