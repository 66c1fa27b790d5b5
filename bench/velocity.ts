/**
 * velocity: how near velocity RMS is to the truth on sine tones (docs/features.md, "Velocity RMS").
 * 13 log-spaced tones from 10 Hz to 1 kHz, 0.01 / 1 / 8 g on 1 g of gravity, at every rate the
 * project meets and windows of 256 / 1024 / 4096 samples (hop half a window), each read after four
 * averaging times, against a / (2 pi f) / sqrt 2. Also the specification 1 method (the window's FFT
 * bins) on the same tones, for the before/after table. Accuracy, not speed: the instructions per
 * window are in the firmware bench.
 */
import type { BenchResult } from './run';
import { binReading, meterReading, SLOW_TONES, SWEEP_AMPS_G, SWEEP_RATES, SWEEP_TONES, SWEEP_WINDOWS, trueVelocityMmS } from '../test/helpers/velocitySweep';

const pct = (r: number) => `${(100 * r).toFixed(1)} %`;

export async function velocityBench(): Promise<BenchResult> {
  const figures: BenchResult['figures'] = {};
  const targets: BenchResult['targets'] = {};
  let worstAll = 0;
  for (const fs of SWEEP_RATES) {
    let worst = 0;
    let worstV1 = 0;
    for (const windowLen of SWEEP_WINDOWS) {
      for (const f0 of SWEEP_TONES) {
        for (const ampG of SWEEP_AMPS_G) {
          const c = { fs, windowLen, hop: windowLen / 2, f0, ampG };
          const t = trueVelocityMmS(ampG, f0);
          worst = Math.max(worst, Math.abs(meterReading(c) / t - 1));
          if (ampG === 1) worstV1 = Math.max(worstV1, Math.abs(binReading(c) / t - 1));
        }
      }
    }
    figures[`worst_error_pct_${fs}`] = Number((100 * worst).toFixed(2));
    figures[`worst_error_pct_${fs}_spec1`] = Number((100 * worstV1).toFixed(1));
    targets[`worst_error_pct_${fs}`] = '<= 10';
    worstAll = Math.max(worstAll, worst);
  }
  let slow = 0;
  for (const f0 of SLOW_TONES) slow = Math.max(slow, Math.abs(meterReading({ fs: 26667, windowLen: 1024, hop: 512, f0, ampG: 1, loHz: 2 }) / trueVelocityMmS(1, f0) - 1));
  figures.worst_error_pct = Number((100 * worstAll).toFixed(2));
  figures.worst_error_pct_slow_2_1000hz = Number((100 * slow).toFixed(2));
  targets.worst_error_pct = '<= 10 (ISO 20816 velocity, every tone 10 Hz - 1 kHz, rate, window, amplitude)';
  const notes = ['tone (Hz) | 48 kHz / 1024: measured, spec 1 (FFT bins) | 26.667 kHz / 1024: measured, spec 1 — 1 g tones, % of the true value'];
  for (const f0 of [...SWEEP_TONES, 29.95].sort((a, b) => a - b)) {
    const cells = [48000, 26667].map((fs) => {
      const c = { fs, windowLen: 1024, hop: 512, f0, ampG: 1 };
      const t = trueVelocityMmS(1, f0);
      return `${pct(meterReading(c) / t)}, ${pct(binReading(c) / t)}`;
    });
    notes.push(`${f0.toFixed(2).padStart(8)} | ${cells.join(' | ')}`);
  }
  return { name: 'velocity', figures, targets, notes };
}
