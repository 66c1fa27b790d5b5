// The TypeScript features against an independent reference (NumPy + scipy.signal.welch, generated
// by scripts/scipy-reference.py into test/vectors/features_scipy.json) and against known signals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultFeatureSpec,
  extractFeatures,
  FeatureExtractor,
  fftInPlace,
  logBandEdges,
  welchPsd,
  type FeatureSpec,
} from '../../../models/features/index';
import { ROOT } from '../../helpers/firmware';
import { readCsvColumns, relErr } from '../../helpers/recording';

const REF = JSON.parse(readFileSync(join(ROOT, 'test/vectors/features_scipy.json'), 'utf8'));

describe('FFT', () => {
  it('matches a direct DFT', () => {
    const n = 64;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fftInPlace(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        sr += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        si -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      expect(Math.abs(re[k] - sr)).toBeLessThan(1e-9);
      expect(Math.abs(im[k] - si)).toBeLessThan(1e-9);
    }
    expect(() => fftInPlace(new Float64Array(12), new Float64Array(12))).toThrow(RangeError);
  });
});

describe('features vs NumPy/SciPy on the CWRU excerpt (tolerances: 1e-9 relative for float64 values, 1e-6 for the float32 RMS)', () => {
  const rec = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'));
  const de = rec.columns[0].subarray(0, 4096);
  for (const seg of [1024, 256]) {
    it(`segment ${seg}`, () => {
      const spec: FeatureSpec = { ...defaultFeatureSpec(48000, 1024, 512, 32), segmentLen: seg, bandEdges: logBandEdges(seg, 32) };
      const windows = extractFeatures([de], spec);
      expect(windows).toHaveLength(7);
      for (const c of REF.cases.filter((c: { segmentLen: number }) => c.segmentLen === seg)) {
        expect(Array.from(spec.bandEdges)).toEqual(c.bandEdges);
        const w = windows[c.windowIndex];
        const a = w.axes[0];
        expect(relErr(a.rms, c.rms)).toBeLessThan(1e-6);
        expect(relErr(a.peak, c.peak)).toBeLessThan(1e-9);
        expect(relErr(a.crest, c.crest)).toBeLessThan(1e-6);
        expect(relErr(a.kurtosis, c.kurtosis)).toBeLessThan(1e-9);
        // velocityRmsMmS is no PSD quantity since specification 2 (a meter in time): velocity.test.ts.
        const psd = welchPsd(de, c.windowIndex * 512, spec);
        for (let k = 0; k < psd.length; k++) expect(relErr(psd[k], c.psd[k]), `psd bin ${k}`).toBeLessThan(1e-9);
        // logBands are stored as float32: compare within float32 resolution.
        for (let b = 0; b < 32; b++) expect(Math.abs(w.logBands[b] - c.logBands[b])).toBeLessThan(1e-6);
      }
    });
  }
});

describe('feature definitions on known signals', () => {
  const fs = 25600;
  const spec = defaultFeatureSpec(fs, 1024, 512, 32);
  it('a pure tone: RMS, crest, kurtosis and the band that holds it (velocity: velocity.test.ts)', () => {
    const f0 = 25 * (fs / 1024); // exactly on bin 25 (625 Hz)
    const amp = 0.5; // g
    const x = Float32Array.from({ length: 4096 }, (_, i) => amp * Math.sin((2 * Math.PI * f0 * i) / fs));
    const [w] = extractFeatures([x], spec);
    expect(w.axes[0].rms).toBeCloseTo(amp / Math.SQRT2, 6);
    expect(w.axes[0].crest).toBeCloseTo(Math.SQRT2, 3);
    expect(w.axes[0].kurtosis).toBeCloseTo(1.5, 3); // a sine's kurtosis
    const band = spec.bandEdges.findIndex((e, b) => e <= 25 && spec.bandEdges[b + 1] > 25);
    const loudest = w.logBands.indexOf(Math.max(...w.logBands));
    expect(loudest).toBe(band);
    // Parseval: the band energies add up to the variance (Hann leakage stays inside the sum).
    const total = Array.from(w.logBands).reduce((s, l) => s + 10 ** l, 0);
    expect(relErr(total, (amp * amp) / 2)).toBeLessThan(1e-3);
  });
  it('streaming in odd chunks gives the same windows as one call', () => {
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.01) + ((i * 7919) % 13) / 13 - 0.5);
    const whole = extractFeatures([x], spec);
    const ex = new FeatureExtractor(spec, 1);
    const parts: typeof whole = [];
    for (let i = 0; i < x.length; i += 333) parts.push(...ex.push([x.subarray(i, i + 333)]));
    expect(parts.map((w) => w.windowIndex)).toEqual(whole.map((w) => w.windowIndex));
    expect(parts.map((w) => w.tUs)).toEqual(whole.map((w) => w.tUs));
    expect(parts.map((w) => Array.from(w.logBands))).toEqual(whole.map((w) => Array.from(w.logBands)));
    expect(whole).toHaveLength(Math.floor((5000 - 1024) / 512) + 1);
    expect(whole[1].tUs).toBe(Math.floor(((512 + 1024) * 1e6) / fs));
  });
  it('log band edges: increasing, one bin at least, covering 1..N/2', () => {
    for (const [seg, b] of [[1024, 32], [256, 32], [4096, 64], [64, 32]] as const) {
      const e = logBandEdges(seg, b);
      expect(e[0]).toBe(1);
      expect(e[b]).toBe(seg / 2 + 1);
      for (let i = 1; i <= b; i++) expect(e[i]).toBeGreaterThan(e[i - 1]);
    }
    expect(() => logBandEdges(32, 32)).toThrow(RangeError);
  });
  it('rejects specs it cannot honour, in plain words', () => {
    expect(() => defaultFeatureSpec(48000, 1000)).toThrow(/power of two/);
    expect(() => defaultFeatureSpec(48000, 1024, 2048)).toThrow(/hop/);
    expect(() => defaultFeatureSpec(-1)).toThrow(/sample rate/);
    expect(() => new FeatureExtractor(spec, 4)).toThrow(/axis count/);
  });
});
