/**
 * The analyst's envelope: the band chosen from the signal, the spectrum averaged over the whole
 * snapshot, and "the envelope peak" defined away from the shaft's own lines (docs/analysis.md,
 * "Envelope spectrum").
 *
 * Band selection. The candidate bands are the tree of a fast kurtogram (J. Antoni, "Fast computation
 * of the kurtogram for the detection of transient faults", MSSP 21 (2007) 108–124): 0 .. fs/2 split
 * into 2, 3, 4, 6, 8, 12, 16, 24 … equal bands. A band is a candidate when it is at least twice the
 * low-pass wide (its envelope must hold the lines up to the low-pass), starts at or above twice the
 * low-pass (below that the raw signal's own low-frequency lines beat into the envelope) and ends at
 * or below 0.8 × Nyquist (the anti-alias filter's roll-off). For each candidate both figures are
 * computed: the spectral kurtosis of the band's complex envelope (Antoni's criterion) and the
 * envelope SNR — the highest line of the band's averaged envelope spectrum that is not a shaft
 * harmonic, over the median of that spectrum. The band chosen is the one with the highest envelope
 * SNR: spectral kurtosis rewards any impulsiveness, and a few isolated spikes (electrical
 * interference, a knock) give a band a kurtosis in the hundreds with no repeating line at all; the
 * envelope SNR asks for what the analyst reads, a line that repeats (the idea of the protrugram,
 * T. Barszcz and A. Jabłoński, MSSP 25 (2011) 431–451, on the kurtogram's bands).
 *
 * Averaging. A snapshot longer than one segment (the largest power of two up to one second of
 * samples) is cut into segments with half overlap; the envelope spectra of the segments are averaged
 * in power (the square root of the mean of the squared amplitudes): the bins stay one segment's
 * (1.46 Hz at 48 kHz), the noise floor's scatter falls as more segments are averaged, and a line that
 * repeats through the snapshot keeps its height.
 */
import { median } from '../eval/roc';
import { fftInPlace } from '../features/fft';
import { cepstrumPrewhiten, envelopeSpectrum, type EnvelopeMethod, type EnvelopeSpectrum } from './envelope';
import { floorPow2 } from './spectrum';

/** Samples per averaged segment: the largest power of two up to one second (at least 64). */
export function segmentSamplesFor(sampleRateHz: number): number {
  return Math.max(64, floorPow2(sampleRateHz));
}

export interface AveragedEnvelope extends EnvelopeSpectrum {
  /** Segments averaged (1 when the snapshot is at most one segment long). */
  segments: number;
}

/**
 * The envelope spectrum of the whole snapshot, averaged over segments of segmentSamples with half
 * overlap (power average). A snapshot shorter than one segment is taken whole (its first power of two).
 */
export function averagedEnvelopeSpectrum(
  samples: ArrayLike<number> & { length: number },
  sampleRateHz: number,
  o: { bandHz: [number, number]; lowPassHz: number; method?: EnvelopeMethod; segmentSamples?: number; whiten?: boolean },
): AveragedEnvelope {
  const seg = Math.min(floorPow2(o.segmentSamples ?? segmentSamplesFor(sampleRateHz)), floorPow2(samples.length));
  const sub = (a: number) => (ArrayBuffer.isView(samples) ? (samples as unknown as Float32Array).subarray(a, a + seg) : Array.prototype.slice.call(samples, a, a + seg));
  let acc: Float64Array | null = null;
  let first: EnvelopeSpectrum | null = null;
  let count = 0;
  for (let a = 0; a + seg <= samples.length; a += Math.max(1, seg / 2)) {
    const e = envelopeSpectrum(sub(a), sampleRateHz, { bandHz: o.bandHz, lowPassHz: o.lowPassHz, method: o.method, maxSamples: seg, whiten: o.whiten });
    if (!acc) {
      acc = new Float64Array(e.amplitude.length);
      first = e;
    }
    for (let k = 0; k < acc.length; k++) acc[k] += e.amplitude[k] * e.amplitude[k];
    count++;
  }
  if (!acc || !first) throw new RangeError(`an envelope spectrum needs at least 64 samples; the snapshot has ${samples.length}`);
  for (let k = 0; k < acc.length; k++) acc[k] = Math.sqrt(acc[k] / count);
  return { binHz: first.binHz, amplitude: acc, samplesUsed: Math.min(samples.length, seg + (count - 1) * (seg / 2)), segments: count };
}

/**
 * Bins either side of a shaft harmonic that belong to it: the Hann window's main lobe is two bins
 * each side, so a shaft line between two bins still lifts the bins two away from it.
 */
export const SHAFT_LINE_BINS = 2;

