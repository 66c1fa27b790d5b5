// End to end, as a technician would train a model: browser mode in Debian's Chromium. A demo node
// streams the healthy CWRU recording and then another the inner-race fault; the technician labels
// a range of each on the Live chart; the Training page trains from those stored recordings and
// labels in the Web Worker (TensorFlow.js wasm under the page's CSP), says how much data each class
// has, and leads with the verdict against the node's current model; the model goes into the model
// store and its Deploy button hands it to the Deploy page. CSV files stay a second source.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, dragAcrossChart, openPage, startBrowserHost } from '../helpers/browser';
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
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-train-')) }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  /** Starts a demo node, lets it stream, labels most of what the Live chart shows. */
  async function streamAndLabel(recording: string, label: string): Promise<void> {
    await page.goto(host.url + '#/nodes');
    await page.locator('.demo-starter select').selectOption(recording);
    await page.getByTestId('start-demo').click();
    const chart = page.locator('[data-testid="rms-chart"]').first();
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(400);
    await dragAcrossChart(page, chart, 0.05, 0.9);
    await page.getByTestId('label-form').waitFor();
    await page.getByTestId('label-author').fill('Ben Okafor');
    await page.locator(`.label-choice[data-label="${label}"]`).click();
    await page.getByTestId('label-save').click();
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('saved');
  }

  it('records and labels a healthy stretch and a fault from two demo nodes', async () => {
    await streamAndLabel('cwru-normal', 'normal');
    await page.goto(host.url + '#/nodes');
    await page.getByRole('button', { name: 'Stop demo' }).first().click();
    await expect.poll(() => page.getByRole('button', { name: 'Stop demo' }).count(), { timeout: 15_000 }).toBe(0);
    await streamAndLabel('cwru-inner-race', 'inner-race');
    await page.waitForTimeout(6000); // the recorder writes every 5 s
  }, 120_000);

  it('says how much data each class has, then trains from the stored recordings and leads with the verdict', async () => {
    await page.goto(host.url + '#/training');
    await page.getByTestId('stored-picker').waitFor({ timeout: 15_000 });
    await page.getByTestId('use-node-demo-cwru-normal').check();
    await page.getByTestId('check-data').click();
    const data = page.getByTestId('data-report');
    await data.waitFor({ timeout: 20_000 });
    expect(await data.textContent()).toMatch(/48 kHz, 2 axes \(DE_accel, FE_accel\), windows of 1024 samples every 512, 32 bands per axis/);
    expect(await data.locator('tr[data-class="normal"]').getAttribute('data-amount')).toBe('little');
    expect(await data.locator('tr[data-class="inner-race"]').textContent()).toMatch(/evaluate only/);
    expect(await page.getByTestId('data-refusal').count()).toBe(0);

    await page.getByTestId('train-settings').locator('summary').click();
    await page.getByTestId('hidden').fill('16,4,16');
    await page.getByTestId('epochs').fill('150');
    await page.getByTestId('train-button').click();
    const chart = page.getByTestId('loss-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 100 }).toBeGreaterThan(5);
    // The page answers while the worker trains.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(Date.now() - t0).toBeLessThan(1000);
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    const headline = (await page.getByTestId('verdict-headline').textContent())!;
    expect(headline).toMatch(/^The new model (is better than|is worse than|does as well as|is better in one way)|^The node's current model cannot be compared/);
    expect(await verdict.textContent()).toMatch(/Faults caught: \d of \d fault periods/);
    expect(await page.getByTestId('verdict-basis').textContent()).toMatch(/held out from training .* 1 labelled fault period \(inner-race\)/);
    // The details are one click away, closed at first.
    expect(await page.getByTestId('eval-table').isVisible()).toBe(false);
    await page.getByTestId('verdict-details').locator('summary').click();
    for (const id of ['float', 'int8', 'current', 'rms', 'mahalanobis', 'kmeans']) expect(await page.getByTestId('eval-table').locator(`tr[data-detector="${id}"]`).count()).toBe(1);
    await page.getByTestId('verdict-details').locator('summary').click();
  }, 120_000);

  it('keeps the model in the model store with its lineage; Deploy hands it to the Deploy page, recording nothing yet', async () => {
    await page.getByTestId('save-button').click();
    const row = page.getByTestId('model-v2');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('for demo-cwru-inner-race');
    expect(await page.getByTestId('deployments-v2').textContent()).toBe('not deployed');
    await page.screenshot({ path: join(SHOTS, 'training.png'), fullPage: true });
    await page.getByTestId('deploy-v2').click();
    await expect.poll(() => page.url()).toMatch(/#\/deploy\/2$/);
    await expect.poll(() => page.getByLabel('Model', { exact: true }).inputValue(), { timeout: 10_000 }).toBe('2');
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('vigil');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const all = (t: string) =>
        new Promise<Record<string, unknown>[]>((resolve) => {
          const r = db.transaction(t).objectStore(t).getAll();
          r.onsuccess = () => resolve(r.result as Record<string, unknown>[]);
        });
      const out = { models: await all('models'), deployments: await all('deployments') };
      db.close();
      return out;
    });
    expect(stored.models).toHaveLength(1);
    const lineage = stored.models[0].lineage as { data: { label: string; recordingId?: string; ranges?: unknown[] }[]; params: { seed: number } };
    expect(new Set(lineage.data.map((d) => d.label))).toEqual(new Set(['normal', 'inner-race']));
    expect(lineage.data.every((d) => d.recordingId && d.ranges && d.ranges.length === 1)).toBe(true);
    expect(lineage.params.seed).toBe(1);
    // A deployment is recorded by the Deploy page when the model is sent, never on the way there.
    expect(stored.deployments).toEqual([]);
    await page.goto(host.url + '#/training');
    await page.getByTestId('model-v2').waitFor({ timeout: 10_000 });
  }, 60_000);

  it('CSV files stay a second source; a bad file gets a message about the file', async () => {
    await page.getByTestId('source-files').check();
    const junk = join(mkdtempSync(join(tmpdir(), 'vigil-junk-')), 'junk.csv');
    writeFileSync(junk, Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 31 + 7) % 256)));
    const empty = join(mkdtempSync(join(tmpdir(), 'vigil-empty-')), 'empty.csv');
    writeFileSync(empty, '');
    await page.getByTestId('training-files').setInputFiles([junk, empty]);
    await expect.poll(() => page.getByTestId('training-error').textContent()).toMatch(/junk.csv is not a CSV text file \(it holds binary data\).*empty.csv is empty/);
    await page.getByTestId('training-files').setInputFiles([join(DEMO, 'cwru_normal_0hp_1797rpm_48k_1s.csv'), join(DEMO, 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')]);
    await page.getByTestId('role-0').waitFor();
    await page.getByTestId('role-1').selectOption('anomaly');
    await page.getByTestId('label-1').fill('inner_race');
    if (!(await page.getByTestId('epochs').isVisible())) await page.getByTestId('train-settings').locator('summary').click();
    await page.getByTestId('epochs').fill('3000');
    await page.getByTestId('hidden').fill('256,128,256'); // slow epochs, so the cancel lands mid-run
    await page.getByTestId('train-button').click();
    const chart = page.getByTestId('loss-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 30_000, interval: 100 }).toBeGreaterThan(2);
    await page.getByTestId('cancel-button').click();
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 10_000 }).toMatch(/cancelled/);
    expect(await page.getByTestId('model-v3').count()).toBe(0);
  }, 60_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
