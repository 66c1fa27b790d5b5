// End to end, the size search on the Training page (docs/training.md, "The best model that fits a
// node"), in Debian's Chromium: with a demo node connected, the technician picks the shipped demo
// recordings, picks the node and sees its budget derived from its HELLO, figure by figure; a search
// can be cancelled; a small search (a reduced grid: the page offers the full one) runs in the
// worker with progress, shows the trade-off table and which model was chosen and why, and the
// chosen model is judged, kept and handed to Deploy exactly as a trained one.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, openPage, startBrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';
import { blobBytesOf, insnOf } from '../../models/size/cost';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const DEMO = join(ROOT, 'data', 'demo');

describe('the size search on the Training page in Chromium', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-size-')) }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('derives the picked node\'s budget from its HELLO and says where each figure comes from', async () => {
    await page.goto(host.url + '#/training');
    const panel = page.getByTestId('size-panel');
    await panel.waitFor({ timeout: 15_000 });
    const budget = page.getByTestId('size-budget');
    expect(await budget.getAttribute('data-flash')).toBe('16352');
    expect(await budget.getAttribute('data-insn')).toBe('19191');
    expect(await budget.textContent()).toMatch(/the STM32F405's 16,384-byte slot less the store's 32-byte trailer/);
    // The demo node is listed once its HELLO is in.
    const nodeSelect = page.getByTestId('size-node');
    await expect.poll(() => nodeSelect.locator('option').count(), { timeout: 15_000 }).toBe(2);
    const label = (await nodeSelect.locator('option').nth(1).textContent())!;
    expect(label).toMatch(/\(host, [123] axes\)$/);
    await nodeSelect.selectOption({ index: 1 });
    const axes = Number(/(\d) axes\)$/.exec(label)![1]);
    await expect.poll(() => budget.getAttribute('data-insn')).toBe(String(19191 + (3 - axes) * 40709));
    const words = (await budget.textContent())!;
    expect(words).toMatch(/the node says it is a virtual node on this computer; its firmware gives it a 16,384-byte slot/);
    expect(words).toMatch(new RegExp(`with the ${axes} axes this node reports`));
    expect(words).toMatch(/it does not report its memory or its time budget, so those come from the firmware's documented figures/);
  }, 60_000);

  it('a search of the demo recordings can be cancelled', async () => {
    await page.getByTestId('source-files').check();
    await page.getByTestId('training-files').setInputFiles([join(DEMO, 'cwru_normal_0hp_1797rpm_48k_1s.csv'), join(DEMO, 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')]);
    await page.getByTestId('role-1').selectOption('anomaly');
    await page.getByTestId('label-1').fill('inner_race');
    // Whichever node the demo is, the demo files are 48 kHz: use the default budget.
    await page.getByTestId('size-node').selectOption('default');
    await page.getByTestId('size-settings').locator('summary').click();
    await page.getByTestId('size-epochs').fill('3000');
    await page.getByTestId('size-search').click();
    await page.getByTestId('size-step').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('size-step').textContent()).toMatch(/^Training 64-16-4-16-64 \(0 of \d+ done\)$/);
    await page.getByTestId('size-cancel').click();
    await expect.poll(() => page.getByTestId('size-status').textContent(), { timeout: 15_000 }).toBe('Search cancelled. Nothing was saved.');
    expect(await page.getByTestId('size-table').count()).toBe(0);
  }, 60_000);

  it('a small search shows the trade-off table, the chosen model and why; the chosen model is judged and kept like a trained one', async () => {
    await page.getByTestId('size-widths').fill('16');
    await page.getByTestId('size-bottlenecks').fill('4');
    await page.getByTestId('size-prune').fill('0');
    await page.getByTestId('size-distill').uncheck();
    await page.getByTestId('size-epochs').fill('40');
    await page.getByTestId('size-search').click();
    const table = page.getByTestId('size-table');
    await table.waitFor({ timeout: 90_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-model')).toBe('64-16-4-16-64');
    expect(await rows.nth(1).getAttribute('data-model')).toBe('64-32-8-32-64');
    expect(await table.locator('thead').textContent()).toMatch(/Bytes.*Instructions per window.*False alarms at 99 % detection.*Fits the node/);
    // Bytes of the dense blob and instructions from the size search's cost model (models/size/cost.ts).
    const n = (x: number) => x.toLocaleString('en-US');
    const small = [64, 16, 4, 16, 64];
    const big = [64, 32, 8, 32, 64];
    expect(blobBytesOf(small, 32)).toBe(4972);
    expect(await rows.nth(0).textContent()).toMatch(new RegExp(`${n(blobBytesOf(small, 32))}.*${n(insnOf(small))}.*yes`));
    expect(await rows.nth(1).textContent()).toMatch(new RegExp(`today's default.*${n(blobBytesOf(big, 32))}.*${n(insnOf(big))}.*yes`));
    const chosen = table.locator('tr[data-chosen="yes"]');
    expect(await chosen.count()).toBe(1);
    const chosenName = (await chosen.getAttribute('data-model'))!;
    expect(await page.getByTestId('size-why').textContent()).toMatch(
      new RegExp(`^Chosen: ${chosenName}\\. Of the models that fit, it has the fewest false alarms when every fault is caught 99 % of the time`),
    );
    // The chosen model goes the way of a trained one: the verdict, then Keep, then Deploy.
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('verdict-headline').textContent()).toMatch(/^The new model |^The node's current model cannot be compared/);
    await page.getByTestId('save-button').click();
    const row = page.getByTestId('model-v2');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain(chosenName);
    await page.screenshot({ path: join(SHOTS, 'training-size.png'), fullPage: true });
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('vigil');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const models = await new Promise<Record<string, unknown>[]>((resolve) => {
        const r = db.transaction('models').objectStore('models').getAll();
        r.onsuccess = () => resolve(r.result as Record<string, unknown>[]);
      });
      db.close();
      return models.map((m) => ({ architecture: m.architecture, blobBytes: m.blobBytes, tool: (m.lineage as { tool: string }).tool }));
    });
    expect(stored).toEqual([{ architecture: chosenName, blobBytes: chosenName === '64-16-4-16-64' ? 4972 : 7980, tool: 'Vigil app (Training page, size search)' }]);
    await page.getByTestId('deploy-saved').click();
    await expect.poll(() => page.url()).toMatch(/#\/deploy\/2$/);
  }, 180_000);

  it('says the budget in Spanish', async () => {
    await page.goto(host.url + '#/training');
    await page.getByTestId('language').selectOption('es');
    const panel = page.getByTestId('size-panel');
    await expect.poll(() => panel.locator('h3').textContent()).toBe('Buscar el mejor modelo que cabe en un nodo');
    expect(await page.getByTestId('size-budget').textContent()).toMatch(/Ranura del modelo: 16\.352 bytes \(la ranura de 16\.384 bytes del STM32F405/);
    await page.getByTestId('size-node').selectOption({ index: 1 });
    expect(await page.getByTestId('size-budget').textContent()).toMatch(/no informa su memoria ni su presupuesto de tiempo/);
    await panel.screenshot({ path: join(SHOTS, 'training-size-es.png') });
    await page.getByTestId('language').selectOption('en');
  }, 30_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
