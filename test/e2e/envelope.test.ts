// The envelope view in Chromium: import the shipped CWRU inner-race excerpt (1 s, 48 kHz), open its
// raw snapshot's waveform, spectrum and envelope spectrum, and check that the highest envelope line
// sits at the BPFI marker of the SKF 6205-2RS at 1797 rpm, within one bin; the cursor readout names
// it; zoom and "see it all"; export PNG and CSV of what is on screen.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const CSV = join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const BPFI_HZ = 5.4152 * (1797 / 60);

describe('Waveform and envelope of a CWRU inner-race snapshot in Chromium', () => {
  let host: BrowserHost;
  let ctx: { context: BrowserContext; page: Page };
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-envelope-'));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost();
    ctx = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-envelope-')), acceptDownloads: true, viewport: { width: 1280, height: 1400 } });
  }, 60_000);

  afterAll(async () => {
    await ctx?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('imports the recording and lists its raw snapshot', async () => {
    const { page } = ctx;
    await page.goto(host.url + '#/recordings');
    await page.getByTestId('recordings-page').waitFor({ timeout: 15_000 });
    await page.getByTestId('import-csv').click();
    await page.getByTestId('import-file').setInputFiles(CSV);
    await page.getByTestId('import-mapping').waitFor();
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-done').waitFor({ timeout: 20_000 });
    await page.getByTestId('import-open').click();
    await page.getByTestId('snapshot-list').waitFor({ timeout: 10_000 });
    await page.getByTestId('open-analysis').first().waitFor();
    expect(await page.getByTestId('open-analysis').count()).toBe(1);
  });

  it('shows the envelope spectrum with its highest line at the BPFI marker, within one bin', async () => {
    const { page } = ctx;
    await page.getByTestId('open-analysis').click();
    await page.getByTestId('analysis-view').waitFor({ timeout: 10_000 });
    // The speed comes from the recording's name, the bearing from the CWRU format; both shown.
    expect(await page.getByTestId('analysis-rpm').inputValue()).toBe('1797');
    expect(await page.getByTestId('analysis-bearing').inputValue()).toBe('skf-6205-2rs');
    const marker = Number(await page.getByTestId('marker-BPFI').getAttribute('data-hz'));
    expect(marker).toBeCloseTo(BPFI_HZ, 6);
    const peak = page.getByTestId('envelope-peak');
    await peak.waitFor();
    const peakHz = Number(await peak.getAttribute('data-peak-hz'));
    const binHz = Number(await peak.getAttribute('data-bin-hz'));
    expect(binHz).toBeCloseTo(48000 / 32768, 9);
    expect(Math.abs(peakHz - marker) / binHz).toBeLessThanOrEqual(1);
    expect(await peak.getAttribute('data-marker')).toBe('BPFI');
    expect(await peak.textContent()).toMatch(/at BPFI: the pattern of an inner-race defect/);
    expect(await peak.textContent()).toMatch(/^Highest line away from the shaft harmonics: .* dB above the floor/);
    // The band chosen from the signal is shown, and the BPFI line stands out of the floor.
    const band = page.getByTestId('envelope-band');
    expect(await band.getAttribute('data-auto')).toBe('1');
    expect(await band.textContent()).toMatch(/^Band-pass [\d,]+–[\d,]+ Hz, chosen from the signal/);
    expect(await page.getByTestId('analysis-band-lo').isDisabled()).toBe(true);
    expect(await page.getByTestId('analysis-band-lo').inputValue()).toBe(String(Number(await band.getAttribute('data-lo'))));
    expect(await page.getByTestId('defect-line-BPFI').getAttribute('data-stands-out')).toBe('1');
    expect(await page.getByTestId('defect-line-BPFI').textContent()).toMatch(/BPFI stands out: [\d.]+ dB above the floor/);
    for (const id of ['waveform-chart', 'spectrum-chart', 'envelope-chart']) {
      await expect.poll(() => page.getByTestId(id).getAttribute('data-points')).not.toBe(null);
    }
    expect(Number(await page.getByTestId('waveform-chart').getAttribute('data-points'))).toBe(48000);
    expect(Number(await page.getByTestId('envelope-chart').getAttribute('data-markers'))).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'envelope-view.png'), fullPage: true });
  });

  it('pre-whitens on request: the peak stays at BPFI and the heights are said to be of the whitened signal', async () => {
    const { page } = ctx;
    expect(await page.getByTestId('analysis-whiten').isChecked()).toBe(false);
    const before = await page.getByTestId('envelope-peak').getAttribute('data-above-floor-db');
    await page.getByTestId('analysis-whiten').check();
    await expect.poll(() => page.getByTestId('envelope-peak').getAttribute('data-above-floor-db')).not.toBe(before);
    const peak = page.getByTestId('envelope-peak');
    expect(await peak.getAttribute('data-marker')).toBe('BPFI');
    expect(await peak.textContent()).toMatch(/ g, whitened, [\d.]+ dB above the floor/);
    expect(await page.getByTestId('analysis-view').textContent()).toMatch(/Pre-whitened first \(cepstrum\)/);
    // The chart says it too: its axis and its CSV name the whitened envelope (they said "Envelope (g)").
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('env-csv').click()]);
    const header = readFileSync((await dl.path())!, 'utf8').split('\n')[0];
    expect(header).toBe('Frequency (Hz),Whitened envelope (g)');
    await page.screenshot({ path: join(SHOTS, 'envelope-whitened.png'), fullPage: true });
    await page.getByTestId('analysis-whiten').uncheck();
    await expect.poll(() => page.getByTestId('envelope-peak').getAttribute('data-above-floor-db')).toBe(before);
  });

  it('reads out the line under the cursor and names the marker', async () => {
    const { page } = ctx;
    const over = page.locator('[data-testid="envelope-chart"] .u-over');
    const box = (await over.boundingBox())!;
    const lowPass = Number(await page.getByTestId('analysis-lowpass').inputValue());
    const peakHz = Number(await page.getByTestId('envelope-peak').getAttribute('data-peak-hz'));
    await page.mouse.move(box.x + (box.width * peakHz) / lowPass, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('envelope-readout').textContent()).toMatch(/Hz · .* g · at BPFI \(162\.\d\d Hz\)/);
  });

  it('zooms by dragging, exports what is on screen as CSV and PNG, and sees it all again', async () => {
    const { page } = ctx;
    const over = page.locator('[data-testid="envelope-chart"] .u-over');
    const box = (await over.boundingBox())!;
    // 500 Hz across: drag from 120 Hz to 200 Hz.
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.24, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.32, y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
    await page.mouse.up();
    await page.screenshot({ path: join(SHOTS, 'envelope-zoomed.png'), fullPage: true });
    const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('env-csv').click()]);
    expect(csvDl.suggestedFilename()).toMatch(/envelope\.csv$/);
    const csvPath = join(work, csvDl.suggestedFilename());
    await csvDl.saveAs(csvPath);
    const text = readFileSync(csvPath, 'utf8');
    const [data, markers] = text.split('\n\n');
    const rows = data.trim().split('\n');
    expect(rows[0]).toBe('Frequency (Hz),Envelope (g)');
    const freqs = rows.slice(1).map((l) => Number(l.split(',')[0]));
    // Only what is on screen: about 120 to 200 Hz, not the whole 0–500 Hz.
    expect(freqs[0]).toBeGreaterThan(100);
    expect(freqs[freqs.length - 1]).toBeLessThan(220);
    expect(freqs.length).toBeLessThan(80);
    expect(markers).toMatch(/^marker,frequency \(Hz\)\n/);
    expect(markers).toMatch(/\nBPFI,162\.\d+/);
    const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('env-png').click()]);
    const pngPath = join(work, pngDl.suggestedFilename());
    await pngDl.saveAs(pngPath);
    await pngDl.saveAs(join(SHOTS, 'envelope-export.png'));
    const png = readFileSync(pngPath);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
    await page.getByTestId('env-reset').click();
    const [allDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('env-csv').click()]);
    await allDl.saveAs(join(work, 'all.csv'));
    const all = readFileSync(join(work, 'all.csv'), 'utf8').split('\n\n')[0].trim().split('\n');
    expect(all.length - 1).toBeGreaterThan(300);
    expect(problems).toEqual([]);
  });

  it('moves the markers with the speed and the bearing the analyst enters', async () => {
    const { page } = ctx;
    await page.getByTestId('analysis-rpm').fill('1500');
    await expect.poll(async () => Number(await page.getByTestId('marker-BPFI').getAttribute('data-hz'))).toBeCloseTo(5.4152 * 25, 6);
    // At the wrong speed the highest line is at no defect marker.
    await expect.poll(() => page.getByTestId('envelope-peak').getAttribute('data-marker')).not.toBe('BPFI');
    await page.getByTestId('analysis-rpm').fill('1797');
    await page.getByTestId('analysis-bearing').selectOption('custom');
    await page.getByTestId('analysis-geometry').waitFor();
    // The default geometry is the 6205 in mm: the same BPFI to four digits.
    await expect.poll(async () => Number(await page.getByTestId('marker-BPFI').getAttribute('data-hz'))).toBeCloseTo(BPFI_HZ, 1);
    // Taking the band by hand starts from the chosen one; a typed band is used as typed.
    const chosenLo = await page.getByTestId('envelope-band').getAttribute('data-lo');
    await page.getByTestId('analysis-band-auto').uncheck();
    expect(await page.getByTestId('analysis-band-lo').inputValue()).toBe(String(Math.round(Number(chosenLo))));
    await page.getByTestId('analysis-band-lo').fill('5000');
    await page.getByTestId('analysis-band-hi').fill('9000');
    await expect.poll(() => page.getByTestId('envelope-band').textContent()).toMatch(/Band-pass 5,000–9,000 Hz, as entered/);
    await page.getByTestId('analysis-band-auto').check();
    await expect.poll(() => page.getByTestId('envelope-band').getAttribute('data-auto')).toBe('1');
    await page.getByTestId('analysis-rpm').fill('fast');
    await expect.poll(() => page.getByTestId('analysis-view').textContent()).toMatch(/The shaft speed must be a number of rpm/);
    expect(problems).toEqual([]);
  });
});

