/**
 * How the band energies of a feature chunk are stored (docs/storage.md, "Band energies"). A node
 * sends 32 log10 band energies per axis and window (send_bands, on by default); the chunk holds them
 * column-major (`bands`, Float32Array: series `c` = axis · bandCount + band at [c · count, (c + 1) · count)).
 * As float32 they are 256 bytes a window of a 2-axis node, 13 times the rest of the window. Stored,
 * they are:
 *
 * 1. **quantized** to a fixed step of 2^-11 (0.000488) in log10 energy: `q = round(x · 2^11)`, read
 *    back as `q / 2^11`, which float32 holds exactly (|q| < 2^23). The error is at most half a step,
 *    2^-12 (0.000244 in log10, 0.0024 dB) on every value. Measured on real recordings (CWRU, FEMTO
 *    through models/features), that is 1/8.6 of the finest int8 input step a node model gets for a
 *    band (the model's own quantization, models/nn/quantize.ts: 0.0021 at the smallest) and 1/115 of
 *    the smallest median window-to-window change of a band (0.028): far below what either can see.
 *    The step is fixed (not tuned to any recording), a power of two so the value read back is exact.
 * 2. **coded without loss** (the quantized integers come back exactly): each series is predicted
 *    from its own recent past (an exponential average over about 8 windows; a series' first window
 *    from the previous series' first window), and the prediction errors are written as Rice codes
 *    (Golomb codes of a power of two, as FLAC and lossless JPEG write theirs), in blocks of 64 with
 *    the block's best parameter in 5 bits. A log band energy is close to noise from window to
 *    window, so this is near the entropy of the quantized values (about 11.2 bits a value at this
 *    step on CWRU): 1.4 bytes a value instead of 4.
 *
 * Values that are not finite (NaN: a window whose bands did not arrive; ±Infinity) or out of range
 * (|x| ≥ 4096) are kept exactly, as runs of [first index, count, float32 bits] (`exceptions`), and so is −0.
 * Everything here is synchronous and pure, so a stored chunk is read the same way everywhere
 * (schema upgrades and the bundle planner read chunks inside IndexedDB transactions, where an
 * asynchronous CompressionStream would end the transaction).
 */

import { bestRiceK, BitReader, BitWriter } from './bitIo';

/** log2 of the quantization step: values are stored as multiples of 2^-11 (log10 energy). */
export const BAND_STEP_LOG2 = -11;
/** The step, in log10 energy. */
export const BAND_STEP = 2 ** BAND_STEP_LOG2;
/** The largest difference between a finite band value and the value stored for it: half a step. */
export const BAND_MAX_ERROR = BAND_STEP / 2;
/** |q| below this: q / 2^11 is exact in float32 (24-bit significand), and every sum below stays exact in int32. */
const Q_LIMIT = 2 ** 23;
const BLOCK = 64;
/** Unary quotients of this length or more are an escape: the zigzagged residual follows in 26 bits. */
const ESCAPE = 24;
const RAW_BITS = 26;
const K_BITS = 5;
const MAX_K = 24;

/** What the chunk row keeps of its bands (docs/storage.md, "Feature chunks"). */
export interface CodedBands {
  /** log2 of the step the values were quantized with (BAND_STEP_LOG2 when written). */
  stepLog2: number;
  /** Number of series (axisCount · bandCount); each has `count` values. */
  series: number;
  /** The Rice-coded prediction errors, series after series. */
  bits: Uint8Array;
  /**
   * The values kept exactly (not finite, out of range, −0), as [first index, count, float32 bits]
   * triples: a run of equal values in a series is one triple (a series of NaN: a node that sent
   * fewer bands than its layout). Null when none.
   */
  exceptions: Uint32Array | null;
}

/** The value a band value is stored as (and read back as): a multiple of the step, or itself when it is kept exactly. */
export function storedBandValue(x: number, stepLog2 = BAND_STEP_LOG2): number {
  const s = 2 ** -stepLog2;
  const q = Math.round(x * s);
  return Number.isFinite(x) && Math.abs(q) < Q_LIMIT && !Object.is(x, -0) ? (q === 0 ? 0 : q / s) : Math.fround(x);
}

const zigzag = (r: number) => (r >= 0 ? 2 * r : -2 * r - 1);
const unzigzag = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/*
 * The predictor, the same when writing and reading: a series' first value is predicted by the
 * previous series' first value (0 for the first series); then by (e + 4) >> 3, where e is 8 times an
 * exponential average of the series with weight 1/8 (e = 8 q at the first window, then
 * e − (e >> 3) + q). |q| < 2^23, so |e| < 2^26: exact in int32.
 */

