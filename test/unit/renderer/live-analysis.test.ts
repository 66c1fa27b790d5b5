import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../models/api/contract';
import { logBandEdges } from '../../../models/features/spec';
import { accelFactor, bandCentresHz, bandRmsG, csvDocument, csvSection, exportName, parseUnits, RowAverager, velocityFactor, WaterfallRing, zoneBands } from '../../../renderer/src/live/analysisLogic';
import { rmsCol, scoreCol, TrendStore, velCol, WATERFALL_ROW_S } from '../../../renderer/src/live/trendStore';

describe('zone bands per machine group and units', () => {
  it('gives ISO 20816-3 limits for each group and foundation in mm/s', () => {
    const cases = [
      [1, 'rigid', [2.3, 4.5, 7.1]],
      [1, 'flexible', [3.5, 7.1, 11]],
      [2, 'rigid', [1.4, 2.8, 4.5]],
      [2, 'flexible', [2.3, 4.5, 7.1]],
    ] as const;
    for (const [g, f, [ab, bc, cd]] of cases) {
      const z = zoneBands(g, f, 'mm/s');
      expect(z.map((b) => b.zone)).toEqual(['A', 'B', 'C', 'D']);
      expect(z.map((b) => [b.from, b.to])).toEqual([
        [0, ab],
        [ab, bc],
        [bc, cd],
        [cd, Infinity],
      ]);
    }
  });

  it('converts the limits to in/s (25.4 mm to the inch)', () => {
    const z = zoneBands(2, 'rigid', 'in/s');
    expect(z[0].to).toBeCloseTo(1.4 / 25.4, 12);
    expect(z[2].to).toBeCloseTo(4.5 / 25.4, 12);
    expect(z[2].to).toBeCloseTo(0.177, 3);
  });

  it('converts g to m/s² with standard gravity, and reads the units setting', () => {
    expect(accelFactor('g')).toBe(1);
    expect(accelFactor('m/s²')).toBe(9.80665);
    expect(velocityFactor('in/s') * 25.4).toBeCloseTo(1, 12);
    expect(parseUnits(null)).toEqual({ accel: 'g', velocity: 'mm/s' });
    expect(parseUnits('not json')).toEqual({ accel: 'g', velocity: 'mm/s' });
    expect(parseUnits(JSON.stringify({ accel: 'm/s²', velocity: 'in/s' }))).toEqual({ accel: 'm/s²', velocity: 'in/s' });
    expect(parseUnits(JSON.stringify({ accel: 'furlongs' }))).toEqual({ accel: 'g', velocity: 'mm/s' });
  });
});

describe('WaterfallRing', () => {
  it('keeps the newest rows oldest first and overwrites the oldest when full', () => {
    const w = new WaterfallRing(3, 2);
    const row = (r: number) => w.data.slice(w.rowOffset(r), w.rowOffset(r) + 2);
    w.push(0, [1, 2]);
    w.push(1, [3, 4]);
    expect(w.length).toBe(2);
    expect(Array.from(row(0))).toEqual([1, 2]);
    expect(Array.from(row(1))).toEqual([3, 4]);
    w.push(2, [5, 6]);
    w.push(3, [7, 8]);
    expect(w.length).toBe(3);
    expect([w.time(0), w.time(1), w.time(2)]).toEqual([1, 2, 3]);
    expect(Array.from(row(0))).toEqual([3, 4]);
    expect(Array.from(row(2))).toEqual([7, 8]);
    // The ring's slots: the oldest row lives after the newest one in memory.
    expect(w.rowOffset(2)).toBe(0);
    expect(() => w.rowOffset(3)).toThrow(RangeError);
    expect(w.range()).toEqual([3, 8]);
  });

  it('pads a short row with NaN and takes a slice from an offset', () => {
    const w = new WaterfallRing(2, 3);
    w.push(0, [9, 8, 7, 6], 1);
    w.push(1, [1]);
    expect(Array.from(w.data.slice(w.rowOffset(0), w.rowOffset(0) + 3))).toEqual([8, 7, 6]);
    expect(Array.from(w.data.slice(w.rowOffset(1), w.rowOffset(1) + 3))).toEqual([1, NaN, NaN]);
  });

  it('averages windows into one row per period and drops a part row when the clock goes back', () => {
    const out: [number, number[]][] = [];
    const a = new RowAverager(2, 0.25, (t, r) => out.push([t, Array.from(r)]));
    a.add(0, [1, 10]);
    a.add(0.1, [3, 30]);
    a.add(0.2, [5, 50]);
    expect(out).toEqual([]);
    a.add(0.3, [7, 70]);
    expect(out).toEqual([[0, [3, 30]]]);
    a.add(0.05, [100, 100]); // restart: the part row of 0.3 is not emitted
    a.add(0.4, [2, 2]);
    expect(out).toEqual([
      [0, [3, 30]],
      [0.05, [100, 100]],
    ]);
  });
});

