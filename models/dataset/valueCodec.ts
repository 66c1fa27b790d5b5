/**
 * Float32 columns stored without loss (docs/storage.md, "Feature values of the kept minutes"): the
 * scalar feature columns of a chunk (RMS, velocity RMS, score, …) and the min/mean/max columns of
 * the summaries. Every value comes back bit for bit, whatever it is: NaN with its payload, ±∞, −0,
 * denormals. Each value is predicted by the previous one of its series, on float32 bit patterns
 * mapped to ordered integers (so a small change of value is a small difference, across zero too);
 * the difference is zigzagged and written as a Rice code (Golomb of a power of two, as FLAC and
 * lossless JPEG write theirs), in blocks of 64 with the block's best parameter in 5 bits; a
 * difference too far for the block's parameter is an escape with its 32 bits.
 *
 * Why not better: a feature value of real vibration moves by hundreds of thousands of float32 steps
 * from one window to the next (RMS ~0.05 g moves by ~1 %, and the step of float32 there is 4e-9),
 * so most of its low mantissa bits are noise no lossless coder removes: about 20 bits a value is
 * what is left (the storage benchmark's `feature_bytes_per_value_compacted`). Synchronous and pure,
 * as ./bandCodec.ts: a stored row is read the same way inside an IndexedDB transaction.
 *
 * The stored bytes: byte 0 the form (1), bytes 1–4 a check word of the values (`checkWord`,
 * little-endian), then the bit stream. The check turns a damaged row into an error in words instead
 * of wrong values: a Rice stream has no redundancy of its own. It is a multiply-xor hash of the
 * values' u32 bit patterns rather than a CRC-32: one multiplication a value, so reading a day of
 * coded summaries costs what the day view can spend (a CRC's four table steps a value took as long
 * as the decoding), and it still catches every change confined to one value (each step is a
 * bijection of the running word), a changed bit anywhere else with odds of 2⁻³² of a miss.
 */
import { bestRiceK, BitWriter } from './bitIo';

/** The one form written today. */
export const VALUE_FORM = 1;
/** Header bytes: the form and the check word. */
const HEADER = 5;
const BLOCK = 64;
/** Unary quotients of this length or more are an escape: the zigzagged difference follows in 32 bits. */
const ESCAPE = 24;
const K_BITS = 5;
const MAX_K = 31;

/** The bit pattern of a float32 as an integer whose order is the values' order (−NaN < −∞ < … < −0 < +0 < … < +∞ < +NaN). */
const ordered = (bits: number) => (bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0);
/** The inverse of `ordered`. */
const unordered = (o: number) => (o & 0x80000000 ? (o & 0x7fffffff) >>> 0 : ~o >>> 0);
/** A u32 difference (mod 2³²) read as int32 and zigzagged: 0, −1, 1, −2, … → 0, 1, 2, 3, … */
const zigzag = (d: number) => ((d << 1) ^ (d >> 31)) >>> 0;
const unzigzag = (u: number) => (u >>> 1) ^ -(u & 1);

/** The check word of a row's values: h = (h ⊕ v) · 0x9E3779B1 (mod 2³²) over their u32 bit patterns, from the count. */
function checkWord(bits: Uint32Array): number {
  let h = bits.length | 0;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x9e3779b1);
  return h >>> 0;
}

/** The 32 bits of `b` from bit `pos` (at least 25 of them from `b`'s bytes; `b` has zero bytes after its stream). */
function peekBits(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) << (pos & 7);
}

/** The bit patterns of a Float32Array (or of the u32 bits a caller put in one). */
function bitsOf(values: Float32Array): Uint32Array {
  return values.byteOffset % 4 === 0 ? new Uint32Array(values.buffer, values.byteOffset, values.length) : new Uint32Array(values.slice().buffer);
}

/**
 * What a stored row says of values stored within a bound (a chunk's or a summary row's `valueBound`):
 * the scalar columns (indices) whose positive normal values were rounded to LEVEL_MANTISSA_BITS bits
 * of mantissa, each within a relative `maxRelError` of the value written; every other value of those
 * columns (zero, negative, denormal, ±∞, NaN) and every other column, bit for bit. A row without it
 * holds every value bit for bit.
 */
