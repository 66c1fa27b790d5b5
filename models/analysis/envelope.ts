/**
 * Envelope spectrum of a raw snapshot, the view that names a bearing fault: each impact of a ball on
 * a defect rings the structure's resonances; band-pass around them, demodulate (the envelope), and
 * the envelope's spectrum shows the impacts' repetition rate — BPFO, BPFI, BSF, FTF — instead of the
 * resonance (R. B. Randall and J. Antoni, "Rolling element bearing diagnostics — A tutorial",
 * Mechanical Systems and Signal Processing 25 (2011) 485–520, §3).
 *
 * Steps: (1) the first power-of-two samples of the snapshot (at most maxSamples); (2) band-pass in
 * the frequency domain; (3) the envelope: 'hilbert' takes the magnitude of the analytic signal
 * (positive band bins doubled, the rest zeroed, inverse FFT), 'rectify' takes |band-passed signal|;
 * (4) low-pass: the envelope's mean is removed, it is Hann-windowed and only its bins up to
 * lowPassHz are kept (an ideal low-pass; the decimation a node would do to get there changes none of
 * those bins). Amplitudes are single-sided, in the input's unit (the Hann window's coherent gain
 * taken out), so a line's height reads as the amplitude of that modulation.
 *
 * Optional, before step (2): cepstrum pre-whitening (`whiten: true`, cepstrumPrewhiten below).
 */
import { fftInPlace } from '../features/fft';
import { floorPow2 } from './spectrum';

export type EnvelopeMethod = 'hilbert' | 'rectify';

export interface EnvelopeOptions {
  /** Band-pass, Hz: the resonance band the impacts excite. */
  bandHz: [number, number];
  /** The envelope spectrum is kept up to this frequency, Hz. */
  lowPassHz: number;
  method?: EnvelopeMethod;
  /** At most this many samples are used (default 131072). */
  maxSamples?: number;
  /** Cepstrum pre-whitening of the samples' spectrum before the band-pass (default false): cepstrumPrewhiten. */
  whiten?: boolean;
}

export interface EnvelopeSpectrum {
  /** Frequency of bin k is k * binHz. */
  binHz: number;
  /** Single-sided amplitude of the envelope, bins 0 .. lowPassHz (bin 0 is the removed mean: 0). */
  amplitude: Float64Array;
  samplesUsed: number;
}

/** Defaults that suit rolling bearings sampled at 12 to 48 kHz (CWRU's resonances lie in 2–8 kHz). */
export function defaultEnvelopeOptions(sampleRateHz: number): EnvelopeOptions {
  const nyq = sampleRateHz / 2;
  const hi = Math.min(8000, 0.9 * nyq);
  const lo = Math.min(2000, hi / 4);
  return { bandHz: [lo, hi], lowPassHz: Math.min(500, lo / 2), method: 'hilbert' };
}

function inverseFft(re: Float64Array, im: Float64Array): void {
  for (let i = 0; i < im.length; i++) im[i] = -im[i];
  fftInPlace(re, im);
  const n = re.length;
  for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] = -im[i] / n;
  }
}

/**
 * Cepstrum pre-whitening (CPW), in place on a full FFT (re, im of n bins): every bin's magnitude set
 * to one value, its phase kept. This is the real cepstrum set to zero except at quefrency 0 (the
 * log-magnitude spectrum replaced by its mean; R. B. Randall and J. Antoni, MSSP 25 (2011) 485–520,
 * §4.4; P. Borghesani, P. Pennacchi, R. B. Randall, N. Sawalhi, R. Ricci, "Application of cepstrum
 * pre-whitening for the diagnosis of bearing faults under variable speed conditions", MSSP 36 (2013)
 * 370–384). Discrete tones (gear mesh, shaft harmonics, electrical lines) shrink to the level of
 * every other bin, while the impacts of a bearing defect, whose spacing jitters by the balls' slip
 * and which are therefore spread over many bins, survive as impulses. The common magnitude is chosen
 * so the whitened signal keeps the RMS of the input (bins 1 … n−1; bin 0, the mean, is set to 0), so
 * amplitudes stay in the input's unit but no longer read as the raw signal's modulation.
 * Bins of magnitude 0 stay 0.
 */
export function cepstrumPrewhiten(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  let power = 0;
  let nonZero = 0;
  for (let k = 1; k < n; k++) {
    const p = re[k] * re[k] + im[k] * im[k];
    power += p;
    if (p > 0) nonZero++;
  }
  re[0] = 0;
  im[0] = 0;
  if (nonZero === 0) return;
  const level = Math.sqrt(power / nonZero);
  for (let k = 1; k < n; k++) {
    const m = Math.hypot(re[k], im[k]);
    if (m > 0) {
      re[k] *= level / m;
      im[k] *= level / m;
    }
  }
}

export function envelopeSpectrum(samples: ArrayLike<number>, sampleRateHz: number, o: EnvelopeOptions): EnvelopeSpectrum {
  const n = floorPow2(Math.min(samples.length, o.maxSamples ?? 131072));
  if (n < 64) throw new RangeError(`an envelope spectrum needs at least 64 samples; the snapshot has ${samples.length}`);
  const [lo, hi] = o.bandHz;
  const nyq = sampleRateHz / 2;
  if (!(lo >= 0 && hi > lo && hi <= nyq)) throw new RangeError(`the band-pass ${lo}–${hi} Hz must lie between 0 and ${nyq} Hz, low edge first`);
  if (!(o.lowPassHz > 0)) throw new RangeError(`the low-pass must be above 0 Hz (got ${o.lowPassHz})`);
  const method = o.method ?? 'hilbert';
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = samples[i];
  fftInPlace(re, im);
  if (o.whiten) cepstrumPrewhiten(re, im);
  const df = sampleRateHz / n;
  for (let k = 0; k < n; k++) {
    // Bin k stands for frequency k * df (k <= n/2) or (k - n) * df (the negative half).
    const f = (k <= n / 2 ? k : n - k) * df;
    const inBand = k !== 0 && f >= lo && f <= hi;
    // Hilbert: the analytic signal keeps positive frequencies, doubled; rectify keeps both halves.
    const g = !inBand ? 0 : method === 'rectify' ? 1 : k < n / 2 ? 2 : 0;
    re[k] *= g;
    im[k] *= g;
  }
  inverseFft(re, im);
  const env = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    env[i] = method === 'rectify' ? Math.abs(re[i]) : Math.hypot(re[i], im[i]);
    mean += env[i];
  }
  mean /= n;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    wsum += w;
    re[i] = (env[i] - mean) * w;
    im[i] = 0;
  }
  fftInPlace(re, im);
  const bins = Math.min(n / 2 + 1, Math.floor(o.lowPassHz / df) + 1);
  const amplitude = new Float64Array(bins);
  for (let k = 1; k < bins; k++) amplitude[k] = (2 * Math.hypot(re[k], im[k])) / wsum;
  return { binHz: df, amplitude, samplesUsed: n };
}

/** The bin of the highest value of `y` (bin k at k * binHz) between fromHz and toHz; -1 when empty. */
export function peakBin(y: ArrayLike<number>, binHz: number, fromHz: number, toHz: number): number {
  const a = Math.max(0, Math.ceil(fromHz / binHz));
  const b = Math.min(y.length - 1, Math.floor(toHz / binHz));
  let best = -1;
  for (let k = a; k <= b; k++) if (best < 0 || y[k] > y[best]) best = k;
  return best;
}