/** True when hz lies within SHAFT_LINE_BINS bins of a shaft harmonic n × shaftHz (n ≥ 1). False when the speed is unknown. */
export function onShaftHarmonic(hz: number, binHz: number, shaftHz: number): boolean {
  if (!(shaftHz > 0)) return false;
  const n = Math.round(hz / shaftHz);
  return n >= 1 && Math.abs(hz - n * shaftHz) <= SHAFT_LINE_BINS * binHz;
}

/** The median of y[a..b] (NaN when empty). */
const medianOf = (y: ArrayLike<number>, a: number, b: number): number => median(Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => y[a + i]));

/** A marker's line "stands out" when it is at least this far above the envelope spectrum's median, dB. */
export const STANDS_OUT_DB = 10;

export interface EnvelopePeak {
  bin: number;
  hz: number;
  value: number;
  /** The median of the envelope spectrum between fromHz and toHz: the level a line stands out of. */
  floor: number;
  /** 20 log10(value / floor). */
  aboveFloorDb: number;
}

/**
 * "The envelope peak": the highest line of the envelope spectrum between fromHz and toHz that is not
 * within two bins (SHAFT_LINE_BINS) of a shaft harmonic (n × shaftHz, n ≥ 1; no bin is left out when shaftHz is 0).
 * Null when no bin is left.
 */
export function envelopePeak(y: ArrayLike<number>, binHz: number, o: { fromHz: number; toHz: number; shaftHz: number }): EnvelopePeak | null {
  const a = Math.max(1, Math.ceil(o.fromHz / binHz));
  const b = Math.min(y.length - 1, Math.floor(o.toHz / binHz));
  let best = -1;
  for (let k = a; k <= b; k++) {
    if (onShaftHarmonic(k * binHz, binHz, o.shaftHz)) continue;
    if (best < 0 || y[k] > y[best]) best = k;
  }
  if (best < 0) return null;
  const floor = medianOf(y, a, b);
  return { bin: best, hz: best * binHz, value: y[best], floor, aboveFloorDb: 20 * Math.log10(y[best] / floor) };
}

/** How far the highest bin within one bin of targetHz stands above the median of fromHz..toHz, in dB. */
export function lineAboveFloorDb(y: ArrayLike<number>, binHz: number, targetHz: number, fromHz: number, toHz: number): number {
  const k0 = Math.round(targetHz / binHz);
  let line = 0;
  for (let k = k0 - 1; k <= k0 + 1; k++) if (k > 0 && k < y.length) line = Math.max(line, y[k]);
  const floor = medianOf(y, Math.max(1, Math.ceil(fromHz / binHz)), Math.min(y.length - 1, Math.floor(toHz / binHz)));
  return 20 * Math.log10(line / floor);
}

export interface BandCandidate {
  bandHz: [number, number];
  /** Spectral kurtosis of the band's complex envelope, E|c|⁴ / (E|c|²)² − 2 (0 for Gaussian noise). */
  kurtosis: number;
  /** The highest non-shaft envelope line over the median of the band's envelope spectrum, dB. */
  snrDb: number;
}

export interface BandChoice {
  bandHz: [number, number];
  snrDb: number;
  kurtosis: number;
  /** Every candidate, in the tree's order (level by level, low band first). */
  candidates: BandCandidate[];
}

/**
 * How selectEnvelopeBand ranks the candidates: 'envelope-snr' (the default, the view's) or
 * 'kurtosis' (Antoni's spectral kurtosis, kept for comparison in the envelope bench).
 */
export type BandCriterion = 'envelope-snr' | 'kurtosis';

/** The kurtogram's band tree: 0..nyq in 2, 3, 4, 6, 8, 12 … parts, down to bands of minWidthHz. */
export function kurtogramBands(sampleRateHz: number, o: { minWidthHz: number; minLowHz: number; maxHighHz: number }): [number, number][] {
  const nyq = sampleRateHz / 2;
  const out: [number, number][] = [];
  for (let level = 1; level <= 12; level++) {
    for (const parts of [2 ** level, 3 * 2 ** (level - 1)]) {
      const bw = nyq / parts;
      if (bw < o.minWidthHz) continue;
      for (let b = 0; b < parts; b++) {
        const lo = b * bw;
        const hi = (b + 1) * bw;
        if (lo >= o.minLowHz - 1e-9 && hi <= o.maxHighHz + 1e-9) out.push([lo, hi]);
      }
    }
  }
  return out;
}

/**
 * Chooses the demodulation band (module comment). Each segment's FFT is taken once; each band's
 * complex envelope is the inverse FFT of its bins moved to 0 Hz (a decimated analytic signal, twice
 * the band's bins long so the envelope's own spectrum up to the band's width is not folded).
 * Falls back to the widest allowed band when no candidate fits (a low sample rate). With `whiten`,
 * each segment's spectrum is cepstrum pre-whitened first (cepstrumPrewhiten), as averagedEnvelopeSpectrum
 * does with the same option.
 */
