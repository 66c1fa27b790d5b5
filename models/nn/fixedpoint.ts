/**
 * The integer arithmetic of TFLite's int8 kernels, emulated exactly in JavaScript numbers
 * (docs/model-format.md 1.2; tensorflow/lite/kernels/internal/common.h and gemmlowp's
 * fixedpoint.h). Every function takes and returns int32 values held in JS numbers.
 *
 * The one 64-bit product (SaturatingRoundingDoublingHighMul) is split into two products that
 * float64 holds exactly, so no BigInt is needed on the hot path; `srdhmBigInt` is the
 * straightforward BigInt version the tests compare it with.
 */

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO31 = 2147483648;
const TWO15 = 32768;
const TWO16 = 65536;

/** C's roundf/round: half away from zero (Math.round rounds -2.5 to -2; this gives -3). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** (int64)a*b + nudge, then C division by 2^31 (toward zero), saturating the one overflow case. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // b = bh * 2^16 + bl with 0 <= bl < 2^16: a*bh (< 2^46) and a*bl (< 2^47) are exact in float64.
  const bh = Math.floor(b / TWO16);
  const bl = b - bh * TWO16;
  const hi = a * bh; // ab = hi * 2^16 + lo
  const lo = a * bl;
  const negative = a < 0 !== b < 0 && a !== 0 && b !== 0;
  const nudge = negative ? 1 - (1 << 30) : 1 << 30;
  // hi = hq * 2^15 + hr (0 <= hr < 2^15), so ab + nudge = hq * 2^31 + rem with |rem| < 2^48.
  const hq = Math.floor(hi / TWO15);
  const hr = hi - hq * TWO15;
  const rem = hr * TWO16 + lo + nudge;
  const rq = Math.floor(rem / TWO31);
  let q = hq + rq; // floor((ab + nudge) / 2^31)
  // C truncates toward zero: for a negative numerator with a remainder, floor + 1.
  if (negative && rem - rq * TWO31 !== 0) q += 1;
  return q;
}

/** Reference: the same with BigInt (slow; for tests). */
export function srdhmBigInt(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C does
}

/** Rounding arithmetic right shift, ties away from zero (gemmlowp RoundingDivideByPOT). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent < 0 || exponent > 31) throw new RangeError(`RoundingDivideByPOT exponent ${exponent} outside 0..31`);
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier for shift <= 0 (the only shifts a version-1 file holds). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  if (shift > 0) throw new RangeError(`shift ${shift} > 0 is not used by model format 1`);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -shift);
}

/**
 * MultiplyByQuantizedMultiplier as current TFLite / LiteRT builds it (TFLITE_SINGLE_ROUNDING, the
 * default of its reference kernels; docs/model-format.md 1.2): one rounding of the 64-bit product,
 * (x * m + 2^(30 - shift)) >> (31 - shift), ties toward +infinity, for shift <= 0.
 *
 * Exact in float64: with m = mh * 2^16 + ml, floor((x*m + 2^(t-1)) / 2^t) (t = 31 - shift)
 * = floor((x*mh + floor(x*ml / 2^16) + 2^(t-17)) / 2^(t-16)), every term below 2^47.
 */
export function multiplyByQuantizedMultiplierSingle(x: number, multiplier: number, shift: number): number {
  if (shift > 0 || shift < -31) throw new RangeError(`shift ${shift} outside -31..0 (model format 1)`);
  const t = 31 - shift;
  const mh = Math.floor(multiplier / TWO16);
  const ml = multiplier - mh * TWO16;
  const y = x * mh + Math.floor((x * ml) / TWO16) + 2 ** (t - 17);
  return Math.floor(y / 2 ** (t - 16));
}

/** Reference: the same with BigInt (slow; for tests). */
export function mbqmSingleBigInt(x: number, multiplier: number, shift: number): number {
  const t = BigInt(31 - shift);
  return Number((BigInt(x) * BigInt(multiplier) + (1n << (t - 1n))) >> t); // BigInt >> floors, as C's on int64
}

/**
 * TFLite QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31),
 * from frexp and round-half-away; multipliers below 2^-31 become (0, 0).
 */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (!(real >= 0) || !Number.isFinite(real)) throw new RangeError(`real multiplier ${real} must be finite and >= 0`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  // frexp: real = q * 2^e with 0.5 <= q < 1 (division by a power of two is exact).
  let e = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** e;
  if (q >= 1) {
    q /= 2;
    e += 1;
  } else if (q < 0.5) {
    q *= 2;
    e -= 1;
  }
  let qFixed = roundHalfAway(q * TWO31);
  if (qFixed === TWO31) {
    qFixed /= 2;
    e += 1;
  }
  if (e < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: qFixed, shift: e };
}

export function clampInt(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
