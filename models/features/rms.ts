/**
 * Mean-removed RMS of a window, computed exactly as the firmware does (firmware/src/dsp/rms.c):
 * float32 arithmetic in the same order, so the TS value equals both builds' bit for bit (the
 * firmware never fuses a multiply and an add: -std=c11). The sum of the deviations takes out what
 * the float32 mean missed: ss = sum d^2 - (sum d)^2 / n. Bounds against float64: docs/features.md.
 * Spec: docs/protocol.md section 3.2, field `rms`.
 */
const f = Math.fround;

export function rmsF32(x: ArrayLike<number>, start = 0, n = x.length - start): number {
  if (n <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = f(sum + f(x[start + i]));
  const mean = f(sum / n);
  let acc = 0;
  let sd = 0;
  for (let i = 0; i < n; i++) {
    const d = f(f(x[start + i]) - mean);
    sd = f(sd + d);
    acc = f(acc + f(d * d));
  }
  const ss = f(acc - f(f(sd * sd) / n));
  return ss > 0 ? f(Math.sqrt(f(ss / n))) : 0;
}

/**
 * Slides a window of `windowLen` samples by `hop` over one axis and returns the RMS of every
 * complete window, as the node emits FEATURES: window k covers samples [k*hop, k*hop + windowLen).
 */
export function windowedRmsF32(x: ArrayLike<number>, windowLen: number, hop: number): Float32Array {
  if (!Number.isInteger(windowLen) || !Number.isInteger(hop) || windowLen < 1 || hop < 1 || hop > windowLen) {
    throw new RangeError(`window ${windowLen} / hop ${hop}: need integers with 1 <= hop <= window`);
  }
  const count = x.length < windowLen ? 0 : Math.floor((x.length - windowLen) / hop) + 1;
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) out[k] = rmsF32(x, k * hop, windowLen);
  return out;
}