describe('bands', () => {
  it('puts band centres between their edges and turns log energy into RMS', () => {
    const edges = logBandEdges(1024, 32);
    const c = bandCentresHz(edges, 48000 / 1024);
    expect(c.length).toBe(32);
    for (let b = 0; b < 32; b++) {
      expect(c[b]).toBeGreaterThanOrEqual(edges[b] * (48000 / 1024) - 1e-9);
      expect(c[b]).toBeLessThan(edges[b + 1] * (48000 / 1024));
    }
    expect(bandRmsG(Math.log10(0.25 + 1e-12))).toBeCloseTo(0.5, 9);
  });
});

describe('CSV of what is on screen', () => {
  it('keeps the rows inside the visible range, blank cells for NaN, sections apart', () => {
    const trend = csvSection(
      'Trends on screen',
      [
        { name: 'node time (s)', values: [1, 2, 3, 4] },
        { name: 'RMS X (g)', values: [0.1, 0.2, 0.3, 0.4] },
        { name: 'anomaly score', values: [NaN, 0.5, 0.6, 0.7] },
      ],
      2,
      3,
    );
    const spec = csvSection('Spectrum on screen, axis "X"', [
      { name: 'frequency (Hz)', values: [10, 20] },
      { name: 'PSD, x (g²/Hz)', values: [1e-6, 2e-6] },
    ]);
    expect(csvDocument([trend, spec])).toBe(
      ['Trends on screen', 'node time (s),RMS X (g),anomaly score', '2,0.2,0.5', '3,0.3,0.6', '', '"Spectrum on screen, axis ""X"""', 'frequency (Hz),"PSD, x (g²/Hz)"', '10,0.000001', '20,0.000002', ''].join('\n'),
    );
    expect(csvSection('t', [{ name: 'x', values: [NaN, 1] }, { name: 'y', values: [5, NaN] }])).toEqual(['t', 'x,y', '1,']);
  });

  it('names the file after the node and the time', () => {
    expect(exportName('demo cwru/normal', new Date(2026, 2, 8, 8, 5, 9).getTime(), 'csv')).toBe('vigil-demo-cwru-normal-20260308-080509.csv');
  });
});

function frame(i: number, extra: Partial<FeatureFrame> = {}): FeatureFrame {
  return { windowIndex: i, tUs: Math.round(i * 10_000), shaftHz: 0, rmsG: [0.1, 0.2], velocityMmS: [1, 2], anomalyScore: i / 100, ...extra };
}

describe('TrendStore', () => {
  it('rings RMS, velocity and score per window, redraws once per frame, averages bands into waterfall rows', () => {
    const frames: (() => void)[] = [];
    const store = new TrendStore((cb) => frames.push(cb), 16);
    let calls = 0;
    store.subscribe('p', () => calls++);
    const bands = (v: number) => [Array.from({ length: 4 }, () => v), Array.from({ length: 4 }, () => v + 1)];
    // 0.01 s per window: a waterfall row (0.25 s) every 25 windows.
    const batch = Array.from({ length: 60 }, (_, i) => frame(i, { logBands: bands(i < 25 ? -2 : -4) }));
    store.ingest({ path: 'p', frames: batch.slice(0, 30) });
    store.ingest({ path: 'p', frames: batch.slice(30) });
    expect(frames.length).toBe(1);
    frames.splice(0).forEach((f) => f());
    expect(calls).toBe(1);
    const n = store.get('p')!;
    expect(n.ring.length).toBe(16);
    expect(n.latestWindow).toBe(59);
    const v = n.ring.views();
    expect(v.t[15]).toBeCloseTo(0.59, 9);
    expect(v.y[rmsCol(1)][15]).toBe(0.2);
    expect(v.y[velCol(2, 1)][15]).toBe(2);
    expect(v.y[scoreCol(2)][15]).toBeCloseTo(0.59, 9);
    expect(WATERFALL_ROW_S).toBe(0.25);
    // Rows at 0 and 0.25 s are complete; 0.5 s is still being averaged.
    const w = n.bands!;
    expect(w.length).toBe(2);
    expect(w.width).toBe(8);
    expect(w.data[w.rowOffset(0)]).toBeCloseTo(-2, 6);
    expect(w.data[w.rowOffset(0) + 4]).toBeCloseTo(-1, 6);
    expect(w.data[w.rowOffset(1)]).toBeCloseTo(-4, 6);
  });

  it('keeps NaN for a missing score or velocity and skips a repeated window', () => {
    const store = new TrendStore(() => undefined, 8);
    store.ingest({ path: 'p', frames: [frame(0, { anomalyScore: null, velocityMmS: undefined }), frame(0)] });
    const n = store.get('p')!;
    expect(n.ring.length).toBe(1);
    expect(Number.isNaN(n.ring.views().y[scoreCol(2)][0])).toBe(true);
    expect(Number.isNaN(n.ring.views().y[velCol(2, 0)][0])).toBe(true);
    expect(n.bands).toBeNull();
  });
});