export interface ValueBound {
  maxRelError: number;
  columns: number[];
}

/**
 * Levels stored within a bound (docs/storage.md, "Feature values of the kept minutes"): the bits of a
 * float32 mantissa a level keeps when retention stores it rounded. 13 of 23: every positive normal
 * value comes back within a relative LEVEL_MAX_REL_ERROR of itself.
 */
export const LEVEL_MANTISSA_BITS = 13;
/** The low bits of a rounded level, always zero (23 − LEVEL_MANTISSA_BITS). */
export const LEVEL_DROP_BITS = 23 - LEVEL_MANTISSA_BITS;
/** The largest relative error of a rounded level: half a step of its 13-bit mantissa, 2⁻¹⁴ (6.1e-5, 0.0005 dB). */
export const LEVEL_MAX_REL_ERROR = 2 ** -(LEVEL_MANTISSA_BITS + 1);

/**
 * The float32 bit pattern `bits` rounded to the nearest value with LEVEL_MANTISSA_BITS bits of
 * mantissa (ties to even) when it is a positive normal number; anything else — zero, a negative
 * value, a denormal, ±∞, NaN, or a value the rounding would carry to ∞ — is returned as it is.
 * Idempotent: a rounded value has its low LEVEL_DROP_BITS bits zero and rounds to itself.
 */
export function roundLevelBits(bits: number): number {
  const b = bits >>> 0;
  if (b < 0x00800000 || b >= 0x7f800000) return b;
  const half = (1 << (LEVEL_DROP_BITS - 1)) - 1 + ((b >>> LEVEL_DROP_BITS) & 1);
  const r = ((b + half) & ~((1 << LEVEL_DROP_BITS) - 1)) >>> 0;
  return r >= 0x7f800000 ? b : r;
}

/**
 * A copy of `values` (series of `seriesLength`, column-major) with the series `rounded` lists (by
 * index) rounded by roundLevelBits, the others as they are.
 */
export function roundLevels(values: Float32Array, seriesLength: number, rounded: readonly number[]): Float32Array {
  const out = values.slice();
  const bits = new Uint32Array(out.buffer);
  for (const c of rounded) {
    const from = c * seriesLength;
    if (!Number.isInteger(c) || c < 0 || from + seriesLength > out.length) throw new RangeError(`Series ${c} is not among the ${out.length / seriesLength} series of the values.`);
    for (let i = from; i < from + seriesLength; i++) bits[i] = roundLevelBits(bits[i]);
  }
  return out;
}

/** Bits of an index below `n` (at least 1). */
const indexBits = (n: number) => Math.max(1, Math.ceil(Math.log2(n)));

/** Writes 32 bits. */
function write32(w: BitWriter, v: number): void {
  w.write(v >>> 16, 16);
  w.write(v & 0xffff, 16);
}

/** Elias gamma code of v ≥ 1: ⌊log2 v⌋ zeros, then v in ⌊log2 v⌋ + 1 bits. */
function writeGamma(w: BitWriter, v: number): void {
  const n = 31 - Math.clz32(v);
  for (let left = n; left > 0; left -= Math.min(left, 20)) w.write(0, Math.min(left, 20));
  if (n + 1 > 16) {
    w.write(v >>> 16, n + 1 - 16);
    w.write(v & 0xffff, 16);
  } else w.write(v, n + 1);
}

/**
 * Codes `values`: `values.length / seriesLength` series of `seriesLength` values each (column-major,
 * as a chunk or a summary holds them). A series' first value is predicted by the previous series'
 * first value.
 *
 * `shifts` (one a series, 0 to 23; default none): a series whose values' bit patterns mostly end in
 * that many zero bits (rounded levels, roundLevelBits) is coded without those bits (form 2); a value
 * of such a series that does not end in them (a value kept exact: NaN, zero, a negative value, …) is
 * kept apart with its 32 bits. Either way every value comes back bit for bit: the shift only says
 * which bits are known to be zero. Without shifts the stream is form 1, as before.
 */
