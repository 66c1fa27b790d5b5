#include "dense.h"

#include <stdbool.h>
#include <string.h>

#include "fixedpoint.h"

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h> /* __sxtb16: ACLE intrinsics (not CMSIS) */
#endif

/* Requantize one accumulator and clamp (docs/model-format.md §1.2). */
static inline int8_t requant(int32_t acc, const nn_channel_t *c, int32_t z_y, int32_t act_min,
                             bool single_rounding)
{
    int32_t y = (single_rounding ? nn_mbqm_single_s32(acc, c->multiplier, (int)c->shift)
                                 : nn_mbqm_s32(acc, c->multiplier, (int)c->shift)) +
                z_y;
    if (y < act_min) {
        y = act_min;
    }
    if (y > 127) {
        y = 127;
    }
    return (int8_t)y;
}

/* The dense layer (§1.2): one pass per output, bias + W x, requantize, clamp. */
__attribute__((noinline)) static void dense_s8_rows(const nn_dense_t *l, const int8_t *x, int8_t *y)
{
    for (size_t o = 0; o < l->out_dim; o++) {
        const int8_t *w = l->weights + o * l->in_dim;
        int32_t acc = l->channel[o].bias; /* z_x already folded in */
        for (size_t i = 0; i < l->in_dim; i++) {
            acc += (int32_t)w[i] * x[i];
        }
        y[o] = requant(acc, &l->channel[o], l->z_y, l->act_min, l->single_rounding);
    }
}

/* A block-sparse layer (§2.4.1): per output row, the stored blocks of its row pair only (the
 * blocks not stored are zero), columns ascending. The requantization is the dense reference's, on a
 * layer of no inputs whose bias is the accumulator: one copy of it in the image. On the Cortex-M4
 * this runs only for single-rounding models (the SIMD kernel takes the others). */
__attribute__((noinline, cold)) static void dense_s8_sparse_ref(const nn_dense_t *l, const int8_t *x, int8_t *y)
{
    const int8_t *pair = l->weights; /* the first stored block of row pair o / 2 */
    for (size_t o = 0; o < l->out_dim; o++) {
        const int8_t *b = pair + 4u * (o & 1u);
        const uint8_t *mk = l->mask + 4u * (o / 2u) * l->mask_words;
        nn_channel_t acc = l->channel[o];
        for (size_t k = 0; k < l->mask_words; k++, mk += 4) {
            uint32_t m = (uint32_t)mk[0] | (uint32_t)mk[1] << 8 | (uint32_t)mk[2] << 16 | (uint32_t)mk[3] << 24;
            while (m != 0u) {
                const unsigned j = (unsigned)__builtin_clz(m);
                m ^= 0x80000000u >> j;
                const int8_t *xi = x + 128u * k + 4u * j;
                for (size_t t = 0; t < 4u; t++) {
                    acc.bias += (int32_t)b[t] * xi[t];
                }
                b += 8;
            }
        }
        if (o & 1u) {
            pair = b - 4;
        }
        const nn_dense_t one = {NULL, &acc, 0, 1, l->z_y, l->act_min, l->single_rounding, NULL, 0};
        dense_s8_rows(&one, x, &y[o]);
    }
}

void nn_dense_s8_ref(const nn_dense_t *l, const int8_t *x, int8_t *y)
{
    if (l->mask != NULL) {
        dense_s8_sparse_ref(l, x, y);
    } else {
        dense_s8_rows(l, x, y);
    }
}

#if defined(__ARM_FEATURE_DSP)

/*
 * The SIMD kernel (dense_m4.S). Four int8 weights w0 w1 w2 w3 load as one word; SXTB16 gives the
 * halfword pair (w0, w2) and SXTB16 of the word rotated by 8 gives (w1, w3). The inputs are widened
 * once per layer into the matching order (x0, x2), (x1, x3) (CMSIS-NN calls this "q7 to q15
 * reordered"), so two SMLADs do four multiply-accumulates; two output rows share every input load;
 * the requantization is exact (the derivation is in dense_m4.S).
 */
static void widen_reordered(const int8_t *x, size_t n, int16_t *out)
{
    for (size_t i = 0; i + 4u <= n; i += 4u) {
        uint32_t v;
        memcpy(&v, &x[i], sizeof v); /* one LDR: the Cortex-M4 allows unaligned word loads */
        const uint32_t even = __sxtb16(v);                    /* x0, x2 */
        const uint32_t odd = __sxtb16((v >> 8) | (v << 24)); /* x1, x3: SXTB16 ... ROR #8 */
        memcpy(&out[i], &even, 4);
        memcpy(&out[i + 2u], &odd, 4);
    }
}

typedef struct {
    uint32_t pairs;
    uint32_t in;
    int32_t z_y;
} nn_pairs_args_t;
void nn_dense_pairs_m4(const int16_t *xs, const int8_t *w, const nn_channel_t *ch, int8_t *y,
                       const nn_pairs_args_t *a);
void nn_dense_pairs_relu_m4(const int16_t *xs, const int8_t *w, const nn_channel_t *ch, int8_t *y,
                            const nn_pairs_args_t *a);
typedef struct {
    uint32_t pairs;
    uint32_t words;    /* mask words per row pair */
    int32_t z_y;
    const uint8_t *mask;
    uint32_t relu;     /* 0xFFFFFFFF: ReLU floor max(-128, z_y); 0: -128 */
} nn_sparse_args_t;
void nn_dense_sparse_m4(const int16_t *xs, const int8_t *blocks, const nn_channel_t *ch, int8_t *y,
                        const nn_sparse_args_t *a);

void nn_dense_s8(const nn_dense_t *l, const int8_t *x, int8_t *y, int16_t *scratch)
{
    const size_t in = l->in_dim;
    /* The assembly takes widths that are a multiple of 4 and the two floors a layer can have:
     * -128 (no activation) and max(-128, z_y) (ReLU). Anything else runs the reference. */
    const int32_t relu_floor = l->z_y > -128 ? l->z_y : -128;
    const bool relu = l->act_min == relu_floor && l->act_min != -128;
    if ((in & 3u) != 0 || in == 0 || (!relu && l->act_min != -128) || l->single_rounding) {
        nn_dense_s8_ref(l, x, y);
        return;
    }
    widen_reordered(x, in, scratch);
    if (l->mask != NULL) { /* block-sparse: in % 4 == 0 and an even out_dim (the parser checked) */
        const nn_sparse_args_t s = {(uint32_t)(l->out_dim / 2u), l->mask_words, l->z_y, l->mask, relu ? 0xFFFFFFFFu : 0u};
        nn_dense_sparse_m4(scratch, l->weights, l->channel, y, &s);
        return;
    }
    const nn_pairs_args_t a = {(uint32_t)(l->out_dim / 2u), (uint32_t)in, l->z_y};
    if (relu) {
        nn_dense_pairs_relu_m4(scratch, l->weights, l->channel, y, &a);
    } else {
        nn_dense_pairs_m4(scratch, l->weights, l->channel, y, &a);
    }
    if (l->out_dim & 1u) { /* an odd last row: the reference for that one */
        const size_t o = l->out_dim - 1u;
        const nn_dense_t last = {l->weights + o * in, l->channel + o, l->in_dim, 1, l->z_y, l->act_min, false, NULL, 0};
        nn_dense_s8_ref(&last, x, y + o);
    }
}

#else /* no DSP extension: the reference */

void nn_dense_s8(const nn_dense_t *l, const int8_t *x, int8_t *y, int16_t *scratch)
{
    (void)scratch;
    nn_dense_s8_ref(l, x, y);
}

#endif
