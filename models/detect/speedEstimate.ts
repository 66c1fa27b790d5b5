/**
 * Shaft speed from the vibration spectrum, to measure whether a node could do without being told
 * its speed (docs/detection.md). A harmonic sum: the averaged power spectrum of `segmentLen`-sample
 * Hann segments (half overlap), and for every candidate shaft frequency f in [loHz, hiHz] the sum
 * over h = 1..harmonics of log P(h f) (linear interpolation between bins). The best candidate wins.
 *
 * Resolution needs long segments: the node's 1024-sample window has bins of fs/1024 (19.5 Hz at
 * 20 kHz, 47 Hz at 48 kHz), wider than the shaft frequencies themselves (13 to 30 Hz here).
 */
import { fftInPlace } from '../features';

export interface SpeedEstimateOptions {
  segmentLen?: number;
  loHz?: number;
  hiHz?: number;
  harmonics?: number;
  stepHz?: number;
}

/** Averaged one-sided power spectrum of Hann-windowed, half-overlapping segments (arbitrary scale). */
export function averagedSpectrum(x: ArrayLike<number>, segmentLen: number): Float64Array {
  if (!(segmentLen >= 8 && (segmentLen & (segmentLen - 1)) === 0)) throw new RangeError(`segment length ${segmentLen} must be a power of two >= 8`);
  if (x.length < segmentLen) throw new RangeError(`${x.length} samples are fewer than one ${segmentLen}-sample segment`);
  const p = new Float64Array(segmentLen / 2 + 1);
  const re = new Float64Array(segmentLen);
  const im = new Float64Array(segmentLen);
  let segments = 0;
  for (let s = 0; s + segmentLen <= x.length; s += segmentLen / 2) {
    let mean = 0;
    for (let i = 0; i < segmentLen; i++) mean += x[s + i];
    mean /= segmentLen;
    for (let i = 0; i < segmentLen; i++) {
      re[i] = (x[s + i] - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / segmentLen));
      im[i] = 0;
    }
    fftInPlace(re, im);
    for (let k = 0; k < p.length; k++) p[k] += re[k] * re[k] + im[k] * im[k];
    segments++;
  }
  for (let k = 0; k < p.length; k++) p[k] /= segments;
  return p;
}

/** The harmonic-sum estimate of the shaft frequency, Hz. */
export function estimateShaftHz(x: ArrayLike<number>, sampleRateHz: number, options: SpeedEstimateOptions = {}): number {
  const { segmentLen = 16384, loHz = 5, hiHz = 60, harmonics = 8, stepHz = 0.05 } = options;
  if (!(loHz > 0 && hiHz > loHz && hiHz * harmonics < sampleRateHz / 2)) throw new RangeError(`search range ${loHz} to ${hiHz} Hz with ${harmonics} harmonics does not fit below ${sampleRateHz / 2} Hz`);
  const p = averagedSpectrum(x, segmentLen);
  const binHz = sampleRateHz / segmentLen;
  const logP = p.map((v) => Math.log(v + 1e-30));
  const at = (hz: number) => {
    const b = hz / binHz;
    const k = Math.floor(b);
    return logP[k] + (b - k) * (logP[k + 1] - logP[k]);
  };
  let best = loHz;
  let bestSum = -Infinity;
  for (let f = loHz; f <= hiHz; f += stepHz) {
    let s = 0;
    for (let h = 1; h <= harmonics; h++) s += at(h * f);
    if (s > bestSum) {
      bestSum = s;
      best = f;
    }
  }
  return best;
}