export function encodeValues(values: Float32Array, seriesLength: number, shifts?: ArrayLike<number>): Uint8Array {
  const n = values.length;
  if (!Number.isInteger(seriesLength) || seriesLength <= 0 || n % seriesLength !== 0) throw new RangeError(`The feature values hold ${n} values, not a whole number of series of ${seriesLength}.`);
  const series = n / seriesLength;
  if (shifts !== undefined && (shifts.length !== series || Array.prototype.some.call(shifts, (s: number) => !Number.isInteger(s) || s < 0 || s > 23))) {
    throw new RangeError(`The shifts of the feature values must be one whole number from 0 to 23 for each of the ${series} series.`);
  }
  const form = shifts !== undefined && Array.prototype.some.call(shifts, (s: number) => s > 0) ? 2 : 1;
  const bits = bitsOf(values);
  const w = new BitWriter();
  for (let i = 0; i < HEADER; i++) w.write(0, 8);
  const u = new Uint32Array(seriesLength);
  const ib = indexBits(seriesLength);
  let prevFirst = ordered(0);
  for (let o = 0, c = 0; o < n; o += seriesLength, c++) {
    const s = form === 2 ? shifts![c] : 0;
    const mask = s > 0 ? (2 ** s - 1) >>> 0 : 0;
    if (form === 2) {
      w.write(s, 5);
      if (s > 0) {
        const exceptions: number[] = [];
        for (let t = 0; t < seriesLength; t++) if ((ordered(bits[o + t]) & mask) !== 0) exceptions.push(t);
        writeGamma(w, exceptions.length + 1);
        for (const t of exceptions) {
          w.write(t, ib);
          write32(w, bits[o + t]);
        }
      }
    }
    // The stream: each value's ordered bits less the shift; a value kept apart repeats the one before it (a zero difference).
    let prev = s > 0 ? prevFirst >>> s : prevFirst;
    for (let t = 0; t < seriesLength; t++) {
      const full = ordered(bits[o + t]);
      const x = s > 0 ? ((full & mask) !== 0 ? prev : full >>> s) : full;
      u[t] = zigzag((x - prev) | 0);
      prev = x;
      if (t === 0) prevFirst = s > 0 ? (x << s) >>> 0 : x;
    }
    writeBlocks(w, u, seriesLength);
  }
  const out = w.finish();
  out[0] = form;
  new DataView(out.buffer, out.byteOffset).setUint32(1, checkWord(bits), true);
  return out;
}

/** The zigzagged differences of a series as Rice codes, in blocks of BLOCK with each block's parameter in K_BITS. */
function writeBlocks(w: BitWriter, u: Uint32Array, seriesLength: number): void {
  for (let b = 0; b < seriesLength; b += BLOCK) {
    const end = Math.min(seriesLength, b + BLOCK);
    const best = bestRiceK(u, b, end, MAX_K, ESCAPE, 32);
    w.write(best, K_BITS);
    const s = 2 ** best;
    for (let i = b; i < end; i++) {
      const q = Math.floor(u[i] / s);
      if (q >= ESCAPE) {
        w.unary(ESCAPE, false);
        write32(w, u[i]);
      } else {
        w.unary(q, true);
        const r = u[i] - q * s;
        if (best > 16) {
          w.write(Math.floor(r / 65536), best - 16);
          w.write(r & 0xffff, 16);
        } else w.write(r, best);
      }
    }
  }
}

/** Which form a coded row is in: 1 every value as it was given, 2 the same with some series' known zero low bits left out (`encodeValues`' shifts). */
export function valueFormOf(coded: Uint8Array): number {
  return coded.length > 0 ? coded[0] : 0;
}

