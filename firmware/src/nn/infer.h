/*
 * Running a model (docs/model-format.md §1): standardise and quantise the input, the dense int8
 * layers, the squared reconstruction error. Parameters are prepared once at load (the input zero
 * point folded into the bias, per-channel words laid out for the kernel); at run time everything
 * after the input step is integer-only. All memory is the caller's: channel storage
 * (nn_net_channels) and scratch (nn_net_scratch_bytes).
 */
#ifndef NN_INFER_H
#define NN_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "dense.h"
#include "model.h"

typedef struct {
    const nn_model_t *model;
    nn_dense_t layer[NN_LAYERS_MAX];
} nn_net_t;

/* Output channels over all layers: the nn_channel_t entries nn_net_prepare needs. */
size_t nn_net_channels(const nn_model_t *m);

/* Scratch bytes for nn_net_run: q_in, two activation buffers and the kernel's int16 input copy. */
size_t nn_net_scratch_bytes(const nn_model_t *m);

/*
 * Prepares the layers into channels[0 .. nn_net_channels). VIGIL_ERR_LIMIT if cap is smaller,
 * VIGIL_ERR_INVALID if a folded bias does not fit int32 (a model no int32 kernel can run exactly).
 */
VIGIL_NODISCARD vigil_status_t nn_net_prepare(nn_net_t *net, const nn_model_t *m, nn_channel_t *channels,
                                              size_t cap);

/* §1.1: q[i] = clamp(round(f32(f32(x[i] - mean[i]) * in_mul[i])) + z_in, -128, 127). */
void nn_quantize_input(const nn_model_t *m, const float *x, int8_t *q);

/*
 * Runs the model on D raw features x; returns sumsq = sum (q_out - q_in)^2. scratch must be 8-aligned
 * and nn_net_scratch_bytes long. If q_in / q_out are not NULL they receive pointers
 * into scratch (valid until the next run).
 */
uint32_t nn_net_run(const nn_net_t *net, const float *x, uint8_t *scratch, const int8_t **q_in,
                    const int8_t **q_out);

/* The display score: sumsq * s_in^2 / D (f32; decisions use sumsq). */
float nn_score_f32(const nn_model_t *m, uint32_t sumsq);

/* Runs the blob's own self-test vector (§2.6): VIGIL_ERR_SELFTEST unless q_in, q_out and sumsq all
 * equal the stored ones. */
VIGIL_NODISCARD vigil_status_t nn_net_selftest(const nn_net_t *net, uint8_t *scratch);

#endif /* NN_INFER_H */
