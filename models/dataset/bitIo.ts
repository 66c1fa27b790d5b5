/**
 * Bit streams for the stored column coders (./bandCodec.ts, ./valueCodec.ts): bits written most
 * significant first, unary codes as runs of one bits. Every read is bounded by the bytes there are:
 * a stream that ends too early is an error in the caller's words, never a value made up.
 */

/** Writes bits into a growing buffer; `finish` pads the last byte with zeros. */
export class BitWriter {
  buf = new Uint8Array(1024);
  len = 0; // bytes filled
  acc = 0; // pending bits, fewer than 8 between writes
  n = 0;
  /** Writes the low `k` bits of `v` (v < 2^k, k ≤ 22), most significant first. */
  private put(v: number, k: number): void {
    this.acc = (this.acc << k) | v; // < 2^(7 + 22): no sign bit
    this.n += k;
    if (this.len + 4 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    while (this.n >= 8) {
      this.n -= 8;
      this.buf[this.len++] = (this.acc >>> this.n) & 0xff;
    }
    this.acc &= (1 << this.n) - 1;
  }
  /** Writes `v` (0 ≤ v < 2^k, k ≤ 26) in k bits, most significant first. */
  write(v: number, k: number): void {
    if (k > 22) {
      this.put(v >>> 13, k - 13);
      this.put(v & 0x1fff, 13);
    } else if (k > 0) this.put(v, k);
  }
  /** `count` one bits (count ≤ 40), then a zero bit unless `stop` is false. */
  unary(count: number, stop: boolean): void {
    if (count > 20) {
      this.put((1 << 20) - 1, 20);
      count -= 20;
    }
    if (stop) this.put(((1 << count) - 1) << 1, count + 1);
    else this.put((1 << count) - 1, count);
  }
  finish(): Uint8Array {
    if (this.n > 0) this.put(0, 8 - this.n);
    return this.buf.slice(0, this.len);
  }
}

export class BitReader {
  pos = 0; // bit position
  private readonly end: number;
  /** `damaged`: the error's words when the stream ends before what is read (the caller's row is damaged). */
  constructor(
    private readonly b: Uint8Array,
    private readonly damaged: string,
  ) {
    this.end = b.length * 8;
  }
  /** The 32 bits from byte `pos >> 3` (zeros past the end). */
  private word(): number {
    const b = this.b;
    const i = this.pos >> 3;
    return ((b[i] << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
  }
  private need(k: number): void {
    if (this.pos + k > this.end) throw new RangeError(this.damaged);
  }
  /** k bits (k ≤ 24). */
  read(k: number): number {
    if (k === 0) return 0;
    this.need(k);
    const v = ((this.word() << (this.pos & 7)) >>> 0) >>> (32 - k);
    this.pos += k;
    return v;
  }
  /** Counts one bits up to `max` (≤ 24), and reads the zero after them when fewer. */
  unary(max: number): number {
    this.need(1);
    const ones = Math.min(max, Math.clz32(~(this.word() << (this.pos & 7))));
    this.need(ones < max ? ones + 1 : ones);
    this.pos += ones < max ? ones + 1 : ones;
    return ones;
  }
}

/**
 * The Rice parameter for the block [from, to) of zigzagged residuals `u`: the cheapest of the ones
 * around log2 of the block's mean (the best k of a geometric source is near it), from 0 to `maxK`.
 * A quotient of `escape` or more costs `escape` ones and `rawBits` (the value written whole). Ties
 * go to the smaller k. Shared by ./bandCodec.ts and ./valueCodec.ts: the choice is part of neither
 * stream (the k is written), so both may change it without a new form.
 */
export function bestRiceK(u: Uint32Array, from: number, to: number, maxK: number, escape: number, rawBits: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += u[i];
  const k0 = Math.max(0, Math.min(maxK, Math.floor(Math.log2(sum / (to - from) + 1))));
  let best = 0;
  let bestBits = Infinity;
  for (let k = Math.max(0, k0 - 2); k <= Math.min(maxK, k0 + 1); k++) {
    const s = 2 ** k;
    let bits = 0;
    for (let i = from; i < to; i++) {
      const q = Math.floor(u[i] / s);
      bits += q >= escape ? escape + rawBits : q + 1 + k;
    }
    if (bits < bestBits) {
      best = k;
      bestBits = bits;
    }
  }
  return best;
}