export function selectEnvelopeBand(
  samples: ArrayLike<number> & { length: number },
  sampleRateHz: number,
  o: { lowPassHz: number; shaftHz: number; segmentSamples?: number; whiten?: boolean; criterion?: BandCriterion },
): BandChoice {
  const nyq = sampleRateHz / 2;
  const seg = Math.min(floorPow2(o.segmentSamples ?? segmentSamplesFor(sampleRateHz)), floorPow2(samples.length));
  if (seg < 64) throw new RangeError(`an envelope spectrum needs at least 64 samples; the snapshot has ${samples.length}`);
  const bands = kurtogramBands(sampleRateHz, { minWidthHz: 2 * o.lowPassHz, minLowHz: 2 * o.lowPassHz, maxHighHz: 0.8 * nyq });
  if (bands.length === 0) {
    const lo = Math.min(2 * o.lowPassHz, nyq / 4);
    return { bandHz: [lo, 0.8 * nyq], snrDb: NaN, kurtosis: NaN, candidates: [] };
  }
  const df = sampleRateHz / seg;
  const spectra = bands.map(() => ({ acc: null as Float64Array | null, binHz: 0, m2: 0, m4: 0, n: 0 }));
  const re = new Float64Array(seg);
  const im = new Float64Array(seg);
  let segments = 0;
  for (let a = 0; a + seg <= samples.length; a += seg / 2) {
    let mean = 0;
    for (let i = 0; i < seg; i++) mean += samples[a + i];
    mean /= seg;
    for (let i = 0; i < seg; i++) {
      re[i] = samples[a + i] - mean;
      im[i] = 0;
    }
    fftInPlace(re, im);
    if (o.whiten) cepstrumPrewhiten(re, im);
    bands.forEach(([lo, hi], j) => {
      const k0 = Math.max(1, Math.ceil(lo / df));
      const k1 = Math.min(seg / 2 - 1, Math.floor(hi / df));
      const nb = k1 - k0 + 1;
      if (nb < 4) return;
      const len = Math.max(64, 2 * 2 ** Math.ceil(Math.log2(nb)));
      const cr = new Float64Array(len);
      const ci = new Float64Array(len);
      // Inverse DFT by conjugation: conj(FFT(conj(X))) / len.
      for (let k = k0; k <= k1; k++) {
        cr[k - k0] = re[k];
        ci[k - k0] = -im[k];
      }
      fftInPlace(cr, ci);
      const env = new Float64Array(len);
      let s2 = 0;
      let s4 = 0;
      let em = 0;
      for (let i = 0; i < len; i++) {
        const p = cr[i] * cr[i] + ci[i] * ci[i];
        s2 += p;
        s4 += p * p;
        env[i] = Math.sqrt(p);
        em += env[i];
      }
      const s = spectra[j];
      s.m2 += s2;
      s.m4 += s4;
      s.n += len;
      // The envelope's spectrum (Hann, mean removed) at the decimated rate len * df.
      em /= len;
      for (let i = 0; i < len; i++) {
        cr[i] = (env[i] - em) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len));
        ci[i] = 0;
      }
      fftInPlace(cr, ci);
      const bins = Math.min(len / 2 + 1, Math.floor(o.lowPassHz / df) + 1);
      if (!s.acc) s.acc = new Float64Array(bins);
      s.binHz = df;
      for (let k = 1; k < bins && k < s.acc.length; k++) s.acc[k] += cr[k] * cr[k] + ci[k] * ci[k];
    });
    segments++;
  }
  const candidates: BandCandidate[] = [];
  bands.forEach((bandHz, j) => {
    const s = spectra[j];
    if (!s.acc || s.n === 0) return;
    const y = s.acc.map((v) => Math.sqrt(v / segments));
    const m2 = s.m2 / s.n;
    const p = envelopePeak(y, s.binHz, { fromHz: Math.max(2, 2 * s.binHz), toHz: o.lowPassHz, shaftHz: o.shaftHz });
    candidates.push({ bandHz, kurtosis: s.m4 / s.n / (m2 * m2) - 2, snrDb: p && p.floor > 0 ? p.aboveFloorDb : -Infinity });
  });
  const score = (c: BandCandidate) => (o.criterion === 'kurtosis' ? c.kurtosis : c.snrDb);
  let best = candidates[0];
  for (const c of candidates) if (score(c) > score(best)) best = c;
  return { bandHz: best.bandHz, snrDb: best.snrDb, kurtosis: best.kurtosis, candidates };
}
