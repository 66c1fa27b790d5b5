import { describe, expect, it } from 'vitest';
import { arrangeBands, BAND_FORMS, bandPrecision, deflateRaw, inflateRaw, INPUT_HEADROOM, measureBands, restoreBands, TRAIN_MIN_STD } from '../../bench/bandPlanes';
import { activationParams } from '../../models/nn/quantize';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/train/autoencoder';

/** Column-major bands of `series` series of `count` windows: a slow walk with the awkward values mixed in. */
function bandsOf(series: number, count: number, seed = 7): Float32Array {
  const b = new Float32Array(series * count);
  let x = seed;
  const rnd = () => (x = (x * 16807) % 2147483647) / 2147483647;
  for (let s = 0; s < series; s++) for (let i = 0; i < count; i++) b[s * count + i] = -5 + s / 4 + rnd() * 0.3;
  b[3] = NaN;
  b[count + 1] = -0;
  b[2 * count] = Infinity;
  b[2 * count + 2] = -Infinity;
  b[b.length - 1] = -12; // log10(1e-12): an empty band
  return b;
}

const bitsOf = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

describe('band byte planes (bench/bandPlanes.ts)', () => {
  it('gives back every band value bit for bit in every form, NaN payloads and -0 included', async () => {
    const b = bandsOf(64, 300);
    // A NaN with a payload of its own.
    new Uint32Array(b.buffer)[10] = 0x7fc01234;
    for (const form of BAND_FORMS) {
      const bytes = arrangeBands(b, 300, form);
      expect(bytes.length).toBe(b.length * 4);
      const z = await deflateRaw(bytes);
      expect(bitsOf(restoreBands(await inflateRaw(z), 300, form))).toEqual(bitsOf(b));
    }
  });

  it('starts every series afresh: a one-window chunk and a subarray come back whole', async () => {
    for (const count of [1, 2, 5]) {
      const b = bandsOf(6, count, 3);
      for (const form of BAND_FORMS) expect(bitsOf(restoreBands(arrangeBands(b, count, form), count, form))).toEqual(bitsOf(b));
    }
    const big = bandsOf(4, 50);
    const sub = big.subarray(50, 150); // two series, not at the buffer's start
    for (const form of BAND_FORMS) expect(bitsOf(restoreBands(arrangeBands(sub, 50, form), 50, form))).toEqual(bitsOf(sub));
  });

  it('puts the sign and exponent bytes first in the planed forms', () => {
    const b = Float32Array.of(1, 2, 4, 8);
    const bytes = arrangeBands(b, 4, 'planes');
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x3f, 0x40, 0x40, 0x41]);
    const x = arrangeBands(Float32Array.of(1, 1, 1, 1), 4, 'xor-planes');
    expect(Array.from(x)).toEqual([0x3f, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('measures chunks without bands as nothing and compresses a slow walk below its stored size', async () => {
    const m = await measureBands([{ bands: null, count: 10 }, { bands: bandsOf(64, 500), count: 500 }]);
    expect(m.chunks).toBe(1);
    expect(m.windows).toBe(500);
    expect(m.rawBytes).toBe(64 * 500 * 4);
    expect(m.exact).toBe(true);
    for (const form of BAND_FORMS) expect(m.compressedBytes[form]).toBeLessThan(m.rawBytes);
  });
});

describe('bandPrecision (how finely bands need storing)', () => {
  it('uses the training floor and headroom, and measures window-to-window change within a series only', () => {
    expect(TRAIN_MIN_STD).toBe(DEFAULT_TRAIN_OPTIONS.minStd);
    expect(INPUT_HEADROOM).toBe(2); // models/nn/quantize.ts: options.inputHeadroom ?? 2
    // Two bands: band 0 alternates 0, 1 (std 0.5, change 1); band 1 constant (std floored at 0.01, change 0).
    const windows = Array.from({ length: 8 }, (_, t) => Float32Array.of(t % 2, 3));
    const series = [0, 0, 0, 0, 1, 1, 1, 1];
    const p = bandPrecision(windows, series, (lo, hi) => activationParams(lo, hi).scale);
    expect(p.windows).toBe(8);
    expect([p.w2wMin, p.w2wMedian]).toEqual([0, 1]);
    // z of band 0 is ±1, widened by 2: scale (2 - -2) / 255; band 0's step 0.5 · scale, band 1's 0.01 · scale.
    const scale = Math.fround(4 / 255);
    expect(p.int8StepMin).toBeCloseTo(0.01 * scale, 12);
    expect(p.int8StepMedian).toBeCloseTo(0.5 * scale, 12);
    // Across a series break the change is not counted: with every window its own series there is none.
    expect(bandPrecision(windows, windows.map((_, i) => i), (lo, hi) => activationParams(lo, hi).scale).w2wMin).toBeNaN();
  });
});
