// Velocity RMS (docs/features.md, "Velocity RMS"): a sweep of tones at every rate and window the
// project meets, against the analytic value, and the meter's behaviour around it. The C twin runs
// the same sweep (firmware/test/test_velocity.c) and equals this one bit for bit on the golden
// vectors (dsp-parity.test.ts, test_dsp_vectors.c).
import { describe, expect, it } from 'vitest';
import { defaultFeatureSpec, extractFeatures, VelocityMeter, velocityPlan } from '../../../models/features/index';
import { binReading, meterReading, SLOW_TONES, SWEEP_AMPS_G, SWEEP_RATES, SWEEP_TONES, SWEEP_WINDOWS, trueVelocityMmS } from '../../helpers/velocitySweep';

describe('velocity RMS tone sweep (10 Hz .. 1 kHz, within 10 % of a / (2 pi f) / sqrt 2)', () => {
  for (const fs of SWEEP_RATES) {
    it(`${fs} Hz, windows ${SWEEP_WINDOWS.join(' / ')} (hop half a window), ${SWEEP_AMPS_G.join(' / ')} g on 1 g of gravity`, () => {
      let worst = 0;
      for (const windowLen of SWEEP_WINDOWS) {
        for (const f0 of SWEEP_TONES) {
          for (const ampG of SWEEP_AMPS_G) {
            const ratio = meterReading({ fs, windowLen, hop: windowLen / 2, f0, ampG }) / trueVelocityMmS(ampG, f0);
            expect(Math.abs(ratio - 1), `${f0.toFixed(1)} Hz ${ampG} g window ${windowLen}`).toBeLessThan(0.1);
            worst = Math.max(worst, Math.abs(ratio - 1));
          }
        }
      }
      // Measured: 3.4 % worst (10 Hz: the high-pass at 5 Hz, -2.6 %, and the reading ripple); above 15 Hz within 1 %.
      expect(worst).toBeLessThan(0.04);
    });
  }
  it('an odd hop (333 at 26667 Hz: blocks of one sample) and the 2-1000 Hz band of slow machines', () => {
    for (const f0 of SWEEP_TONES) {
      const ratio = meterReading({ fs: 26667, windowLen: 1024, hop: 333, f0, ampG: 1 }) / trueVelocityMmS(1, f0);
      expect(Math.abs(ratio - 1), `${f0.toFixed(1)} Hz`).toBeLessThan(0.05);
    }
    for (const fs of [26667, 48000]) {
      for (const f0 of SLOW_TONES) {
        const ratio = meterReading({ fs, windowLen: 1024, hop: 512, f0, ampG: 1, loHz: 2 }) / trueVelocityMmS(1, f0);
        expect(Math.abs(ratio - 1), `${fs} Hz, ${f0.toFixed(1)} Hz tone, band 2-1000 Hz`).toBeLessThan(0.05);
      }
    }
  });
  it('the specification 1 method (FFT bins of the window) fails the same sweep: 4 % of true at 10 Hz, 37 % at 29.95 Hz', () => {
    const at = (f0: number) => binReading({ fs: 48000, windowLen: 1024, hop: 512, f0, ampG: 1 }) / trueVelocityMmS(1, f0);
    expect(at(10)).toBeLessThan(0.05);
    expect(at(29.95)).toBeLessThan(0.4);
    expect(meterReading({ fs: 48000, windowLen: 1024, hop: 512, f0: 29.95, ampG: 1 }) / trueVelocityMmS(1, 29.95)).toBeCloseTo(1, 1);
  });
});

describe('velocity meter behaviour', () => {
  it('out of band: below the band it falls off (2nd-order high-pass at low / 2)', () => {
    const r = (f0: number) => meterReading({ fs: 26667, windowLen: 1024, hop: 512, f0, ampG: 1 }) / trueVelocityMmS(1, f0);
    expect(r(5)).toBeGreaterThan(0.6);
    expect(r(5)).toBeLessThan(0.8); // -3 dB at 5 Hz
    expect(r(2)).toBeLessThan(0.2);
  });
  it('gravity alone, and a constant level that is not exact in float32, read 0 (to the float32 rounding of the start level)', () => {
    for (const level of [1, 0.7, -9.3]) {
      const x = new Float32Array(48000).fill(level);
      const w = extractFeatures([x], defaultFeatureSpec(48000));
      expect(w.at(-1)!.axes[0].velocityRmsMmS).toBeLessThan(1e-4);
    }
  });
  it('settles: a 30 Hz tone reads within 10 % from 0.3 s on; after it drops to a quarter, within 10 % again 4.5 averaging times later', () => {
    const fs = 26667;
    const plan = velocityPlan(fs, 512, 10, 1000);
    const m = new VelocityMeter(plan);
    const n = fs * 10;
    const x = new Float32Array(n + 1024);
    for (let i = 0; i < x.length; i++) x[i] = 1 + (i < fs * 4 ? 1 : 0.25) * Math.sin((2 * Math.PI * 30 * i) / fs);
    const v1 = trueVelocityMmS(1, 30);
    for (let k = 0; k * 512 + 1024 <= x.length; k++) {
      const v = m.window(x, k * 512, 1024, 512);
      const t = (k * 512 + 1024) / fs;
      if (t > 0.3 && t < 4) expect(Math.abs(v / v1 - 1), `t ${t.toFixed(2)} s`).toBeLessThan(0.1);
      if (t > 8.5) expect(Math.abs(v / (0.25 * v1) - 1), `t ${t.toFixed(2)} s`).toBeLessThan(0.1);
    }
  });
  it('restart forgets everything', () => {
    const plan = velocityPlan(48000, 512, 10, 1000);
    const x = Float32Array.from({ length: 48000 }, (_, i) => Math.sin(i / 50));
    const a = new VelocityMeter(plan);
    const b = new VelocityMeter(plan);
    for (let k = 0; k < 20; k++) a.window(x, k * 512, 1024, 512);
    a.restart();
    for (let k = 20; k < 60; k++) expect(a.window(x, k * 512, 1024, 512)).toBe(b.window(x, k * 512, 1024, 512));
  });
  it('rejects a band or hop it cannot honour, in plain words', () => {
    expect(() => velocityPlan(48000, 512, 0, 1000)).toThrow(/low < high/);
    expect(() => velocityPlan(48000, 512, 1000, 10)).toThrow(/low < high/);
    expect(() => velocityPlan(48000, 0, 10, 1000)).toThrow(/hop/);
    expect(velocityPlan(48000, 512, 10, 1000).decim).toBe(16);
    expect(velocityPlan(26667, 512, 10, 1000).decim).toBe(8);
    expect(velocityPlan(26667, 333, 10, 1000).decim).toBe(1);
    expect(velocityPlan(12000, 512, 10, 1000).decim).toBe(4);
  });
});
