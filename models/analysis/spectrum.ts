/**
 * Spectrum of a raw snapshot: Welch's averaged periodogram, as scipy.signal.welch computes it with
 * window='hann' (periodic), detrend='constant', scaling='density', average='mean', a one-sided
 * result. Unlike models/features' welchPsd (one feature window, the node's fixed segment), this
 * takes a whole snapshot of any length and a segment chosen for the view's resolution.
 */
import { fftInPlace } from '../features/fft';
import { hann } from '../features/features';

export interface WelchOptions {
  /** Samples per segment, a power of two from 16 (default 8192; lowered to fit a short snapshot). */
  segmentLen?: number;
  /** Fraction of a segment shared with the next, 0 to 0.75 (default 0.5). */
  overlap?: number;
}

export interface Spectrum {
  /** Frequency of bin k is k * binHz. */
  binHz: number;
  /** One-sided power spectral density, (unit of the input)^2 / Hz, bins 0 .. segmentLen / 2. */
  psd: Float64Array;
  segmentLen: number;
  segments: number;
}

/** The largest power of two that is at most n (0 for n < 1). */
export function floorPow2(n: number): number {
  if (!(n >= 1)) return 0;
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

export function welchSpectrum(x: ArrayLike<number>, sampleRateHz: number, o: WelchOptions = {}): Spectrum {
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz)) throw new RangeError(`the sample rate must be a positive number of Hz (got ${sampleRateHz})`);
  if (x.length < 16) throw new RangeError(`a spectrum needs at least 16 samples; the snapshot has ${x.length}`);
  const want = o.segmentLen ?? 8192;
  if (!Number.isInteger(want) || want < 16 || (want & (want - 1)) !== 0) throw new RangeError(`the segment length must be a power of two from 16 (got ${want})`);
  const overlap = o.overlap ?? 0.5;
  if (!(overlap >= 0 && overlap <= 0.75)) throw new RangeError(`the segment overlap must be from 0 to 0.75 (got ${overlap})`);
  const seg = Math.min(want, floorPow2(x.length));
  const step = Math.max(1, seg - Math.floor(seg * overlap));
  const count = Math.floor((x.length - seg) / step) + 1;
  const half = seg / 2;
  const psd = new Float64Array(half + 1);
  const { w, sumSq } = hann(seg);
  const re = new Float64Array(seg);
  const im = new Float64Array(seg);
  for (let s = 0; s < count; s++) {
    const o0 = s * step;
    let mean = 0;
    for (let i = 0; i < seg; i++) mean += x[o0 + i];
    mean /= seg;
    for (let i = 0; i < seg; i++) {
      re[i] = (x[o0 + i] - mean) * w[i];
      im[i] = 0;
    }
    fftInPlace(re, im);
    for (let k = 0; k <= half; k++) psd[k] += re[k] * re[k] + im[k] * im[k];
  }
  const scale = 1 / (sampleRateHz * sumSq * count);
  for (let k = 0; k <= half; k++) psd[k] *= k === 0 || k === half ? scale : 2 * scale;
  return { binHz: sampleRateHz / seg, psd, segmentLen: seg, segments: count };
}
