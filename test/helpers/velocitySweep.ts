/**
 * The velocity tone sweep shared by test/unit/models/velocity.test.ts and bench/velocity.ts: sine
 * tones (on 1 g of gravity) through the velocity meter exactly as a node feeds it (the last hop
 * of each window), read after the averaging time has passed, against the analytic value
 * a / (2 pi f) / sqrt(2). The specification 1 method (the window's Welch PSD integrated over its
 * bins) is kept here only to print the "before" column.
 */
import { VelocityMeter, velocityPlan, welchPsd, defaultFeatureSpec } from '../../models/features/index';

export const G_MM_S2 = 9806.65;
/** The rates the project meets: CWRU 12 k and 48 k, IMS 20.48 k, FEMTO 25.6 k, the IIS3DWB's 26.667 k. */
export const SWEEP_RATES = [12000, 20480, 25600, 26667, 48000];
export const SWEEP_WINDOWS = [256, 1024, 4096];
/** 13 log-spaced tones from 10 Hz to 1 kHz. */
export const SWEEP_TONES = Array.from({ length: 13 }, (_, i) => 10 * 100 ** (i / 12));
/** Slow machines (band 2-1000 Hz): 2 Hz to 1 kHz. */
export const SLOW_TONES = Array.from({ length: 9 }, (_, i) => 2 * 500 ** (i / 8));
export const SWEEP_AMPS_G = [0.01, 1, 8];

export function trueVelocityMmS(ampG: number, f0: number): number {
  return (ampG * G_MM_S2) / (2 * Math.PI * f0) / Math.SQRT2;
}

export interface ToneCase {
  fs: number;
  windowLen: number;
  hop: number;
  f0: number;
  ampG: number;
  loHz?: number;
  /** Seconds of signal; the reading is the last window's. Default: 4 averaging times. */
  seconds?: number;
  phase?: number;
}

function tone(c: ToneCase, n: number): Float32Array {
  const w = (2 * Math.PI * c.f0) / c.fs;
  const ph = c.phase ?? 0.3;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 + c.ampG * Math.sin(w * i + ph);
  return x;
}

/** The meter's reading (mm/s) after the tone has run c.seconds, fed as a node feeds it. */
export function meterReading(c: ToneCase): number {
  const lo = c.loHz ?? 10;
  const meter = new VelocityMeter(velocityPlan(c.fs, c.hop, lo, 1000));
  const seconds = c.seconds ?? 40 / lo;
  const windows = Math.max(1, Math.floor((seconds * c.fs - c.windowLen) / c.hop) + 1);
  const x = tone(c, c.windowLen + (windows - 1) * c.hop);
  let v = 0;
  for (let k = 0; k < windows; k++) v = meter.window(x, k * c.hop, c.windowLen, c.hop);
  return v;
}

/** Specification 1: sum over the window's PSD bins in [10, 1000] Hz of P df G^2 / (2 pi f)^2, RMS over 8 windows. */
export function binReading(c: ToneCase): number {
  const spec = defaultFeatureSpec(c.fs, c.windowLen, c.hop, Math.min(32, c.windowLen / 2));
  const x = tone(c, c.windowLen + 7 * c.hop);
  const df = c.fs / c.windowLen;
  let sum2 = 0;
  for (let k = 0; k < 8; k++) {
    const psd = welchPsd(x, k * c.hop, spec);
    let v2 = 0;
    for (let b = Math.max(1, Math.ceil(10 / df)); b < psd.length && b * df <= 1000; b++) v2 += (psd[b] * df * G_MM_S2 ** 2) / (2 * Math.PI * b * df) ** 2;
    sum2 += v2;
  }
  return Math.sqrt(sum2 / 8);
}
