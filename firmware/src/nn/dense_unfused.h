/*
 * The dense layer UNFUSED, for measurement only (the benchmark image and the host tests; never the
 * node image): the textbook / CMSIS-NN-without-fusion pipeline of separate operators, each one pass
 * over the layer's outputs through an int32 scratch buffer,
 *   1. multiply-accumulate: acc[o] = sum_i w[o][i] x[i]        (int32, all out_dim outputs)
 *   2. bias add:            acc[o] += bias[o]                  (the same folded bias as the fused kernel)
 *   3. requantize:          acc[o] = MBQM(acc[o], m[o], s[o]) + z_y   (fixedpoint.h, either rounding)
 *   4. activation / clamp:  y[o] = (int8) clamp(acc[o], act_min, 127)
 * with the same inner multiply-accumulate loop as nn_dense_s8_ref (plain C, not the SIMD kernel), so
 * comparing the two measures fusion alone. The outputs equal nn_dense_s8_ref's bit for bit.
 */
#ifndef NN_DENSE_UNFUSED_H
#define NN_DENSE_UNFUSED_H

#include <stdint.h>

#include "dense.h"

/* int32 scratch bytes the unfused layer needs: one accumulator per output. */
#define NN_DENSE_UNFUSED_SCRATCH_BYTES(out_dim) ((size_t)(out_dim) * sizeof(int32_t))

/* The four passes, one operator each. acc: l->out_dim int32 words. */
void nn_dense_unfused_mac(const nn_dense_t *l, const int8_t *x, int32_t *acc);
void nn_dense_unfused_bias(const nn_dense_t *l, int32_t *acc);
void nn_dense_unfused_requant(const nn_dense_t *l, int32_t *acc);
void nn_dense_unfused_clamp(const nn_dense_t *l, const int32_t *acc, int8_t *y);

/* The four in order: y = the same out_dim int8 as nn_dense_s8_ref(l, x, y). Dense layers only
 * (l->mask == NULL): the fusion measurement is of the dense kernel; block-sparse ones are not timed here. */
void nn_dense_s8_unfused(const nn_dense_t *l, const int8_t *x, int8_t *y, int32_t *acc);

#endif /* NN_DENSE_UNFUSED_H */
