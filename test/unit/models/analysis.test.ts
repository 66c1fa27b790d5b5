// models/analysis: Welch spectrum against scipy.signal.welch (when python3 with SciPy is installed),
// the envelope spectrum on known signals and on the shipped CWRU inner-race excerpt, the bearing
// table and the marker positions.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BEARINGS,
  defaultEnvelopeOptions,
  defectFactors,
  envelopeSpectrum,
  findBearing,
  markerPositions,
  matchPeak,
  peakBin,
  rpmInText,
  welchSpectrum,
} from '../../../models/analysis/index';
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