describe('Waveform and envelope of a snapshot the demo node streamed', () => {
  let host: BrowserHost;
  let ctx: { context: BrowserContext; page: Page };
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-inner-race');
    ctx = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-envelope-live-')), viewport: { width: 1280, height: 1400 } });
  }, 60_000);

  afterAll(async () => {
    await ctx?.context.close();
    host?.child.kill('SIGTERM');
  });

  it('streams raw at full rate, keeps a scheduled snapshot, and its envelope peak sits at BPFI at the speed the node reports', async () => {
    const { page } = ctx;
    await page.goto(host.url + '#/nodes');
    const st = page.locator('[data-testid="node-card"]').first().getByTestId('stream-section');
    await st.getByTestId('stream-raw').check({ timeout: 20_000 });
    await st.getByTestId('stream-decimation').fill('1');
    await st.getByTestId('stream-apply').click();
    await expect.poll(() => st.getByTestId('stream-current').textContent(), { timeout: 15_000 }).toBe('Now: features + raw 1 in 1');
    // The first scheduled snapshot (1 s) is stored with the recorder's next write (every 5 s).
    await page.goto(host.url + '#/analysis');
    await page.getByTestId('open-analysis').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('open-analysis').first().click();
    await page.getByTestId('analysis-view').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('analysis-rpm').inputValue()).toBe('1797');
    await expect.poll(() => page.getByTestId('analysis-view').textContent()).toMatch(/Shaft speed as the node reported it/);
    // A live node's bearing is not known: the analyst chooses it.
    expect(await page.getByTestId('analysis-bearing').inputValue()).toBe('none');
    await page.getByTestId('analysis-bearing').selectOption('skf-6205-2rs');
    const marker = Number(await page.getByTestId('marker-BPFI').getAttribute('data-hz'));
    const peak = page.getByTestId('envelope-peak');
    await expect.poll(() => peak.getAttribute('data-marker')).toBe('BPFI');
    const peakHz = Number(await peak.getAttribute('data-peak-hz'));
    const binHz = Number(await peak.getAttribute('data-bin-hz'));
    expect(Math.abs(peakHz - marker) / binHz).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(SHOTS, 'envelope-demo-node.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 90_000);
});
