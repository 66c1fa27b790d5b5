/*
 * The integer arithmetic of TFLite's int8 kernels (docs/model-format.md §1.2;
 * tensorflow/lite/kernels/internal/common.h, gemmlowp fixedpoint.h), bit-exact with
 * models/nn/fixedpoint.ts. Inline: the dense kernels call them once per output channel.
 */
#ifndef NN_FIXEDPOINT_H
#define NN_FIXEDPOINT_H

#include <stdint.h>

/*
 * SaturatingRoundingDoublingHighMul. gemmlowp adds 2^30 (or 1 - 2^30 for a negative product) and
 * divides by 2^31 truncating toward zero; for a negative product that equals floor((ab + 2^30) /
 * 2^31) as well (ceil(N / D) = floor((N + D - 1) / D)), so one arithmetic shift of ab + 2^30 is
 * exact in every case but the saturating one. On the Cortex-M4 this is SMLAL with a preset
 * accumulator (CMSIS-NN's arm_nn_doubling_high_mult_no_sat is the same identity). GCC's >> on a
 * negative int64_t is arithmetic (documented implementation-defined behaviour, C11 6.5.7p5).
 */
static inline int32_t nn_srdhm_s32(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * b + (1 << 30)) >> 31);
}

/* RoundingDivideByPOT: x / 2^exponent rounded half away from zero, 0 <= exponent <= 31. */
static inline int32_t nn_rdbpot_s32(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((1ull << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier for the shifts a version-1 model holds (-31 <= shift <= 0). */
static inline int32_t nn_mbqm_s32(int32_t x, int32_t multiplier, int shift)
{
    return nn_rdbpot_s32(nn_srdhm_s32(x, multiplier), -shift);
}

/*
 * MultiplyByQuantizedMultiplier as current TFLite / LiteRT computes it (TFLITE_SINGLE_ROUNDING in
 * tensorflow/lite/kernels/internal/common.cc): one rounding of the 64-bit product, ties toward
 * +infinity. With -31 <= shift <= 0 the sum stays below 2^62 + 2^61: no int64 overflow, and the
 * result fits int32 because the multiplier is below 2^31.
 */
static inline int32_t nn_mbqm_single_s32(int32_t x, int32_t multiplier, int shift)
{
    const int total_shift = 31 - shift;
    const int64_t round = (int64_t)1 << (total_shift - 1);
    return (int32_t)(((int64_t)x * multiplier + round) >> total_shift);
}

#endif /* NN_FIXEDPOINT_H */