/** The values `encodeValues` was given, bit for bit: `count` values in series of `seriesLength`. A damaged or truncated row is an error in words. */
export function decodeValues(coded: Uint8Array, count: number, seriesLength: number): Float32Array {
  if (!Number.isInteger(seriesLength) || seriesLength <= 0 || !Number.isInteger(count) || count < 0 || count % seriesLength !== 0) {
    throw new RangeError(`The stored feature values have a layout Vigil cannot read (${count} values in series of ${seriesLength}).`);
  }
  if (!(coded instanceof Uint8Array) || coded.length < HEADER) throw new RangeError('The stored feature values end before their header: the row is damaged.');
  const form = coded[0];
  if (form !== 1 && form !== 2) throw new RangeError(`The stored feature values are in form ${form}, which this version of Vigil cannot read (it reads forms 1 and 2).`);
  const check = new DataView(coded.buffer, coded.byteOffset, coded.byteLength).getUint32(1, true);
  // The stream with zero bytes after it: reads need no bound each (zeros end every unary code, so
  // a damaged stream cannot run away); whether the stream was long enough is checked once, at the end.
  const streamBytes = coded.length - HEADER;
  const b = new Uint8Array(streamBytes + 8);
  b.set(coded.subarray(HEADER));
  const out = new Uint32Array(count);
  const ib = indexBits(seriesLength);
  const tooEarly = () => new RangeError('The stored feature values end too early: the row is damaged.');
  let pos = 0; // bit position
  let prevFirst = ordered(0);
  let k = 0;
  let scale = 1; // 2^k
  for (let o = 0; o < count; o += seriesLength) {
    let s = 0;
    let exceptions: number[] = [];
    if (form === 2) {
      s = peekBits(b, pos) >>> 27;
      pos += 5;
      if (s > 23) throw new RangeError('The stored feature values have a shift no form-2 row can have: the row is damaged.');
      if (s > 0) {
        const zeros = Math.clz32(peekBits(b, pos));
        if (zeros > 24 || pos > streamBytes * 8) throw tooEarly();
        pos += zeros;
        const v = zeros + 1 > 16 ? (peekBits(b, pos) >>> (32 - (zeros + 1 - 16))) * 65536 + (peekBits(b, pos + zeros + 1 - 16) >>> 16) : peekBits(b, pos) >>> (32 - (zeros + 1));
        pos += zeros + 1;
        const m = v - 1;
        if (m > seriesLength) throw new RangeError('The stored feature values list more values kept apart than the series holds: the row is damaged.');
        exceptions = new Array<number>(2 * m);
        for (let e = 0; e < m; e++) {
          const t = peekBits(b, pos) >>> (32 - ib);
          pos += ib;
          const hi = peekBits(b, pos) >>> 16;
          pos += 16;
          exceptions[2 * e] = t;
          exceptions[2 * e + 1] = (hi * 65536 + (peekBits(b, pos) >>> 16)) >>> 0;
          pos += 16;
          if (t >= seriesLength || pos > streamBytes * 8) throw tooEarly();
        }
      }
    }
    let prev = s > 0 ? prevFirst >>> s : prevFirst;
    for (let t = 0; t < seriesLength; t++) {
      if (t % BLOCK === 0) {
        k = peekBits(b, pos) >>> (32 - K_BITS);
        scale = 2 ** k;
        pos += K_BITS;
      }
      const q = Math.min(ESCAPE, Math.clz32(~peekBits(b, pos)));
      let zz: number;
      if (q >= ESCAPE) {
        pos += ESCAPE;
        const hi = peekBits(b, pos) >>> 16;
        pos += 16;
        zz = hi * 65536 + (peekBits(b, pos) >>> 16);
        pos += 16;
      } else {
        pos += q + 1;
        if (k === 0) zz = q;
        else if (k <= 24) {
          zz = q * scale + (peekBits(b, pos) >>> (32 - k));
          pos += k;
        } else {
          const hi = peekBits(b, pos) >>> (32 - (k - 16));
          pos += k - 16;
          zz = q * scale + hi * 65536 + (peekBits(b, pos) >>> 16);
          pos += 16;
        }
      }
      const x = (prev + unzigzag(zz)) >>> 0;
      out[o + t] = unordered(s > 0 ? (x << s) >>> 0 : x);
      prev = x;
      if (t === 0) prevFirst = s > 0 ? (x << s) >>> 0 : x;
    }
    for (let e = 0; e < exceptions.length; e += 2) out[o + exceptions[e]] = exceptions[e + 1];
  }
  if (pos > streamBytes * 8) throw tooEarly();
  // The stream ends within its last byte, and the values are the ones written.
  if ((pos + 7) >> 3 !== streamBytes) throw new RangeError('The stored feature values do not end where their row does: the row is damaged.');
  if (checkWord(out) !== check) throw new RangeError('The stored feature values fail their check: the row is damaged.');
  return new Float32Array(out.buffer);
}
