// One node's live analysis in Chromium (browser mode, the demo node replaying CWRU normal): opened
// from its Live card; the velocity trend over the ISO zones, the spectrum and the waterfall draw;
// pause freezes the view while the node keeps streaming; drag-zoom; CSV and PNG exports of what is
// on screen; units switch. Screenshots: test-output/e2e/analysis-live-*.png.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');

/** Pixels of a canvas that are neither transparent nor white. */
function inked(c: Locator): Promise<number> {
  return c.evaluate((el: HTMLCanvasElement) => {
    const d = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
    return n;
  });
}

async function download(page: Page, testId: string): Promise<{ name: string; body: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: dl.suggestedFilename(), body: readFileSync((await dl.path())!) };
}

const trendRows = (csv: string) => csv.split('\n\n')[0].split('\n').length - 2;

describe('Live analysis of a demo node in Chromium', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { viewport: { width: 1280, height: 1000 }, acceptDownloads: true }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('opens from the Live card and draws the velocity over the zones, the band spectrum and its waterfall', async () => {
    await page.goto(host.url + '#/live');
    await page.getByTestId('open-node-analysis').first().click({ timeout: 20_000 });
    expect(page.url()).toMatch(/#\/live\/[0-9a-f]{24}$/);
    const view = page.getByTestId('node-analysis');
    await view.waitFor({ timeout: 10_000 });
    const vel = page.getByTestId('an-velocity');
    await expect.poll(async () => Number(await vel.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    // Not placed in the asset tree: the group is chosen here, group 2 rigid by default, and it says so.
    expect(await page.getByTestId('an-zone-source').textContent()).toContain('not placed on a machine');
    expect(await page.getByTestId('an-group').inputValue()).toBe('2-rigid');
    // Zone bands drawn behind: the plot area holds the zones' green (A) and red (D) tints.
    const tints = await vel.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let green = 0;
      let red = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 1] > d[i] + 15 && d[i + 1] > d[i + 2] + 10) green++;
        if (d[i] > d[i + 1] + 40 && d[i] > d[i + 2] + 40 && d[i + 3] > 0) red++;
      }
      return { green, red };
    });
    expect(tints.green).toBeGreaterThan(1000);
    // The latest level in words, with its zone: CWRU's normal run sits deep in zone A.
    await expect.poll(() => page.getByTestId('an-latest').textContent()).toMatch(/^Now [\d.]+ mm\/s on .+ \(Zone A/);
    expect(tints.red).toBeGreaterThan(1000);
    expect(await inked(page.getByTestId('an-score').locator('canvas'))).toBeGreaterThan(500);
    // The demo node sends its band energies: the spectrum is their bars, the waterfall their rows.
    const spec = page.getByTestId('an-spectrum');
    await expect.poll(() => spec.getAttribute('data-kind'), { timeout: 10_000 }).toBe('bands');
    expect(Number(await spec.getAttribute('data-points'))).toBe(32);
    expect(await inked(spec.locator('canvas'))).toBeGreaterThan(500);
    const wf = page.getByTestId('an-waterfall');
    await expect.poll(async () => Number(await wf.getAttribute('data-rows')), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(await wf.getAttribute('data-kind')).toBe('bands');
    expect(await inked(wf)).toBeGreaterThan(500);
    await page.screenshot({ path: join(SHOTS, 'analysis-live-0-bands.png'), fullPage: true });
  }, 60_000);

  it('shows the PSD and its waterfall once raw samples flow', async () => {
    await page.goto(host.url + '#/nodes');
    const st = page.locator('[data-testid="node-card"]').first().getByTestId('stream-section');
    await st.getByTestId('stream-raw').check({ timeout: 20_000 });
    await st.getByTestId('stream-decimation').fill('1');
    await st.getByTestId('stream-apply').click();
    await expect.poll(() => st.getByTestId('stream-current').textContent(), { timeout: 15_000 }).toBe('Now: features + raw 1 in 1');
    await page.goto(host.url + '#/live');
    await page.getByTestId('open-node-analysis').first().click({ timeout: 20_000 });
    const spec = page.getByTestId('an-spectrum');
    await expect.poll(() => spec.getAttribute('data-kind'), { timeout: 20_000 }).toBe('psd');
    expect(Number(await spec.getAttribute('data-points'))).toBe(512);
    expect(await inked(spec.locator('canvas'))).toBeGreaterThan(500);
    const wf = page.getByTestId('an-waterfall');
    await expect.poll(async () => Number(await wf.getAttribute('data-rows')), { timeout: 20_000 }).toBeGreaterThanOrEqual(8);
    expect(await wf.getAttribute('data-kind')).toBe('psd');
    expect(await inked(wf)).toBeGreaterThan(5000);
    await page.getByTestId('an-keep-baseline').click();
    await expect.poll(() => spec.getAttribute('data-baseline')).toBe('true');
    await page.getByTestId('an-baseline-info').waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(SHOTS, 'analysis-live-1-running.png'), fullPage: true });
  }, 90_000);

  it('pauses the view while the node keeps streaming, zooms, exports CSV and PNG, switches units', async () => {
    const view = page.getByTestId('node-analysis');
    // The last minute: every window (the node has streamed about a minute by now).
    await page.getByTestId('an-span-1m').click();
    await expect.poll(() => view.getAttribute('data-span')).toBe('1m');
    await page.waitForTimeout(500);
    const before = await download(page, 'an-export-csv');
    expect(before.name).toMatch(/^vigil-demo-cwru-normal-\d{8}-\d{6}\.csv$/);
    const csv0 = before.body.toString('utf8');
    expect(csv0).toMatch(/^Trends on screen\ntime \(s since 1970-01-01 UTC\),RMS .* \(g\),.*velocity .* \(mm\/s\).*anomaly score\n/);
    expect(csv0).toContain('Spectrum on screen');
    expect(csv0).toMatch(/frequency \(Hz\),Power spectral density \(g²\/Hz\),Baseline \(g²\/Hz\)/);

    await page.getByTestId('an-pause').click();
    expect(await view.getAttribute('data-paused')).toBe('true');
    const shown = Number(await view.getAttribute('data-shown-window'));
    const latest0 = Number(await view.getAttribute('data-latest-window'));
    await page.waitForTimeout(2000);
    expect(Number(await view.getAttribute('data-shown-window'))).toBe(shown);
    expect(Number(await view.getAttribute('data-latest-window'))).toBeGreaterThan(latest0 + 50);
    await expect.poll(() => page.getByTestId('an-paused-note').textContent()).toMatch(/^Paused: [\d,]+ new windows recorded meanwhile/);

    // Drag across the middle half of the velocity chart: every trend zooms to that time.
    const over = page.getByTestId('an-velocity').locator('.u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    // The middle half of what was recorded: the chart spans the last minute up to now, on the clock.
    const fromMs = Number(await view.getAttribute('data-from-ms'));
    const toMs = Number(await view.getAttribute('data-to-ms'));
    const times = csv0.split('\n\n')[0].split('\n').slice(2).map((l) => Number(l.split(',')[0]) * 1000).filter((x) => x > 0);
    const frac = (ms: number) => (ms - fromMs) / (toMs - fromMs);
    const [a, b] = [frac(times[0]), frac(times[times.length - 1])];
    expect(a).toBeGreaterThanOrEqual(-0.01);
    expect(b).toBeLessThanOrEqual(1.01);
    await page.mouse.move(box.x + box.width * (a + 0.25 * (b - a)), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * (a + 0.5 * (b - a)), box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * (a + 0.75 * (b - a)), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = (await download(page, 'an-export-csv')).body.toString('utf8');
    const full = trendRows(csv0);
    expect(trendRows(zoomed)).toBeGreaterThan(10);
    expect(trendRows(zoomed)).toBeLessThan(full * 0.7);
    // Drag across the spectrum: its frequencies zoom (the PSD has 512 bins; fewer are on screen).
    const specRows = (csv: string) => csv.trimEnd().split('\n\n')[1].split('\n').length - 2;
    expect(specRows(zoomed)).toBe(512);
    const sover = page.getByTestId('an-spectrum').locator('.u-over');
    await sover.scrollIntoViewIfNeeded();
    const sbox = (await sover.boundingBox())!;
    await page.mouse.move(sbox.x + sbox.width * 0.3, sbox.y + sbox.height / 2);
    await page.mouse.down();
    await page.mouse.move(sbox.x + sbox.width * 0.6, sbox.y + sbox.height / 2, { steps: 5 });
    await page.mouse.up();
    const specZoomed = (await download(page, 'an-export-csv')).body.toString('utf8');
    expect(specRows(specZoomed)).toBeGreaterThan(5);
    expect(specRows(specZoomed)).toBeLessThan(300);
    await over.scrollIntoViewIfNeeded();
    // The cursor readout (the legend) shows the values under the cursor.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('an-velocity').locator('.u-legend').textContent()).toMatch(/\d mm\/s/);

    await page.getByTestId('an-accel-unit').selectOption('m/s²');
    await page.getByTestId('an-velocity-unit').selectOption('in/s');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('an-velocity').locator('.u-legend').textContent()).toMatch(/\d in\/s/);
    await expect.poll(() => page.getByTestId('an-rms').locator('.u-legend').textContent()).toMatch(/\d m\/s²/);
    const inches = (await download(page, 'an-export-csv')).body.toString('utf8');
    expect(inches).toMatch(/RMS .* \(m\/s²\)/);
    expect(inches).toMatch(/velocity .* \(in\/s\)/);
    expect(inches).toContain('Power spectral density ((m/s²)²/Hz)');
    // Still paused and zoomed: the same rows, converted (first velocity column: mm/s ÷ 25.4).
    expect(trendRows(inches)).toBe(trendRows(zoomed));
    expect(specRows(inches)).toBe(specRows(specZoomed));
    const col = (text: string, name: RegExp) => {
      const lines = text.split('\n\n')[0].split('\n');
      const i = lines[1].split(',').findIndex((h) => name.test(h));
      return Number(lines[2].split(',')[i]);
    };
    expect(col(inches, /^velocity/)).toBeCloseTo(col(zoomed, /^velocity/) / 25.4, 6);
    expect(col(inches, /^RMS/)).toBeCloseTo(col(zoomed, /^RMS/) * 9.80665, 6);

    const png = await download(page, 'an-export-png');
    expect(png.name).toMatch(/\.png$/);
    expect(png.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.body.length).toBeGreaterThan(20_000);
    writeFileSync(join(SHOTS, 'analysis-live-export.png'), png.body);
    writeFileSync(join(SHOTS, 'analysis-live-export.csv'), inches);
    await page.screenshot({ path: join(SHOTS, 'analysis-live-2-paused-zoomed.png'), fullPage: true });

    // Resume: the view catches up with the node.
    await page.getByTestId('an-pause').click();
    await expect.poll(async () => Number(await view.getAttribute('data-shown-window')), { timeout: 5000 }).toBeGreaterThan(shown + 50);
    await page.getByTestId('an-reset').click();
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(SHOTS, 'analysis-live-3-resumed.png'), fullPage: true });
  }, 90_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
