/**
 * The features of one window of one axis (the twin of firmware/src/dsp/features.c). Definitions:
 * docs/features.md. RMS is computed in float32 exactly as the firmware does (rms.ts), and so is
 * velocity RMS (velocity.ts, a meter with memory across windows); the rest in float64 (the
 * firmware's float32 values agree within the tolerances stated in docs/features.md).
 */
import { fftInPlace } from './fft';
import { rmsF32 } from './rms';
import { type FeatureSpec } from './spec';

export interface AxisFeatures {
  /** Mean-removed RMS, g (float32, bit-identical to the firmware host build). */
  rms: number;
  /** Largest |x - mean|, g (0 for a constant window). */
  peak: number;
  /** peak / rms (0 for a constant window). */
  crest: number;
  /** Pearson kurtosis m4 / m2^2 (3 for Gaussian noise; 0 for a constant window). */
  kurtosis: number;
  /** Velocity RMS over spec.velocityBandHz, mm/s (velocity.ts: integrated in time, averaged over 10 / low-edge seconds). */
  velocityRmsMmS: number;
}

const hannCache = new Map<number, { w: Float64Array; sumSq: number }>();

/** Periodic Hann window, w[n] = 0.5 - 0.5 cos(2 pi n / N) (scipy's get_window('hann', N)). */
export function hann(n: number): { w: Float64Array; sumSq: number } {
  let h = hannCache.get(n);
  if (!h) {
    const w = new Float64Array(n);
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      sumSq += w[i] * w[i];
    }
    h = { w, sumSq };
    hannCache.set(n, h);
  }
  return h;
}

/**
 * One-sided Welch PSD of x[start, start+windowLen), g^2/Hz, bins 0 .. segmentLen/2: segments of
 * segmentLen overlapping by half, each mean-removed and Hann-windowed; density scaling
 * |X|^2 / (fs * sum w^2), doubled except at DC and Nyquist (scipy.signal.welch, detrend='constant').
 */
export function welchPsd(x: ArrayLike<number>, start: number, spec: FeatureSpec, out?: Float64Array): Float64Array {
  const seg = spec.segmentLen;
  const half = seg / 2;
  const psd = out ?? new Float64Array(half + 1);
  psd.fill(0);
  const { w, sumSq } = hann(seg);
  const re = new Float64Array(seg);
  const im = new Float64Array(seg);
  const step = seg / 2;
  const count = spec.windowLen === seg ? 1 : Math.floor((spec.windowLen - seg) / step) + 1;
  for (let s = 0; s < count; s++) {
    const o = start + s * step;
    let mean = 0;
    for (let i = 0; i < seg; i++) mean += x[o + i];
    mean /= seg;
    for (let i = 0; i < seg; i++) {
      re[i] = (x[o + i] - mean) * w[i];
      im[i] = 0;
    }
    fftInPlace(re, im);
    for (let k = 0; k <= half; k++) psd[k] += re[k] * re[k] + im[k] * im[k];
  }
  const scale = 1 / (spec.sampleRateHz * sumSq * count);
  for (let k = 0; k <= half; k++) psd[k] *= k === 0 || k === half ? scale : 2 * scale;
  return psd;
}

const f32 = Math.fround;

/**
 * True when the window is constant as the node sees it: every deviation from the float32 mean
 * (rms.ts) is that mean's own rounding error, so they share one sign and size and their float32 sum
 * exceeds n peak / 2 (features.c finish_time). Real deviations from a mean sum to about 0.
 */
export function isConstantWindow(x: ArrayLike<number>, start: number, n: number): boolean {
  let sum = 0;
  for (let i = 0; i < n; i++) sum = f32(sum + f32(x[start + i]));
  const mean = f32(sum / n);
  let sd = 0;
  let peak2 = 0;
  for (let i = 0; i < n; i++) {
    const d = f32(f32(x[start + i]) - mean);
    sd = f32(sd + d);
    const e = f32(d * d);
    if (e > peak2) peak2 = e;
  }
  const peak = f32(Math.sqrt(peak2));
  return peak === 0 || Math.abs(sd) > f32(f32(0.5 * n) * peak);
}

export function timeFeatures(x: ArrayLike<number>, start: number, n: number): Omit<AxisFeatures, 'velocityRmsMmS'> {
  const rms = rmsF32(x, start, n);
  if (!(rms > 0) || isConstantWindow(x, start, n)) return { rms, peak: 0, crest: 0, kurtosis: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[start + i];
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const d = x[start + i] - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
    const a = Math.abs(d);
    if (a > peak) peak = a;
  }
  return { rms, peak, crest: peak / rms, kurtosis: (n * m4) / (m2 * m2) };
}

/** log10 of the energy (g^2) in each band: sum of P[k] df over the band's bins, plus 1e-12. */
export function logBandEnergies(psd: Float64Array, spec: FeatureSpec, out: Float32Array, offset = 0): void {
  const df = spec.sampleRateHz / spec.segmentLen;
  const e = spec.bandEdges;
  for (let b = 0; b + 1 < e.length; b++) {
    let sum = 0;
    for (let k = e[b]; k < e[b + 1]; k++) sum += psd[k];
    out[offset + b] = Math.log10(sum * df + 1e-12);
  }
}
