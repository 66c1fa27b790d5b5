// models/analysis: Welch spectrum against scipy.signal.welch (when python3 with SciPy is installed),
// the envelope spectrum on known signals and on the shipped CWRU inner-race excerpt, the bearing
// table and the marker positions.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  averagedEnvelopeSpectrum,
  BEARINGS,
  cepstrumPrewhiten,
  defaultEnvelopeOptions,
  envelopePeak,
  kurtogramBands,
  lineAboveFloorDb,
  onShaftHarmonic,
  selectEnvelopeBand,
  defectFactors,
  envelopeSpectrum,
  findBearing,
  markerPositions,
  matchPeak,
  peakBin,
  rpmInText,
  welchSpectrum,
} from '../../../models/analysis/index';
import { fftInPlace } from '../../../models/features/fft';
import { ROOT } from '../../helpers/firmware';
import { referencePython } from '../../helpers/python';

const INNER = join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const SHAFT_HZ = 1797 / 60;

/** A CSV column as float64, parsed exactly as Python's float() does. */
function column(path: string, name: string): Float64Array {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const c = lines[0].split(',').map((s) => s.trim()).indexOf(name);
  return Float64Array.from(lines.slice(1), (l) => Number(l.split(',')[c]));
}

const PYTHON = referencePython(['scipy', 'numpy']);
const SCIPY = PYTHON !== null;