/** Quantizes and codes `bands` (`series` series of `count` values, column-major). */
export function encodeBands(bands: Float32Array, count: number): CodedBands {
  const n = bands.length;
  if (count <= 0 || n % count !== 0) throw new RangeError(`The band energies hold ${n} values, not a whole number of series of ${count} windows.`);
  const series = n / count;
  const s = 2 ** -BAND_STEP_LOG2;
  const ex: number[] = [];
  const bits = new Uint32Array(bands.buffer, bands.byteOffset, n);
  const u = new Uint32Array(count);
  const w = new BitWriter();
  let prevFirst = 0;
  for (let c = 0; c < series; c++) {
    const o = c * count;
    let e = 0;
    for (let t = 0; t < count; t++) {
      const pred = t === 0 ? prevFirst : (e + 4) >> 3;
      const x = bands[o + t];
      let q = Math.round(x * s);
      if (!Number.isFinite(x) || !(Math.abs(q) < Q_LIMIT) || Object.is(x, -0)) {
        const i = o + t;
        const last = ex.length - 3;
        if (last >= 0 && ex[last] + ex[last + 1] === i && ex[last + 2] === bits[i]) ex[last + 1]++;
        else ex.push(i, 1, bits[i]);
        q = pred; // a kept value costs one short code and leaves the prediction as it was
      }
      if (q === 0) q = 0; // a small negative value rounds to −0: stored as 0
      if (t === 0) {
        prevFirst = q;
        e = q * 8;
      } else e = e - (e >> 3) + q;
      u[t] = zigzag(q - pred);
    }
    for (let b = 0; b < count; b += BLOCK) {
      const end = Math.min(count, b + BLOCK);
      const best = bestRiceK(u, b, end, MAX_K, ESCAPE, RAW_BITS);
      w.write(best, K_BITS);
      for (let i = b; i < end; i++) {
        const q = Math.floor(u[i] / 2 ** best);
        if (q >= ESCAPE) {
          w.unary(ESCAPE, false);
          w.write(u[i], RAW_BITS);
        } else {
          w.unary(q, true);
          w.write(u[i] & (2 ** best - 1), best);
        }
      }
    }
  }
  return { stepLog2: BAND_STEP_LOG2, series, bits: w.finish(), exceptions: ex.length > 0 ? Uint32Array.from(ex) : null };
}

/** The band values of a coded chunk of `count` windows (what `encodeBands` was given, each within BAND_MAX_ERROR). */
export function decodeBands(coded: CodedBands, count: number): Float32Array {
  const { series, stepLog2 } = coded;
  if (!Number.isInteger(series) || series < 0 || !Number.isInteger(stepLog2) || stepLog2 > 0 || stepLog2 < -24) {
    throw new RangeError(`The stored band energies have a layout Vigil cannot read (${series} series, step 2^${stepLog2}).`);
  }
  const out = new Float32Array(series * count);
  const s = 2 ** -stepLog2;
  const r = new BitReader(coded.bits, 'The stored band energies end too early: the chunk is damaged.');
  let prevFirst = 0;
  let k = 0;
  for (let c = 0; c < series; c++) {
    const o = c * count;
    let e = 0;
    for (let t = 0; t < count; t++) {
      const pred = t === 0 ? prevFirst : (e + 4) >> 3;
      if (t % BLOCK === 0) k = r.read(K_BITS);
      const q = r.unary(ESCAPE);
      const zz = q >= ESCAPE ? r.read(RAW_BITS - 13) * 8192 + r.read(13) : q * 2 ** k + r.read(k);
      const v = pred + unzigzag(zz);
      if (!(Math.abs(v) < Q_LIMIT)) throw new RangeError('A stored band value is out of range: the chunk is damaged.');
      if (t === 0) {
        prevFirst = v;
        e = v * 8;
      } else e = e - (e >> 3) + v;
      out[o + t] = v / s;
    }
  }
  const ex = coded.exceptions;
  if (ex) {
    const bits = new Uint32Array(out.buffer);
    if (ex.length % 3 !== 0) throw new RangeError('The stored band values kept exactly are not whole runs: the chunk is damaged.');
    for (let i = 0; i < ex.length; i += 3) {
      if (ex[i] + ex[i + 1] > out.length) throw new RangeError('A stored band value lies outside its chunk: the chunk is damaged.');
      bits.fill(ex[i + 2], ex[i], ex[i] + ex[i + 1]);
    }
  }
  return out;
}
