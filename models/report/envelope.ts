/**
 * Envelope spectrum of a stored raw snapshot, the view that shows bearing defect frequencies:
 * band-pass the signal in the frequency domain, take the Hilbert envelope (the magnitude of the
 * analytic signal), remove its mean, Hann-window it and keep its spectrum up to a low-pass limit.
 */
import { fftInPlace } from '../features/fft';

export interface EnvelopeOptions {
  bandHz: [number, number];
  lowPassHz: number;
  /** At most this many samples are used (a power of two; the first ones of the snapshot). */
  maxSamples?: number;
}

export interface EnvelopeSpectrum {
  /** Frequency of bin k is k * binHz. */
  binHz: number;
  /** Single-sided amplitude of the envelope, bins 0 .. lowPassHz. */
  amplitude: Float64Array;
  samplesUsed: number;
}

function ifftInPlace(re: Float64Array, im: Float64Array): void {
  for (let i = 0; i < im.length; i++) im[i] = -im[i];
  fftInPlace(re, im);
  const n = re.length;
  for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] = -im[i] / n;
  }
}

export function envelopeSpectrum(samples: ArrayLike<number>, sampleRateHz: number, o: EnvelopeOptions): EnvelopeSpectrum {
  const cap = o.maxSamples ?? 65536;
  let n = 1;
  while (n * 2 <= Math.min(samples.length, cap)) n *= 2;
  if (n < 64) throw new RangeError(`an envelope spectrum needs at least 64 samples; the snapshot has ${samples.length}`);
  const [lo, hi] = o.bandHz;
  if (!(lo >= 0 && hi > lo && hi <= sampleRateHz / 2)) throw new RangeError(`band-pass ${lo}–${hi} Hz must lie between 0 and ${sampleRateHz / 2} Hz`);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = samples[i];
  fftInPlace(re, im);
  // Band-pass and analytic signal together: keep positive bins in the band (doubled), zero the rest.
  const df = sampleRateHz / n;
  for (let k = 0; k < n; k++) {
    const f = k * df;
    const keep = k > 0 && k < n / 2 && f >= lo && f <= hi;
    const g = keep ? 2 : 0;
    re[k] *= g;
    im[k] *= g;
  }
  ifftInPlace(re, im);
  const env = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    env[i] = Math.hypot(re[i], im[i]);
    mean += env[i];
  }
  mean /= n;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    wsum += w;
    re[i] = (env[i] - mean) * w;
    im[i] = 0;
  }
  fftInPlace(re, im);
  const bins = Math.min(n / 2, Math.floor(o.lowPassHz / df) + 1);
  const amplitude = new Float64Array(bins);
  for (let k = 0; k < bins; k++) amplitude[k] = ((k === 0 ? 1 : 2) * Math.hypot(re[k], im[k])) / wsum;
  return { binHz: df, amplitude, samplesUsed: n };
}
