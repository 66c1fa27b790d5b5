// Stored band energies (models/dataset/bandCodec.ts): quantized to 2^-11 in log10 energy, then coded
// without further loss. Every value reads back within half a step (2^-12, stated as BAND_MAX_ERROR
// and checked here against a literal), the stored form is the one the reader gives (quantizing again
// changes nothing), values that are not finite or out of range come back bit for bit, and real
// bands (the demo CWRU recordings through models/features, as a node computes them) take less than
// 1.6 bytes a value instead of 4.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BAND_MAX_ERROR, BAND_STEP, decodeBands, encodeBands, storedBandValue } from '../../../../models/dataset/bandCodec';
import { defaultFeatureSpec, extractFeatures } from '../../../../models/features/index';
import { ROOT } from '../../../helpers/firmware';

/** Both axes of a demo CWRU recording (1 s at 48 kHz), as float32 samples. */
function demo(name: string): Float32Array[] {
  const lines = readFileSync(join(ROOT, 'data/demo', name), 'utf8').trim().split(/\r?\n/).slice(1);
  return [0, 1].map((c) => Float32Array.from(lines, (l) => Number(l.split(',')[c])));
}

/** The chunk layout of the bands of `windows` (axis-major per window): series c at [c·n, (c+1)·n). */
function columnMajor(windows: Float32Array[]): Float32Array {
  const n = windows.length;
  const d = windows[0].length;
  const out = new Float32Array(n * d);
  windows.forEach((w, t) => w.forEach((v, c) => (out[c * n + t] = v)));
  return out;
}

/** Real log band energies: 32 per axis and window, 2 axes, from the demo recordings. */
const realBands = () => ['cwru_normal_0hp_1797rpm_48k_1s.csv', 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv'].map((f) => columnMajor(extractFeatures(demo(f), defaultFeatureSpec(48000)).map((w) => w.logBands)));

const roundTrip = (b: Float32Array, n: number) => decodeBands(structuredClone(encodeBands(b, n)), n);
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('stored band energies', () => {
  it('the bound is half of a 2^-11 step', () => {
    expect(BAND_STEP).toBe(1 / 2048);
    expect(BAND_MAX_ERROR).toBe(1 / 4096);
  });

  it('real bands: every value within 2^-12 of the node’s, a multiple of the step, under 1.6 bytes a value', () => {
    for (const bands of realBands()) {
      const n = bands.length / 64;
      expect(n).toBeGreaterThan(80);
      const coded = encodeBands(bands, n);
      const back = decodeBands(coded, n);
      let maxErr = 0;
      let changed = 0;
      for (let i = 0; i < bands.length; i++) {
        const err = Math.abs(back[i] - bands[i]);
        maxErr = Math.max(maxErr, err);
        if (err > 0) changed++;
        expect(Number.isInteger(back[i] * 2048), `value ${i}`).toBe(true);
        expect(back[i]).toBe(storedBandValue(bands[i]));
      }
      expect(maxErr).toBeLessThanOrEqual(1 / 4096);
      // The values really are quantized (not kept as they were) and the errors spread over the step.
      expect(changed).toBeGreaterThan(bands.length * 0.99);
      expect(maxErr).toBeGreaterThan(0.9 / 4096);
      expect(coded.exceptions).toBeNull();
      expect(coded.bits.byteLength / bands.length).toBeLessThan(1.6);
    }
  });

  it('storing what was read back changes nothing (a bundle exported and imported again)', () => {
    const [bands] = realBands();
    const n = bands.length / 64;
    const once = encodeBands(bands, n);
    const twice = encodeBands(decodeBands(once, n), n);
    expect(Array.from(twice.bits)).toEqual(Array.from(once.bits));
    expect(bitsOf(decodeBands(twice, n))).toEqual(bitsOf(decodeBands(once, n)));
  });

  it('NaN (with its payload), ±Infinity, −0 and values out of range come back bit for bit; the rest within the bound', () => {
    const n = 300;
    const b = new Float32Array(2 * n);
    for (let i = 0; i < b.length; i++) b[i] = -6 + Math.sin(i) * 0.7;
    const u = new Uint32Array(b.buffer);
    b[0] = NaN;
    u[5] = 0x7fc01234; // a NaN with a payload
    b[10] = Infinity;
    b[11] = -Infinity;
    b[12] = -0;
    b[13] = 1e6;
    b[n] = -5000; // first value of the second series
    for (let i = 100; i < 164; i++) b[i] = NaN; // a window run without bands
    const back = roundTrip(b, n);
    const bu = new Uint32Array(back.buffer);
    for (const i of [0, 5, 10, 11, 12, 13, n, ...Array.from({ length: 64 }, (_, k) => 100 + k)]) expect(bu[i], `value ${i}`).toBe(u[i]);
    for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i])) expect(Math.abs(back[i] - b[i]), `value ${i}`).toBeLessThanOrEqual(1 / 4096);
  });

  it('large jumps between windows and between series (escapes), small values, and one window', () => {
    const n = 257;
    const b = new Float32Array(3 * n);
    for (let i = 0; i < b.length; i++) b[i] = i % 2 ? 4000 : -4000 + i / 1e4;
    b[2 * n + 1] = 1e-7; // rounds to 0
    b[2 * n + 2] = -1e-7; // rounds to −0, stored as 0
    const back = roundTrip(b, n);
    for (let i = 0; i < b.length; i++) expect(Math.abs(back[i] - b[i]), `value ${i}`).toBeLessThanOrEqual(1 / 4096);
    expect(Object.is(back[2 * n + 2], 0)).toBe(true);
    const one = Float32Array.of(-3.3, -4.4, -5.5);
    expect(Array.from(roundTrip(one, 1)).map((x, i) => Math.abs(x - one[i]) <= 1 / 4096)).toEqual([true, true, true]);
  });

  it('no bands: zero series; a length that is not whole series, or a damaged stream, is an error in words', () => {
    const none = encodeBands(new Float32Array(0), 10);
    expect(none.series).toBe(0);
    expect(decodeBands(none, 10).length).toBe(0);
    expect(() => encodeBands(new Float32Array(7), 2)).toThrow(/not a whole number of series/);
    const [bands] = realBands();
    const n = bands.length / 64;
    const coded = encodeBands(bands, n);
    expect(() => decodeBands({ ...coded, bits: coded.bits.subarray(0, coded.bits.length >> 1) }, n)).toThrow(/end too early: the chunk is damaged/);
    expect(() => decodeBands({ ...coded, stepLog2: 3 }, n)).toThrow(/layout Vigil cannot read/);
  });
});