describe('Welch spectrum', () => {
  // Tolerance: both sides compute in float64 from the same decimal text; 1e-9 relative on every bin
  // above 1e-12 of the largest (the rest is rounding noise of a few ulps of the largest bin).
  it.skipIf(!SCIPY)(
    SCIPY ? 'matches scipy.signal.welch on the CWRU inner-race excerpt (1e-9 relative)' : 'matches scipy.signal.welch — NOT RUN: no Python with SciPy and NumPy here (./scripts/setup.sh installs them into .venv)',
    () => {
      for (const [seg, overlap] of [[8192, 0.5], [1024, 0.25], [4096, 0]] as const) {
        const r = spawnSync(PYTHON as string, [join(ROOT, 'scripts/scipy-welch.py'), INNER, 'DE_accel', '48000', String(seg), String(seg - Math.max(1, seg - Math.floor(seg * overlap)))], {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        expect(r.status, r.stderr).toBe(0);
        const ref = JSON.parse(r.stdout) as { f: number[]; psd: number[] };
        const mine = welchSpectrum(column(INNER, 'DE_accel'), 48000, { segmentLen: seg, overlap });
        expect(mine.psd.length).toBe(ref.psd.length);
        expect(mine.binHz).toBeCloseTo(ref.f[1], 12);
        const top = Math.max(...ref.psd);
        let worst = 0;
        for (let k = 0; k < ref.psd.length; k++) {
          if (ref.psd[k] > 1e-12 * top) worst = Math.max(worst, Math.abs(mine.psd[k] - ref.psd[k]) / ref.psd[k]);
        }
        expect(worst, `segment ${seg}, overlap ${overlap}`).toBeLessThan(1e-9);
      }
    },
  );

  it('puts a tone in its bin with the power Parseval says', () => {
    const fs = 10000;
    const x = Float64Array.from({ length: 20000 }, (_, i) => 2 * Math.sin((2 * Math.PI * 625 * i) / fs));
    const s = welchSpectrum(x, fs, { segmentLen: 1024 });
    expect(s.binHz).toBeCloseTo(fs / 1024, 9);
    expect(peakBin(s.psd, s.binHz, 0, fs / 2) * s.binHz).toBeCloseTo(625, 6);
    const power = s.psd.reduce((a, p) => a + p, 0) * s.binHz;
    expect(power).toBeCloseTo(2, 2); // a sine of amplitude 2 has mean square 2
  });

  it('lowers the segment to fit a short snapshot and refuses bad input in plain words', () => {
    expect(welchSpectrum(new Float64Array(100).map((_, i) => i % 7), 1000, { segmentLen: 8192 }).segmentLen).toBe(64);
    expect(() => welchSpectrum(new Float64Array(8), 1000)).toThrow(/at least 16 samples/);
    expect(() => welchSpectrum(new Float64Array(64), 0)).toThrow(/sample rate/);
    expect(() => welchSpectrum(new Float64Array(64), 1000, { segmentLen: 1000 })).toThrow(/power of two/);
  });
});

describe('envelope spectrum', () => {
  it('finds the modulation frequency and depth of an amplitude-modulated carrier, by Hilbert and by rectification', () => {
    const fs = 48000;
    const x = Float64Array.from({ length: 32768 }, (_, i) => {
      const t = i / fs;
      return (1 + 0.5 * Math.cos(2 * Math.PI * 123 * t)) * Math.sin(2 * Math.PI * 5000 * t);
    });
    const h = envelopeSpectrum(x, fs, { bandHz: [3000, 7000], lowPassHz: 500, method: 'hilbert' });
    const k = peakBin(h.amplitude, h.binHz, 5, 500);
    expect(Math.abs(k * h.binHz - 123)).toBeLessThanOrEqual(h.binHz);
    // Hann scalloping: a line between bins reads at least 85 % of its height.
    const top = Math.max(h.amplitude[k], h.amplitude[k + 1], h.amplitude[k - 1]);
    expect(top).toBeGreaterThan(0.5 * 0.85);
    expect(top).toBeLessThan(0.5 * 1.01);
    const r = envelopeSpectrum(x, fs, { bandHz: [3000, 7000], lowPassHz: 500, method: 'rectify' });
    expect(Math.abs(peakBin(r.amplitude, r.binHz, 5, 500) * r.binHz - 123)).toBeLessThanOrEqual(r.binHz);
    // |sin| has mean 2/π: the rectified line is (2/π) × 0.5 high, not 0.5.
    expect(Math.max(...r.amplitude)).toBeLessThan(0.5 * 0.7);
  });

  it('on the shipped CWRU inner-race excerpt (1 s, drive end), the highest line sits at BPFI within one bin', () => {
    const x = column(INNER, 'DE_accel');
    const e = envelopeSpectrum(x, 48000, defaultEnvelopeOptions(48000));
    const bpfi = findBearing('skf-6205-2rs')!.factors.bpfi * SHAFT_HZ;
    expect(e.samplesUsed).toBe(32768);
    const peakHz = peakBin(e.amplitude, e.binHz, 5, 500) * e.binHz;
    expect(Math.abs(peakHz - bpfi) / e.binHz).toBeLessThanOrEqual(1);
    // And it stands out: well above the median line of 5–500 Hz.
    const sorted = Array.from(e.amplitude.subarray(4)).sort((a, b) => a - b);
    expect(e.amplitude[Math.round(peakHz / e.binHz)]).toBeGreaterThan(5 * sorted[sorted.length >> 1]);
  });

  it('on the healthy excerpt, nothing stands at BPFI', () => {
    const x = column(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'), 'DE_accel');
    const e = envelopeSpectrum(x, 48000, defaultEnvelopeOptions(48000));
    const bpfi = findBearing('skf-6205-2rs')!.factors.bpfi * SHAFT_HZ;
    expect(Math.abs(peakBin(e.amplitude, e.binHz, 5, 500) * e.binHz - bpfi) / e.binHz).toBeGreaterThan(1);
  });

  it('refuses bad settings in plain words', () => {
    const x = new Float64Array(1024);
    expect(() => envelopeSpectrum(x.subarray(0, 10), 48000, defaultEnvelopeOptions(48000))).toThrow(/at least 64 samples/);
    expect(() => envelopeSpectrum(x, 48000, { bandHz: [8000, 2000], lowPassHz: 500 })).toThrow(/band-pass/);
    expect(() => envelopeSpectrum(x, 48000, { bandHz: [2000, 30000], lowPassHz: 500 })).toThrow(/24000 Hz/);
    expect(() => envelopeSpectrum(x, 48000, { bandHz: [2000, 8000], lowPassHz: 0 })).toThrow(/low-pass/);
  });
});

/** Deterministic noise (xorshift), uniform in [-1, 1). */
function noise(n: number, seed = 7): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}

/**
 * A synthetic bearing: impacts at 107 Hz ringing a 6 kHz resonance (decay 1 ms), a strong 3× shaft
 * (90 Hz) amplitude modulation of a 1.2 kHz tone (the shaft's own line in the envelope), white noise.
 */
function synthetic(fs: number, seconds: number, impactsHz = 107): Float64Array {
  const n = Math.round(fs * seconds);
  const x = noise(n).map((v) => 0.3 * v);
  for (let t0 = 0.001; t0 < seconds; t0 += 1 / impactsHz) {
    const i0 = Math.round(t0 * fs);
    for (let i = i0; i < Math.min(n, i0 + Math.round(0.006 * fs)); i++) {
      const t = (i - i0) / fs;
      x[i] += 1.5 * Math.exp(-t / 0.001) * Math.sin(2 * Math.PI * 6000 * t);
    }
  }
  for (let i = 0; i < n; i++) x[i] += 2 * (1 + 0.9 * Math.cos(2 * Math.PI * 90 * (i / fs))) * Math.sin(2 * Math.PI * 1200 * (i / fs));
  return x;
}

describe('the analyst envelope: band choice, averaging, the envelope peak', () => {
  const fs = 48000;
  const shaftHz = 30;

  it('lists the kurtogram band tree within the limits given', () => {
    const b = kurtogramBands(fs, { minWidthHz: 1000, minLowHz: 1000, maxHighHz: 19200 });
    expect(b).toContainEqual([6000, 12000]);
    expect(b).toContainEqual([16000, 18000]);
    for (const [lo, hi] of b) {
      expect(lo).toBeGreaterThanOrEqual(1000);
      expect(hi).toBeLessThanOrEqual(19200);
      expect(hi - lo).toBeGreaterThanOrEqual(1000);
    }
    expect(b.some(([lo]) => lo === 0)).toBe(false);
  });

  it('chooses a band around the resonance the impacts ring, not the shaft-modulated tone, and finds the impact rate off the shaft lines', () => {
    const x = synthetic(fs, 2);
    const band = selectEnvelopeBand(x, fs, { lowPassHz: 500, shaftHz });
    expect(band.bandHz[0]).toBeLessThanOrEqual(6000);
    expect(band.bandHz[1]).toBeGreaterThanOrEqual(6000);
    expect(band.candidates.length).toBeGreaterThan(10);
    const e = averagedEnvelopeSpectrum(x, fs, { bandHz: band.bandHz, lowPassHz: 500 });
    expect(e.segments).toBe(4);
    const p = envelopePeak(e.amplitude, e.binHz, { fromHz: 2, toHz: 500, shaftHz })!;
    expect(Math.abs(p.hz - 107) / e.binHz).toBeLessThanOrEqual(1);
    expect(p.aboveFloorDb).toBeGreaterThan(10);
    expect(lineAboveFloorDb(e.amplitude, e.binHz, 107, 2, 500)).toBeCloseTo(p.aboveFloorDb, 6);
  });

  it('leaves the shaft harmonics out of the envelope peak: with a band over the shaft-modulated tone the 90 Hz line is highest, the peak is the impacts', () => {
    const x = synthetic(fs, 1);
    const e = averagedEnvelopeSpectrum(x, fs, { bandHz: [1000, 8000], lowPassHz: 500 });
    expect(Math.abs(peakBin(e.amplitude, e.binHz, 2, 500) * e.binHz - 90)).toBeLessThanOrEqual(e.binHz);
    const p = envelopePeak(e.amplitude, e.binHz, { fromHz: 2, toHz: 500, shaftHz })!;
    expect(Math.abs(p.hz - 107)).toBeLessThanOrEqual(e.binHz);
    // Without a speed nothing is left out.
    expect(Math.abs(envelopePeak(e.amplitude, e.binHz, { fromHz: 2, toHz: 500, shaftHz: 0 })!.hz - 90)).toBeLessThanOrEqual(e.binHz);
    expect(onShaftHarmonic(90.5, 1.46, 30)).toBe(true);
    expect(onShaftHarmonic(87.9, 1.46, 30)).toBe(true);
    expect(onShaftHarmonic(86.9, 1.46, 30)).toBe(false);
    expect(onShaftHarmonic(107, 1.46, 30)).toBe(false);
    expect(onShaftHarmonic(10, 1.46, 0)).toBe(false);
  });

  it('averaging keeps the bins of one segment and the height of a steady line, and lowers the floor scatter', () => {
    const x = synthetic(fs, 4);
    const one = averagedEnvelopeSpectrum(x.subarray(0, 32768), fs, { bandHz: [4000, 8000], lowPassHz: 500 });
    const avg = averagedEnvelopeSpectrum(x, fs, { bandHz: [4000, 8000], lowPassHz: 500 });
    expect(one.segments).toBe(1);
    expect(avg.segments).toBe(10);
    expect(avg.binHz).toBe(one.binHz);
    const k = Math.round(107 / avg.binHz);
    const line = (y: Float64Array) => Math.max(y[k - 1], y[k], y[k + 1]);
    expect(line(avg.amplitude) / line(one.amplitude)).toBeGreaterThan(0.8);
    expect(line(avg.amplitude) / line(one.amplitude)).toBeLessThan(1.25);
    // On noise alone, the floor's scatter (its coefficient of variation) falls with the segments averaged.
    const scatter = (y: Float64Array) => {
      const v = Array.from(y.subarray(5));
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) / m;
    };
    const n = noise(4 * fs, 11);
    const nOne = averagedEnvelopeSpectrum(n.subarray(0, 32768), fs, { bandHz: [4000, 8000], lowPassHz: 500 });
    const nAvg = averagedEnvelopeSpectrum(n, fs, { bandHz: [4000, 8000], lowPassHz: 500 });
    expect(scatter(nAvg.amplitude)).toBeLessThan(0.5 * scatter(nOne.amplitude));
  });

  it('on the shipped CWRU inner-race excerpt the view\'s method puts the envelope peak at BPFI within one bin, far above the floor; on the healthy one BPFI does not stand out', () => {
    const bpfi = findBearing('skf-6205-2rs')!.factors.bpfi * SHAFT_HZ;
    const run = (file: string) => {
      const x = column(join(ROOT, file), 'DE_accel');
      const band = selectEnvelopeBand(x, 48000, { lowPassHz: 500, shaftHz: SHAFT_HZ });
      const e = averagedEnvelopeSpectrum(x, 48000, { bandHz: band.bandHz, lowPassHz: 500 });
      return { e, p: envelopePeak(e.amplitude, e.binHz, { fromHz: 2, toHz: 500, shaftHz: SHAFT_HZ })!, line: lineAboveFloorDb(e.amplitude, e.binHz, bpfi, 2, 500) };
    };
    const inner = run('data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
    expect(Math.abs(inner.p.hz - bpfi) / inner.e.binHz).toBeLessThanOrEqual(1);
    expect(inner.line).toBeGreaterThan(20);
    const healthy = run('data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
    expect(healthy.line).toBeLessThan(10);
  });

  it('refuses a snapshot too short in plain words', () => {
    expect(() => selectEnvelopeBand(new Float64Array(10), fs, { lowPassHz: 500, shaftHz })).toThrow(/at least 64 samples/);
    expect(() => averagedEnvelopeSpectrum(new Float64Array(10), fs, { bandHz: [2000, 8000], lowPassHz: 500 })).toThrow(/at least 64 samples/);
  });
});

/**
 * A gearbox-like masking signal (Randall and Antoni 2011, §4.4; Borghesani et al. 2013): 33 harmonics
 * of a 600 Hz mesh, each amplitude-modulated at 47 Hz (a gear's rotation, not a shaft harmonic of
 * 30 Hz), so that every band of the kurtogram's tree holds a tone whose envelope has a 47 Hz line;
 * under it an outer-race defect: impacts at BPFO (107.36 Hz) whose spacing jitters by 1 % (the balls'
 * slip), ringing a 5 kHz resonance (decay 0.8 ms), and white noise.
 */
function maskedBearing(fs: number, seconds: number, impact = 1): Float64Array {
  const n = Math.round(fs * seconds);
  const r = noise(2 * n, 5);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.05 * 1.7 * r[i];
  for (let h = 1; h <= 33; h++) {
    const phase = 3.1 * h;
    for (let i = 0; i < n; i++) x[i] += (1 + 0.5 * Math.cos((2 * Math.PI * 47 * i) / fs)) * Math.cos((2 * Math.PI * h * 600 * i) / fs + phase);
  }
  let t0 = 0;
  let j = n;
  while (t0 < seconds) {
    const i0 = Math.round(t0 * fs);
    for (let i = i0; i < Math.min(n, i0 + Math.round(0.004 * fs)); i++) {
      const t = (i - i0) / fs;
      x[i] += impact * Math.exp(-t / 0.0008) * Math.sin(2 * Math.PI * 5000 * t);
    }
    t0 += (1 / 107.36) * (1 + 0.01 * 1.7 * r[j++ % r.length]);
  }
  return x;
}

describe('cepstrum pre-whitening', () => {
  const fs = 48000;
  const shaftHz = 1797 / 60;
  const bpfo = 107.36;

  it('sets every bin to one magnitude, keeps each phase and the RMS, zeroes the mean', () => {
    const re = Float64Array.from([5, 3, -4, 0, 1, 0, -4, 3]);
    const im = Float64Array.from([0, 4, 3, 0, 0, 0, -3, -4]);
    const power = [1, 2, 4, 6, 7].reduce((a, k) => a + re[k] * re[k] + im[k] * im[k], 0);
    const before = Array.from(re, (v, k) => Math.atan2(im[k], v));
    cepstrumPrewhiten(re, im);
    expect(re[0]).toBe(0);
    const mags = Array.from(re, (v, k) => Math.hypot(v, im[k]));
    // Bin 3 and bin 5 (magnitude 0) stay 0; the five others share one level, their power the input's (bins 1 … n−1).
    expect(mags[3]).toBe(0);
    expect(mags[5]).toBe(0);
    const level = Math.sqrt(power / 5);
    expect(power).toBe(101);
    for (const k of [1, 2, 4, 6, 7]) expect(mags[k]).toBeCloseTo(level, 12);
    for (const k of [1, 2, 4, 6, 7]) expect(Math.atan2(im[k], re[k])).toBeCloseTo(before[k], 12);
  });

  it('with strong discrete tones masking an outer-race defect, the envelope peak is the tones\' 47 Hz modulation without it and BPFO with it', () => {
    const x = maskedBearing(fs, 2);
    const plain = selectEnvelopeBand(x, fs, { lowPassHz: 500, shaftHz });
    const e0 = averagedEnvelopeSpectrum(x, fs, { bandHz: plain.bandHz, lowPassHz: 500 });
    const p0 = envelopePeak(e0.amplitude, e0.binHz, { fromHz: 2, toHz: 500, shaftHz })!;
    expect(Math.abs(p0.hz - 47) / e0.binHz).toBeLessThanOrEqual(1);
    expect(lineAboveFloorDb(e0.amplitude, e0.binHz, bpfo, 2, 500)).toBeLessThan(10);

    const white = selectEnvelopeBand(x, fs, { lowPassHz: 500, shaftHz, whiten: true });
    const e1 = averagedEnvelopeSpectrum(x, fs, { bandHz: white.bandHz, lowPassHz: 500, whiten: true });
    const p1 = envelopePeak(e1.amplitude, e1.binHz, { fromHz: 2, toHz: 500, shaftHz })!;
    expect(Math.abs(p1.hz - bpfo) / e1.binHz).toBeLessThanOrEqual(1);
    expect(p1.aboveFloorDb).toBeGreaterThan(15);
    // The band chosen from the whitened signal holds the 5 kHz resonance.
    expect(white.bandHz[0]).toBeLessThanOrEqual(5000);
    expect(white.bandHz[1]).toBeGreaterThanOrEqual(5000);
    // Whitening alone over one wide band finds it too (the literature's use), and the plain envelope of that band does not.
    const wide: [number, number] = [1000, 19200];
    const w1 = averagedEnvelopeSpectrum(x, fs, { bandHz: wide, lowPassHz: 500, whiten: true });
    expect(Math.abs(envelopePeak(w1.amplitude, w1.binHz, { fromHz: 2, toHz: 500, shaftHz })!.hz - bpfo) / w1.binHz).toBeLessThanOrEqual(1);
    const w0 = averagedEnvelopeSpectrum(x, fs, { bandHz: wide, lowPassHz: 500 });
    expect(Math.abs(envelopePeak(w0.amplitude, w0.binHz, { fromHz: 2, toHz: 500, shaftHz })!.hz - bpfo) / w0.binHz).toBeGreaterThan(1);
  });

  it('envelopeSpectrum with whiten gives the same spectrum as whitening by hand before it', () => {
    const x = maskedBearing(fs, 0.7).subarray(0, 32768);
    const a = envelopeSpectrum(x, fs, { bandHz: [3000, 6000], lowPassHz: 500, whiten: true });
    const re = Float64Array.from(x);
    const im = new Float64Array(x.length);
    fftInPlace(re, im);
    cepstrumPrewhiten(re, im);
    // Back to the time domain (conjugate trick), then the plain envelope.
    for (let i = 0; i < im.length; i++) im[i] = -im[i];
    fftInPlace(re, im);
    const y = re.map((v) => v / re.length);
    const b = envelopeSpectrum(y, fs, { bandHz: [3000, 6000], lowPassHz: 500 });
    let worst = 0;
    for (let k = 1; k < a.amplitude.length; k++) worst = Math.max(worst, Math.abs(a.amplitude[k] - b.amplitude[k]));
    expect(worst).toBeLessThan(1e-9 * Math.max(...a.amplitude));
    // And it is not the unwhitened spectrum.
    const c = envelopeSpectrum(x, fs, { bandHz: [3000, 6000], lowPassHz: 500 });
    expect(Math.abs(c.amplitude[Math.round(bpfo / c.binHz)] - a.amplitude[Math.round(bpfo / a.binHz)])).toBeGreaterThan(1e-3);
  });

  it('can rank the bands by spectral kurtosis instead of the envelope SNR', () => {
    const x = maskedBearing(fs, 1);
    const k = selectEnvelopeBand(x, fs, { lowPassHz: 500, shaftHz, criterion: 'kurtosis' });
    expect(k.kurtosis).toBe(Math.max(...k.candidates.map((c) => c.kurtosis)));
    const s = selectEnvelopeBand(x, fs, { lowPassHz: 500, shaftHz });
    expect(s.snrDb).toBe(Math.max(...s.candidates.map((c) => c.snrDb)));
  });
});

describe('bearings', () => {
  it('computes the CWRU factors of the 6205-2RS and 6203-2RS from their geometry (within 2e-4 relative: the published figures carry 4 to 5 digits)', () => {
    for (const id of ['skf-6205-2rs', 'skf-6203-2rs']) {
      const b = findBearing(id)!;
      const g = defectFactors(b.geometry!);
      for (const k of ['bpfo', 'bpfi', 'bsf', 'ftf'] as const) expect(Math.abs(g[k] - b.factors[k]) / b.factors[k], `${id} ${k}`).toBeLessThan(2e-4);
    }
  });

  it('keeps the identities of the formulas for every entry of the table', () => {
    expect(BEARINGS.length).toBeGreaterThanOrEqual(5);
    for (const b of BEARINGS) {
      const { bpfo, bpfi, ftf } = b.factors;
      const z = b.geometry!.balls;
      expect(bpfo + bpfi, b.id).toBeCloseTo(z, 2); // z(1−r)/2 + z(1+r)/2 = z
      expect(bpfo / ftf, b.id).toBeCloseTo(z, 1);
      expect(b.source.length).toBeGreaterThan(20);
    }
  });

  it('takes a contact angle and refuses impossible geometry in plain words', () => {
    const flat = defectFactors({ balls: 16, ballDiameter: 0.331, pitchDiameter: 2.815, contactAngleDeg: 0 });
    const angled = defectFactors({ balls: 16, ballDiameter: 0.331, pitchDiameter: 2.815, contactAngleDeg: 15.17 });
    expect(angled.bpfo).toBeGreaterThan(flat.bpfo);
    expect(angled.bpfo * (2000 / 60)).toBeCloseTo(236.4, 1); // the IMS rig's BPFO at 2000 rpm (Qiu et al. 2006: 236.4 Hz)
    expect(() => defectFactors({ balls: 9, ballDiameter: 2, pitchDiameter: 1, contactAngleDeg: 0 })).toThrow(/smaller than the pitch/);
    expect(() => defectFactors({ balls: 2.5, ballDiameter: 1, pitchDiameter: 5, contactAngleDeg: 0 })).toThrow(/whole number/);
    expect(() => defectFactors({ balls: 9, ballDiameter: 1, pitchDiameter: 5, contactAngleDeg: 95 })).toThrow(/contact angle/);
  });
});

describe('markers', () => {
  it('places shaft harmonics and defect frequencies at the running speed, sorted, within the range', () => {
    const f = findBearing('skf-6205-2rs')!.factors;
    const m = markerPositions(SHAFT_HZ, f, { shaftHarmonics: 5, defectHarmonics: 2, maxHz: 400 });
    expect(m.filter((x) => x.kind === 'shaft').map((x) => x.label)).toEqual(['1×', '2×', '3×', '4×', '5×']);
    expect(m.find((x) => x.label === 'BPFI')!.hz).toBeCloseTo(162.19, 2);
    expect(m.find((x) => x.label === 'BPFO')!.hz).toBeCloseTo(107.36, 2);
    expect(m.find((x) => x.label === 'FTF')!.hz).toBeCloseTo(11.93, 2);
    expect(m.find((x) => x.label === '2×BSF')!.hz).toBeCloseTo(141.17, 2);
    expect(m.every((x) => x.hz <= 400)).toBe(true);
    for (let i = 1; i < m.length; i++) expect(m[i].hz).toBeGreaterThanOrEqual(m[i - 1].hz);
    expect(markerPositions(0, f)).toEqual([]);
    expect(markerPositions(SHAFT_HZ, null).every((x) => x.kind === 'shaft')).toBe(true);
  });
});

describe('peak matching and speed in a name', () => {
  it('names the marker a line sits at, preferring a defect frequency to a shaft harmonic', () => {
    const m = markerPositions(SHAFT_HZ, findBearing('skf-6205-2rs')!.factors);
    expect(matchPeak(161.13, 1.465, m).marker?.label).toBe('BPFI');
    expect(matchPeak(161.13, 1.465, m).offsetBins).toBeCloseTo((161.13 - 5.4152 * SHAFT_HZ) / 1.465, 6);
    expect(matchPeak(59.9, 1.465, m).marker?.label).toBe('2×');
    expect(matchPeak(75, 1.465, m).marker).toBeNull();
    // 3×FTF (35.8 Hz) and nothing else within a bin of 35.5 Hz.
    expect(matchPeak(35.5, 1, m).marker?.label).toBe('3×FTF');
    expect(rpmInText('cwru_inner_race_007mil_0hp_1797rpm_48k_1s')).toBe(1797);
    expect(rpmInText('pump 1480 rpm')).toBe(1480);
    expect(rpmInText('no speed here')).toBeNull();
  });
});
