// A node's trends on clock time, a minute to a month (issue 13 point 7), in Chromium with the demo
// node (CWRU normal, the built-in model). The browser's store is seeded with a month of the node's
// history as the recorder and retention leave it: per-minute rows for every ended hour, per-second
// rows for the last day, one hour of that day compacted to minutes only, one day missing. Picking
// each span reads the right resolution, draws clock-time ticks, shows the missing day as a gap and
// says where data was compacted; the score shows the threshold the node states before any alarm;
// the Fleet page's point opens the node's analysis, and the Live card judges the zones by that
// machine's ISO class. Screenshots: test-output/e2e/trends-*.png.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { ROOT } from '../helpers/firmware';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Seeds the app's IndexedDB (raw, as Dexie stores it) with a month of the node's history and a Fleet tree. */
async function seed(page: Page, uid: string, nowMs: number, storedOnly = false): Promise<{ startMs: number; hours: number; gapDay: number; compactedHour: number }> {
  return page.evaluate(
    async ({ uid, nowMs, HOUR, DAY, storedOnly }) => {
      const S = Math.floor((nowMs - 30 * DAY) / HOUR) * HOUR;
      const H = 30 * 24 - 2; // the seeded recording ends two hours before now
      const gapDay = 10; // nothing recorded that day
      const compactedHour = H - 5; // only its per-minute row is left
      const sid = `seeded-month-${uid}`;
      const axes = 2;
      const cols = 5; // rms and velocity per axis, then the score once (the live layout)
      const value = (t: number, c: number): number => {
        const f = (t - S) / (30 * DAY);
        const vel0 = 0.9 + 1.6 * f + 0.15 * Math.sin((2 * Math.PI * (t - S)) / (6 * HOUR));
        const field = c % 2;
        const axis = Math.floor(c / 2);
        if (c < 4 && field === 0) return axis === 0 ? 0.04 + vel0 * 0.01 : 0.05;
        if (c < 4) return axis === 0 ? vel0 : 0.8;
        return Math.abs(t - (S + 500 * HOUR)) < HOUR ? 3 : 0.4 + 0.2 * Math.sin((2 * Math.PI * (t - S)) / DAY);
      };
      const stats = (n: number, tAt: (k: number) => number) => {
        const min = new Float32Array(n * cols);
        const mean = new Float32Array(n * cols);
        const max = new Float32Array(n * cols);
        for (let c = 0; c < cols; c++)
          for (let k = 0; k < n; k++) {
            const v = value(tAt(k), c);
            mean[c * n + k] = v;
            min[c * n + k] = v * 0.95;
            max[c * n + k] = c === 4 ? v * 1.2 : v * 1.05;
          }
        return { min, mean, max };
      };
      const minutes: unknown[] = [];
      const seconds: unknown[] = [];
      for (let h = 0; h < H; h++) {
        if (Math.floor(h / 24) === gapDay) continue;
        const hs = S + h * HOUR;
        const tUsOffset = Uint32Array.from({ length: 60 }, (_, k) => k * 60_000_000);
        minutes.push({ id: `${sid}:h${h}`, sessionId: sid, nodeId: uid, hourIndex: h, startMs: hs, endMs: hs + HOUR - 10, chunkStartMs: hs, buckets: 60, tUsOffset, windows: new Uint32Array(60).fill(5625), ...stats(60, (k) => hs + k * 60_000), bytes: 60 * 4 * 2 + 60 * cols * 12 });
        if (h < H - 24 || h === compactedHour) continue;
        for (let m = 0; m < 60; m++) {
          const chunk = h * 60 + m;
          const cs = S + chunk * 60_000;
          seconds.push({ id: `${sid}:${chunk}`, sessionId: sid, nodeId: uid, chunkIndex: chunk, startMs: cs, endMs: cs + 59_990, chunkStartMs: cs, buckets: 60, tUsOffset: Uint32Array.from({ length: 60 }, (_, k) => k * 1_000_000), windows: new Uint16Array(60).fill(94), ...stats(60, (k) => cs + k * 1000), bytes: 60 * 6 + 60 * cols * 12 });
        }
      }
      const session = {
        id: sid,
        nodeId: uid,
        assetId: null,
        kind: 'live',
        name: 'seeded month',
        startMs: S,
        endMs: S + H * HOUR - 10,
        t0Ms: S,
        sampleRateHz: 48000,
        windowLen: 1024,
        hop: 512,
        channels: ['DE_accel', 'FE_accel'],
        layout: { axisCount: axes, fields: ['rms', 'velocityRmsMmS'], nodeFields: ['anomalyScore'], bandCount: 0 },
        specKey: '',
        windowCount: H * 3600 * 94,
        gapWindows: 0,
        status: 'complete',
        source: null,
        bytes: { features: 0, summaries: 0, raw: 0 },
        createdMs: S,
        updatedMs: S,
      };
      const t0 = nowMs;
      const fleet = [
        { id: 'site-1', kind: 'site', parentId: null, name: 'North plant', nodeId: null, createdMs: t0, updatedMs: t0 },
        { id: 'line-1', kind: 'line', parentId: 'site-1', name: 'Hall 2', nodeId: null, createdMs: t0, updatedMs: t0 },
        { id: 'machine-1', kind: 'machine', parentId: 'line-1', name: 'Fan F-9', machine: { group: 1, foundation: 'flexible', shaftHz: 29.95, bearing: null }, nodeId: null, createdMs: t0, updatedMs: t0 },
        { id: 'point-1', kind: 'point', parentId: 'machine-1', name: 'Drive end', nodeId: uid, createdMs: t0, updatedMs: t0 },
      ];
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('vigil');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(['nodes', 'sessions', 'featureMinutes', 'featureSummaries', 'fleetItems'], 'readwrite');
        tx.objectStore('sessions').put(session);
        // A node the host does not know now: only its stored row names it.
        if (storedOnly) tx.objectStore('nodes').put({ id: uid, name: 'Old pump node', kind: 'node', assetId: null, board: 'stm32f405', firmware: '1.3.0', channels: ['X', 'Y'], sampleRateHz: 26667, createdMs: S, updatedMs: S });
        for (const m of minutes) tx.objectStore('featureMinutes').put(m);
        for (const s of seconds) tx.objectStore('featureSummaries').put(s);
        if (!storedOnly) for (const f of fleet) tx.objectStore('fleetItems').put(f);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return { startMs: S, hours: H, gapDay, compactedHour };
    },
    { uid, nowMs, HOUR, DAY, storedOnly },
  );
}

