// The technician's whole loop, end to end in Chromium (browser mode), on two virtual nodes (the
// firmware's host build on pseudo-terminals): one replays the healthy CWRU recording, the other
// the inner-race fault. Both are connected and paired on the Nodes page; a range of each is
// labelled by dragging on its Live chart; the Training page trains from those stored recordings
// and labels; its Deploy button hands the model to the Deploy page, which sends it with a canary
// step; the Live page then shows the version each node says it runs (HELLO INFO) and the fault
// node's alarms from the new model; finally one node is rolled back to the factory model.
// Screenshots of every step in test-output/e2e/loop-*.png.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { type BrowserHost, dragAcrossChart, openPage, startBrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const NAMES = ['Pump 1', 'Pump 2'];

describe("The technician's loop: label, train, deploy with a canary, watch, roll back", () => {
  let host: BrowserHost;
  let healthy: VirtualNode;
  let faulty: VirtualNode;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const go = (route: string) => page.goto(host.url.replace(/\/\?token=.*$/, `/#/${route}`));
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `loop-${name}.png`), fullPage: true });
  const card = (n: VirtualNode) => page.locator(`[data-testid="live-card"][data-path="${n.path}"]`);
  const row = (n: VirtualNode) => page.locator(`[data-testid="deploy-row"][data-path="${n.path}"]`);
  const running = (n: VirtualNode) => card(n).getByTestId('running-model').textContent();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-loop-'));
    process.env.VIGIL_DATA_DIR = join(dir, 'data');
    [host, healthy, faulty] = await Promise.all([
      startBrowserHost(),
      startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: NAMES[0], store: join(dir, 'store-0') }),
      startVirtualNode({ root: ROOT, recording: 'cwru-inner-race', name: NAMES[1], store: join(dir, 'store-1') }),
    ]);
    ({ context, page } = await openPage(problems, { profile: join(dir, 'chromium') }));
  }, 60_000);

  afterAll(async () => {
    if (host) writeFileSync(join(SHOTS, 'loop-host.log'), host.output());
    await context?.close();
    for (const n of [healthy, faulty]) await n?.stop();
    host?.child.kill('SIGTERM');
  });

  it('connects and pairs both nodes on the Nodes page', async () => {
    await page.goto(host.url);
    for (const [i, n] of [healthy, faulty].entries()) {
      const node = page.locator(`[data-testid="node-card"][data-path="${n.path}"]`);
      await page.getByTestId('connect-path').fill(n.path);
      await page.getByTestId('connect-path').press('Enter');
      await expect.poll(() => node.getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
      await node.getByTestId('pair-open').click();
      await node.getByTestId('pair-name').fill(NAMES[i]);
      await node.getByTestId('pair-confirm').click();
      await expect.poll(() => node.getByTestId('pair-state').textContent(), { timeout: 15_000 }).toMatch(/^Paired — key held/);
    }
    await shot('1-nodes');
  }, 60_000);

  it('labels a healthy range and a fault range by dragging on the Live charts', async () => {
    await go('live');
    // The factory model already alarms on the fault, since before the app connected: the node tells a
    // host that connects during an alarm.
    await expect.poll(() => card(faulty).locator('[data-testid="alarm-list"] li[data-model="1"][data-active="true"]').count(), { timeout: 15_000 }).toBe(1);
    for (const [n, label] of [
      [healthy, 'normal'],
      [faulty, 'inner-race'],
    ] as const) {
      const chart = card(n).getByTestId('rms-chart');
      await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(600);
      await chart.scrollIntoViewIfNeeded();
      await dragAcrossChart(page, chart, 0.05, 0.9);
      const form = card(n).getByTestId('label-form');
      await form.waitFor();
      await form.getByTestId('label-author').fill('Ben Okafor');
      await form.locator(`.label-choice[data-label="${label}"]`).click();
      if (label === 'inner-race') await shot('2-live-label');
      await form.getByTestId('label-save').click();
      await expect.poll(() => page.getByTestId('toast').textContent()).toContain('saved');
    }
    await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).click();
  }, 90_000);

  it('trains from the stored recordings and labels; the verdict leads', async () => {
    await go('training');
    await page.getByTestId('stored-picker').waitFor({ timeout: 15_000 });
    await page.getByTestId('target-node').selectOption({ label: NAMES[0] });
    await page.getByTestId(`use-node-${NAMES[1]}`).check();
    // The recorder writes every few seconds: check again until both labelled ranges are stored.
    const data = page.getByTestId('data-report');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Reload recordings' }).click();
          await page.getByTestId(`use-node-${NAMES[1]}`).check();
          await page.getByTestId('check-data').click();
          await data.waitFor({ timeout: 20_000 });
          return data.locator('tr[data-class="normal"], tr[data-class="inner-race"]').count();
        },
        { timeout: 40_000, interval: 2000 },
      )
      .toBe(2);
    expect(await page.getByTestId('data-refusal').count()).toBe(0);
    await page.getByTestId('train-settings').locator('summary').click();
    await page.getByTestId('hidden').fill('16,4,16');
    await page.getByTestId('epochs').fill('150');
    await page.getByTestId('train-button').click();
    await page.getByTestId('verdict').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('verdict').textContent()).toMatch(/Faults caught: \d of \d fault period/);
    await page.getByTestId('save-button').click();
    await page.getByTestId('saved-note').waitFor({ timeout: 10_000 });
    await shot('3-training');
  }, 150_000);

  it('hands the model to the Deploy page and sends it with a canary', async () => {
    await page.getByTestId('deploy-saved').click();
    await expect.poll(() => page.url()).toMatch(/#\/deploy\/2$/);
    await expect.poll(() => page.getByLabel('Model', { exact: true }).inputValue(), { timeout: 10_000 }).toBe('2');
    // The node the model was trained for is ticked; the technician adds the other one.
    const tick = (n: VirtualNode) => page.locator(`[data-testid="deploy-node"][data-path="${n.path}"]`);
    await expect.poll(() => tick(healthy).isChecked(), { timeout: 10_000 }).toBe(true);
    await tick(faulty).check();
    await page.getByTestId('deploy-canary').selectOption(healthy.path);
    await page.getByTestId('deploy-start').click();
    await expect.poll(() => page.getByTestId('deploy-note').textContent()).toMatch(/Canary first: Pump 1/);
    await expect.poll(() => row(faulty).locator('td').nth(2).textContent(), { timeout: 30_000 }).toMatch(/waiting for the canary|version 2/);
    for (const n of [healthy, faulty]) await expect.poll(() => row(n).getAttribute('data-state'), { timeout: 60_000 }).toBe('confirmed');
    await expect.poll(() => page.getByTestId('deploy-note').textContent()).toBe('The rollout has ended.');
    await shot('4-deploy');
  }, 120_000);

  it('the Live page shows what each node says it runs, and the new model alarms on the fault', async () => {
    await go('live');
    for (const n of [healthy, faulty]) await expect.poll(() => running(n), { timeout: 15_000 }).toMatch(/^Model 2 \(slot \d\)$/);
    await expect.poll(() => card(faulty).locator('[data-testid="alarm-list"] li[data-model="2"][data-active="true"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // The factory model's alarm was ended by the node when the model changed.
    expect(await card(faulty).locator('[data-testid="alarm-list"] li[data-model="1"][data-active="true"]').count()).toBe(0);
    // The healthy node replays the running the model was trained on: it stays quiet.
    expect(await card(healthy).locator('[data-testid="alarm-list"] li[data-model="2"]').count()).toBe(0);
    await shot('5-live-new-model');
  }, 60_000);

  it('rolls the fault node back to the factory model', async () => {
    await go('deploy');
    await page.locator(`[data-testid="deploy-node"][data-path="${faulty.path}"]`).check();
    const back = row(faulty).getByTestId('rollback');
    await expect.poll(() => back.textContent(), { timeout: 10_000 }).toBe('Roll back to the factory model (version 1)');
    await back.click();
    await expect.poll(() => row(faulty).getAttribute('data-state'), { timeout: 20_000 }).toBe('rolled-back');
    await expect.poll(() => row(faulty).locator('td').nth(3).textContent(), { timeout: 10_000 }).toBe('model 1');
    await shot('6-rollback');
    await go('live');
    await expect.poll(() => running(faulty), { timeout: 10_000 }).toBe('Model 1 (built-in)');
    await expect.poll(() => running(healthy)).toMatch(/^Model 2 \(slot \d\)$/);
    // The alarm raised by model 2 is shown ended: the node's detector restarted with the factory model.
    await expect.poll(() => card(faulty).locator('[data-testid="alarm-list"] li[data-model="2"][data-active="true"]').count()).toBe(0);
    await shot('7-live-after-rollback');
  }, 60_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
