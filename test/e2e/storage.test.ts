// Offline storage end to end, in Chromium with real IndexedDB: import a CWRU recording, label two ranges,
// reload and find them, refuse a malformed CSV without changing anything, export a dataset bundle
// and import it into a fresh profile with identical counts; export the labels as CSV.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const CSV = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
const TABLES = ['sessions', 'nodes', 'assets', 'featureChunks', 'featureSummaries', 'rawSnapshots', 'gaps', 'events', 'labels'];

/** The browser-mode host without a demo node: nothing records in the background, counts stay put. */
async function openProfile(problems: string[], tag: string): Promise<{ context: BrowserContext; page: Page }> {
  return openPage(problems, { profile: mkdtempSync(join(tmpdir(), `vigil-${tag}-`)), acceptDownloads: true, tag });
}

async function storageCounts(page: Page): Promise<Record<string, number>> {
  await page.goto(page.url().replace(/#.*$/, '#/storage'));
  await page.getByTestId('storage-counts').waitFor();
  const out: Record<string, number> = {};
  for (const t of [...TABLES, 'audit']) out[t] = Number(await page.getByTestId(`count-${t}`).textContent());
  return out;
}

/** Drags across a uPlot chart from fraction a to fraction b of its plot width. */
async function dragAcross(page: Page, chart: string, a: number, b: number): Promise<void> {
  const box = (await page.locator(`[data-testid="${chart}"] .u-over`).first().boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * a, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((a + b) / 2), y, { steps: 4 });
  await page.mouse.move(box.x + box.width * b, y, { steps: 4 });
  await page.mouse.up();
}

describe('Recordings, labels and exchange in Chromium (real IndexedDB)', () => {
  let host: BrowserHost;
  let a: { context: BrowserContext; page: Page };
  let b: { context: BrowserContext; page: Page } | undefined;
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-files-'));
  let countsA: Record<string, number>;
  let bundlePath = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost();
    a = await openProfile(problems, 'A');
  }, 60_000);

  afterAll(async () => {
    await a?.context.close();
    await b?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('imports the CWRU recording through the CSV dialog', async () => {
    const { page } = a;
    await page.goto(host.url.replace('/?', '/?') + '#/recordings');
    await page.getByTestId('recordings-page').waitFor({ timeout: 15_000 });
    await page.getByTestId('import-csv').click();
    await page.getByTestId('import-file').setInputFiles(CSV);
    await page.getByTestId('import-mapping').waitFor();
    expect(await page.getByTestId('import-rate').inputValue()).toBe('48000');
    await expect.poll(() => page.getByTestId('import-mapping').textContent()).toContain('CWRU bearing data');
    await page.screenshot({ path: join(SHOTS, 'import-dialog.png') });
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-done').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('import-done').textContent()).toMatch(/48,000 samples per axis, 92 feature windows/);
    await page.getByTestId('import-open').click();
    const chart = page.getByTestId('history-chart');
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('92');
  });

  it('labels two ranges (buttons and keyboard), with undo', async () => {
    const { page } = a;
    await dragAcross(page, 'history-chart', 0.1, 0.3);
    await page.getByTestId('label-form').waitFor();
    await page.getByTestId('label-author').fill('Ana Lima');
    await page.getByTestId('label-notes').fill('baseline, pump quiet');
    await page.locator('.label-choice[data-label="normal"]').click();
    await page.getByTestId('label-save').click();
    await page.getByTestId('label-form').waitFor({ state: 'detached' });
    // The second one by keyboard only: drag, then press I (inner race).
    await dragAcross(page, 'history-chart', 0.55, 0.8);
    await page.getByTestId('label-form').waitFor();
    await page.keyboard.press('i');
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(2);
    // Delete one, undo from the toast; delete again, undo with Ctrl+Z.
    await page.getByTestId('label-delete').first().click();
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(1);
    await page.getByTestId('undo').click();
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(2);
    await page.getByTestId('label-delete').first().click();
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(1);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'recording-labels.png'), fullPage: true });
  });

  it('finds both labels after a reload, on the recording and on the Events page', async () => {
    const { page } = a;
    await page.reload();
    await page.getByTestId('recording-view').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(2);
    expect((await page.getByTestId('label-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-label')))).sort()).toEqual(['inner-race', 'normal']);
    await page.goto(page.url().replace(/#.*$/, '#/events'));
    await page.getByTestId('events-page').waitFor();
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(2);
    await page.getByTestId('filter-label').selectOption('inner-race');
    await expect.poll(() => page.getByTestId('label-row').count()).toBe(1);
    await page.getByTestId('filter-label').selectOption('');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-labels-csv').click()]);
    const csvPath = join(work, 'labels.csv');
    await download.saveAs(csvPath);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,node,asset,recording,start_utc,end_utc,duration_s,label,/);
    expect(lines.length).toBe(3);
    expect(lines.some((l) => l.includes(',inner-race,Bearing inner race,') && l.includes('Ana Lima'))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'events.png'), fullPage: true });
  });

  it('refuses a malformed CSV, naming the line, and changes nothing', async () => {
    const { page } = a;
    const before = await storageCounts(page);
    const bad = join(work, 'bad.csv');
    const good = readFileSync(CSV, 'utf8').split('\n').slice(0, 3000);
    good[1499] = '0.01,0.02,0.03';
    writeFileSync(bad, good.join('\n'));
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    await page.getByTestId('import-csv').click();
    await page.getByTestId('import-file').setInputFiles(bad);
    await page.getByTestId('import-start').click();
    await expect.poll(() => page.getByTestId('import-error').textContent(), { timeout: 15_000 }).toBe('Line 1500 has 3 values; every row needs 2.');
    await page.screenshot({ path: join(SHOTS, 'import-error.png') });
    expect(await storageCounts(page)).toEqual(before);
  });

  it('cancels an import half-way and stores nothing', async () => {
    const { page } = a;
    const before = await storageCounts(page);
    // 40 MB of two-axis rows: long enough to press Cancel while it is being read.
    const big = join(work, 'big_48k.csv');
    const row = '0.012345678,-0.023456789\n';
    writeFileSync(big, 'DE_accel,FE_accel\n' + row.repeat(1_600_000));
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    await page.getByTestId('import-csv').click();
    await page.getByTestId('import-file').setInputFiles(big);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-progress').waitFor();
    await expect.poll(() => page.getByTestId('import-progress').textContent()).toMatch(/Reading [\d.]+ MB of 40/);
    await page.getByTestId('import-cancel').click();
    await expect.poll(() => page.getByTestId('import-error').textContent(), { timeout: 15_000 }).toBe('Import cancelled. Nothing was stored.');
    expect(await storageCounts(page)).toEqual(before);
  });

  it('exports a dataset bundle', async () => {
    const { page } = a;
    countsA = await storageCounts(page);
    expect(countsA).toMatchObject({ sessions: 1, featureChunks: 1, featureSummaries: 1, rawSnapshots: 1, labels: 2 });
    await page.screenshot({ path: join(SHOTS, 'storage.png'), fullPage: true });
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-bundle').click()]);
    expect(download.suggestedFilename()).toMatch(/^vigil-dataset-.*\.vigil$/);
    bundlePath = join(work, download.suggestedFilename());
    await download.saveAs(bundlePath);
    expect(readFileSync(bundlePath).subarray(0, 8).toString()).toBe('VIGILDS1');
  });

  it('imports the bundle into a fresh profile with identical counts, twice without duplicates', async () => {
    b = await openProfile(problems, 'B');
    const { page } = b;
    await page.goto(host.url + '#/recordings');
    await page.getByTestId('recordings-page').waitFor({ timeout: 15_000 });
    await page.getByTestId('import-bundle').setInputFiles(bundlePath);
    // The preview says what the import will change before anything is written.
    await page.getByTestId('import-preview').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('preview-adds').textContent()).toMatch(/^add 1 recordings, .*\d labels/);
    await page.screenshot({ path: join(SHOTS, 'import-preview.png') });
    await page.getByTestId('import-apply').click();
    await expect.poll(() => page.getByTestId('exchange-message').textContent(), { timeout: 15_000 }).toMatch(/^Imported the bundle from Ana Lima/);
    await page.getByTestId('import-undo').waitFor();
    const countsB = await storageCounts(page);
    for (const t of TABLES) expect(countsB[t], t).toBe(countsA[t]);
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    await page.getByTestId('import-bundle').setInputFiles(bundlePath);
    await expect.poll(() => page.getByTestId('exchange-message').textContent(), { timeout: 15_000 }).toMatch(/nothing new/);
    const again = await storageCounts(page);
    for (const t of TABLES) expect(again[t], t).toBe(countsA[t]);
    await page.goto(page.url().replace(/#.*$/, '#/recordings'));
    await page.getByTestId('recording-row').first().locator('a').click();
    await expect.poll(() => page.getByTestId('label-row').count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('history-chart').getAttribute('data-points')).toBe('92');
  });

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