describe('Trends on clock time from a minute to a month (Chromium, demo node)', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  let uid = '';
  const problems: string[] = [];
  const view = () => page.getByTestId('node-analysis');

  async function pick(span: string): Promise<void> {
    await page.getByTestId(`an-span-${span}`).click();
    await expect.poll(() => view().getAttribute('data-span')).toBe(span);
    await expect.poll(() => view().getAttribute('data-loading'), { timeout: 15_000 }).toBe('false');
    // Drawn from what was read: the charts' range is the span up to now.
    await expect.poll(async () => Number(await view().getAttribute('data-to-ms')) - Number(await view().getAttribute('data-from-ms'))).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-trends-')), viewport: { width: 1280, height: 1000 } }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('shows the alarm threshold the node states for its built-in model before any alarm, on a clock-time axis', async () => {
    await page.goto(host.url + '#/live');
    await page.getByTestId('open-node-analysis').first().click({ timeout: 20_000 });
    uid = /#\/live\/([0-9a-f]{24})$/.exec(page.url())![1];
    await view().waitFor();
    // No alarm on the node, and already a threshold: the node states it (protocol 1.4; the app's copy
    // of the built-in model is the fallback for older firmware, test/unit/renderer/trends.test.ts).
    expect(await page.locator('[data-testid="alarm-state"]').count()).toBe(0);
    const src = page.getByTestId('an-threshold-source');
    await expect.poll(() => src.getAttribute('data-source'), { timeout: 10_000 }).toBe('node-model');
    expect(await src.textContent()).toMatch(/^Alarm threshold [\d.]+ \(dashed line\): as the node states it for the model it runs, version 1/);
    // The dashed threshold line is drawn: red pixels across the score chart.
    const score = page.getByTestId('an-score');
    await expect.poll(async () => Number(await score.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(50);
    const red = await score.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 80 && d[i + 2] < 80 && d[i + 3] > 0) n++;
      return n;
    });
    expect(red).toBeGreaterThan(200);
    // The last minute by default, every window, ticks on the clock (HH:MM:SS).
    expect(await view().getAttribute('data-span')).toBe('1m');
    expect(await view().getAttribute('data-source')).toBe('window');
    expect(await page.getByTestId('an-velocity').getAttribute('data-ticks')).toMatch(/^\d\d:\d\d:\d\d\|\d\d:\d\d:\d\d/);
    await pick('10m');
    expect(await view().getAttribute('data-bin-ms')).toBe('500');
    expect(await page.getByTestId('an-velocity').getAttribute('data-ticks')).toMatch(/^\d\d:\d\d(:\d\d)?\|\d\d:\d\d/);
  }, 60_000);

  it('reads a month of per-minute summaries, shows the missing day as a gap, and a day from the per-second ones with the compacted hour named', async () => {
    const now = Date.now();
    const s = await seed(page, uid, now);
    await page.reload();
    await view().waitFor({ timeout: 15_000 });

    await pick('30d');
    expect(await view().getAttribute('data-source')).toBe('minute');
    expect(await view().getAttribute('data-bin-ms')).toBe(String(30 * 60_000));
    const vel = page.getByTestId('an-velocity');
    // 29 days of minutes (one day missing) and the live minutes.
    await expect.poll(async () => Number(await vel.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(28 * 1440);
    expect(Number(await vel.getAttribute('data-points'))).toBeLessThan(30 * 1440 + 10);
    // Date ticks ("Nov 6"), the missing day and the two hours before the live data as breaks.
    expect(await vel.getAttribute('data-ticks')).toMatch(/^[A-Z][a-z]{2} \d{1,2}\|/);
    expect(Number(await vel.getAttribute('data-gaps'))).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('an-trend-note').textContent()).toContain('From the per-minute summaries, averaged over 30 min on screen');
    // The zones are those of the machine the node is placed on (group 1, flexible, seeded on the Fleet tree).
    expect(await page.getByTestId('an-zone-source').textContent()).toContain('Fan F-9');
    await page.screenshot({ path: join(SHOTS, 'trends-month.png'), fullPage: true });

    await pick('1w');
    expect(await view().getAttribute('data-source')).toBe('minute');
    expect(await vel.getAttribute('data-ticks')).toMatch(/[A-Z][a-z]{2} \d{1,2}/);

    await pick('1d');
    expect(await view().getAttribute('data-source')).toBe('second');
    await expect.poll(async () => Number(await vel.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(20 * 3600);
    // Clock ticks with the date under the first one; the compacted hour is named.
    expect(await vel.getAttribute('data-ticks')).toMatch(/^\d\d:\d\d\n[A-Z][a-z]{2} \d{1,2}\|\d\d:\d\d/);
    const note = page.getByTestId('an-trend-note');
    expect(await note.getAttribute('data-compacted')).toBe('true');
    const from = new Date(s.startMs + s.compactedHour * HOUR);
    expect(await note.textContent()).toMatch(/only per-minute averages are kept: the retention policy \(Storage page\) compacted the finer data there/);
    expect(await note.textContent()).toContain(`${String(from.getHours()).padStart(2, '0')}:${String(from.getMinutes()).padStart(2, '0')}`);
    await page.screenshot({ path: join(SHOTS, 'trends-day.png'), fullPage: true });

    await pick('1h');
    expect(await view().getAttribute('data-source')).toBe('second');

    await pick('1m');
    expect(await view().getAttribute('data-source')).toBe('window');
    expect(await view().getAttribute('data-bin-ms')).toBe('0');
    expect(await vel.getAttribute('data-ticks')).toMatch(/^\d\d:\d\d:\d\d\|\d\d:\d\d:\d\d/);
    // The span is kept for the next visit.
    await page.reload();
    await expect.poll(() => view().getAttribute('data-span'), { timeout: 15_000 }).toBe('1m');
  }, 120_000);

  it('the Fleet point opens its node analysis; the Live card judges zones by that machine', async () => {
    await page.goto(host.url.replace(/\/\?token=.*$/, '/#/fleet'));
    const point = page.locator('[data-testid="fleet-point"][data-name="Drive end"]');
    await point.waitFor({ timeout: 15_000 });
    await point.getByTestId('fleet-point-analysis').click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/live/${uid}$`));
    await view().waitFor();
    expect(await page.getByTestId('an-zone-source').textContent()).toMatch(/Zones of machine Fan F-9 \(point Drive end\): group 1, flexible foundation/);
    await page.goto(host.url.replace(/\/\?token=.*$/, '/#/live'));
    const cls = page.getByTestId('iso-class').first();
    await cls.waitFor({ timeout: 15_000 });
    await expect.poll(() => cls.getAttribute('data-group'), { timeout: 5000 }).toBe('1');
    expect(await cls.getAttribute('data-foundation')).toBe('flexible');
    expect(await cls.textContent()).toBe('Zones of machine Fan F-9 on the Fleet page: Group 1 — over 300 kW, flexible foundation.');
    // The card's own RMS chart reads the clock too (the recording's start is known).
    await expect.poll(() => page.getByTestId('rms-chart').first().getAttribute('data-ticks'), { timeout: 10_000 }).toMatch(/^\d\d:\d\d:\d\d([.,]\d+)?\|\d\d:\d\d:\d\d/);
    await page.screenshot({ path: join(SHOTS, 'trends-live-card.png'), fullPage: false });
  }, 60_000);

  it('a node not connected now opens with what it recorded', async () => {
    const other = 'b'.repeat(24);
    await seed(page, other, Date.now(), true);
    await page.goto(host.url.replace(/\/\?token=.*$/, `/#/live/${other}`));
    await page.getByTestId('an-stored-only').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('an-stored-only').textContent()).toMatch(/^This node is not connected now: what it recorded is shown/);
    expect(await view().locator('.live-head').textContent()).toContain('Offline');
    await pick('30d');
    await expect.poll(async () => Number(await page.getByTestId('an-velocity').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(28 * 1440);
    await page.screenshot({ path: join(SHOTS, 'trends-stored-only.png'), fullPage: false });
  }, 60_000);

  it('raised no console error', () => {
    expect(problems).toEqual([]);
  });
});
