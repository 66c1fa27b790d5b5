import { describe, expect, it } from 'vitest';
import { rmsF32, windowedRmsF32 } from '../../../models/features/rms';

describe('mean-removed RMS (float32, as the firmware computes it)', () => {
  it('known signals', () => {
    expect(rmsF32(new Float32Array(1024).fill(3.5))).toBe(0);
    const square = Float32Array.from({ length: 1024 }, (_, i) => (i % 2 ? 1 : -1) + 2);
    expect(rmsF32(square)).toBe(1);
    const sine = Float32Array.from({ length: 1024 }, (_, i) => Math.sin((2 * Math.PI * 8 * i) / 1024));
    expect(Math.abs(rmsF32(sine) - Math.SQRT1_2)).toBeLessThan(1e-6);
    expect(rmsF32([])).toBe(0);
  });
  it('is a float32 value close to the float64 result', () => {
    let seed = 7;
    const x = Float32Array.from({ length: 1024 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.4);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const ref = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
    const got = rmsF32(x);
    expect(got).toBe(Math.fround(got));
    expect(Math.abs(got - ref) / ref).toBeLessThan(1e-5);
  });
  it('windows slide by hop', () => {
    const x = Float32Array.from({ length: 4096 }, (_, i) => (i < 2048 ? 0 : i % 2 ? 1 : -1));
    const r = windowedRmsF32(x, 1024, 512);
    expect(r.length).toBe(7);
    expect(Array.from(r.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Math.abs(r[3] - Math.SQRT1_2)).toBeLessThan(1e-6); // half silent, half +-1
    expect(Array.from(r.subarray(4))).toEqual([1, 1, 1]);
    expect(windowedRmsF32(x.subarray(0, 1000), 1024, 512).length).toBe(0);
    expect(() => windowedRmsF32(x, 1024, 2048)).toThrow(RangeError);
  });
});
