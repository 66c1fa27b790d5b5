// End to end, as a technician would train a model: browser mode in Debian's Chromium, the Training
// page, the shipped demo recordings picked through the file input, training in the Web Worker
// (TensorFlow.js wasm under the page's CSP), the evaluation beside the node's current model and
// the baselines, int8 quantization, the registry, and a deployment that needs a confirmation.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const DEMO = join(ROOT, 'data', 'demo');

describe('Training page in Chromium', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost();
    ({ context, page } = await openPage(problems));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('trains on the demo recordings in a worker, with progress, a loss curve and a responsive page', async () => {
    await page.goto(host.url);
    await page.getByRole('link', { name: 'Training' }).click();
    await page.waitForSelector('[data-testid="training-page"]', { timeout: 15_000 });
    await page.getByTestId('training-files').setInputFiles([join(DEMO, 'cwru_normal_0hp_1797rpm_48k_1s.csv'), join(DEMO, 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')]);
    await page.getByTestId('role-0').waitFor();
    await expect.poll(() => page.getByTestId('role-0').inputValue()).toBe('normal');
    await page.getByTestId('role-1').selectOption('anomaly');
    await page.getByTestId('label-1').fill('inner_race');
    await page.getByTestId('hidden').fill('16,4,16');
    await page.getByTestId('epochs').fill('150');
    await page.getByTestId('train-button').click();
    const chart = page.getByTestId('loss-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 100 }).toBeGreaterThan(5);
    // The page answers while the worker trains: a round trip to the page's event loop stays short.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(Date.now() - t0).toBeLessThan(1000);
    await page.getByTestId('eval-table').waitFor({ timeout: 45_000 });
    await expect.poll(() => page.getByTestId('train-status').textContent()).toMatch(/Trained in .* on wasm/);
  }, 90_000);

  it('shows the evaluation beside the node\'s current model and the two baselines', async () => {
    const table = page.getByTestId('eval-table');
    for (const id of ['float', 'current', 'rms', 'mahalanobis']) expect(await table.locator(`tr[data-detector="${id}"]`).count()).toBe(1);
    expect(await table.locator('tr[data-detector="current"]').textContent()).toContain("node's current model (v1)");
    const auc = Number(await page.getByTestId('auc-min-float').textContent());
    expect(auc).toBeGreaterThan(0.9);
    expect(await page.getByText(/held out the last 40%/).count()).toBeGreaterThan(0);
    expect(await page.getByTestId('score-plot').isVisible()).toBe(true);
  });

  it('quantizes to int8, saves to the registry, and deploys only after a confirmation', async () => {
    await page.getByTestId('quantize-button').click();
    await page.getByTestId('quantized').waitFor({ timeout: 20_000 });
    expect(Number(await page.getByTestId('auc-int8').textContent())).toBeGreaterThan(0.9);
    expect(await page.getByTestId('eval-table').locator('tr[data-detector="int8"]').count()).toBe(1);
    await page.getByTestId('save-button').click();
    const row = page.getByTestId('registry-v2');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('candidate');
    expect(await row.textContent()).toContain('cwru_normal_0hp_1797rpm_48k_1s.csv');
    await page.getByTestId('deploy-v2').click();
    expect(await page.getByTestId('deploy-confirm').textContent()).toContain('replaces the factory default model (v1)');
    expect(await row.textContent()).toContain('candidate'); // nothing happened yet
    await page.getByTestId('deploy-confirm-yes').click();
    await expect.poll(() => row.textContent()).toContain('deployed');
    await page.screenshot({ path: join(SHOTS, 'training.png'), fullPage: true });
  }, 60_000);

  it('cancels a training run', async () => {
    await page.getByTestId('epochs').fill('3000');
    await page.getByTestId('hidden').fill('256,128,256'); // slow epochs, so the cancel lands mid-run
    await page.getByTestId('train-button').click();
    const chart = page.getByTestId('loss-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 100 }).toBeGreaterThan(2);
    await page.getByTestId('cancel-button').click();
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 10_000 }).toMatch(/cancelled/);
    expect(await page.getByTestId('registry-v3').count()).toBe(0);
  }, 60_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
