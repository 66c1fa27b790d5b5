import { describe, expect, it } from 'vitest';
import { arrangeBands, BAND_FORMS, deflateRaw, inflateRaw, measureBands, restoreBands } from '../../bench/bandPlanes';

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
