/*
 * The fused int8 dense layer: y = clamp(requantize(bias + W x) + z_y, act_min, 127), TFLite's
 * fully-connected int8 scheme (docs/model-format.md §1.2), in one pass per output pair.
 *
 * Two implementations with one signature, held to the same golden vectors (the TFLM /
 * CMSIS-NN habit): nn_dense_s8_ref, plain C, the definition; nn_dense_s8, which on a core with the
 * DSP extension (Cortex-M4: SMLAD, SXTB16) takes four weights per load and two outputs per pass,
 * and elsewhere is the reference. The SIMD kernel implements the double rounding only; a layer
 * with single rounding (the model's flag) runs the reference on every core.
 *
 * A block-sparse layer (mask != NULL, docs/model-format.md §2.4.1) runs the same arithmetic over the
 * stored 2x4 blocks only, skipping the others (they are zero): in the reference, and on the
 * Cortex-M4 in dense_m4.S (nn_dense_sparse_m4). The integer sums are the dense ones.
 */
#ifndef NN_DENSE_H
#define NN_DENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per output channel, prepared once at load (nn/infer.c): the contiguous words the kernel loads. */
typedef struct {
    int32_t bias;       /* bias[o] - z_x * sum_i w[o][i]: the input zero point folded in */
    int32_t multiplier; /* Q31, 0 or 2^30 .. 2^31 - 1 */
    int32_t shift;      /* -31 .. 0 */
} nn_channel_t;

typedef struct {
    const int8_t *weights;      /* dense: out_dim rows of in_dim, row-major; block-sparse: the stored
                                 * 2x4 blocks, 8 bytes each (row 2r's four, then row 2r + 1's) */
    const nn_channel_t *channel;
    uint16_t in_dim;
    uint16_t out_dim;
    int32_t z_y;                /* output zero point */
    int32_t act_min;            /* -128, or max(-128, z_y) for ReLU */
    bool single_rounding;       /* requantize with nn_mbqm_single_s32, else nn_mbqm_s32 (§1.2) */
    const uint8_t *mask;        /* block-sparse (§2.4.1): per row pair, mask_words little-endian u32,
                                 * bit 31 - (c mod 32) of word c / 32 set = column block c stored;
                                 * NULL = dense. Block-sparse needs in_dim % 4 == 0, out_dim even. */
    uint16_t mask_words;
} nn_dense_t;

/*
 * x: in_dim int8 inputs; y: out_dim outputs. scratch: NN_DENSE_SCRATCH_BYTES(in_dim), 8-aligned
 * (the SIMD version's int16 copy of x; unused by the reference). Every multiplier must be 0 or
 * 2^30 .. 2^31 - 1 and every shift -31 .. 0, as nn_model_parse guarantees.
 */
void nn_dense_s8_ref(const nn_dense_t *l, const int8_t *x, int8_t *y);
void nn_dense_s8(const nn_dense_t *l, const int8_t *x, int8_t *y, int16_t *scratch);

/* Bytes of scratch nn_dense_s8 needs for in_dim inputs. */
#define NN_DENSE_SCRATCH_BYTES(in_dim) ((((size_t)(in_dim) + 3u) & ~(size_t)3u) * 2u)

#endif /* NN_DENSE_H */
