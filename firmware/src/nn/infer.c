#include "infer.h"

#include <string.h>

#include "../proto/le.h"

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* The model's arrays are little-endian and 4-aligned in the blob (model-format §2): on a
 * little-endian core one load each. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline float blob_f32(const uint8_t *p)
{
    float v;
    memcpy(&v, p, sizeof v);
    return v;
}
#else
static inline float blob_f32(const uint8_t *p)
{
    return proto_get_f32le(p);
}
#endif

size_t nn_net_channels(const nn_model_t *m)
{
    size_t n = 0;
    for (size_t l = 0; l < m->layer_count; l++) {
        n += m->layer[l].out_dim;
    }
    return n;
}

size_t nn_net_scratch_bytes(const nn_model_t *m)
{
    /* q_in | activation A | activation B | int16 input copy, each 4-aligned */
    return ALIGN8(m->input_dim) + 2u * ALIGN8(m->max_width) + NN_DENSE_SCRATCH_BYTES(m->max_width);
}

vigil_status_t nn_net_prepare(nn_net_t *net, const nn_model_t *m, nn_channel_t *channels, size_t cap)
{
    if (nn_net_channels(m) > cap) {
        return VIGIL_ERR_LIMIT;
    }
    net->model = m;
    int32_t z_x = m->z_in;
    nn_channel_t *c = channels;
    for (size_t l = 0; l < m->layer_count; l++) {
        const nn_layer_view_t *lv = &m->layer[l];
        /* sum_i w[o][i] of every row, into the bias words first (|sum| <= 127 x 1024 fits) */
        for (size_t o = 0; o < lv->out_dim; o++) {
            c[o].bias = 0;
        }
        if (lv->mask == NULL) {
            for (size_t k = 0; k < (size_t)lv->out_dim * lv->in_dim; k++) {
                c[k / lv->in_dim].bias += lv->weights[k];
            }
        } else { /* block-sparse (§2.4.1): the stored blocks, row pair by row pair */
            const int8_t *q = lv->weights;
            for (size_t k = 0; k < (size_t)(lv->out_dim / 2u) * lv->mask_words; k++) {
                for (uint32_t bits = proto_get_u32le(&lv->mask[4u * k]); bits != 0u; bits &= bits - 1u, q += 8) {
                    for (size_t t = 0; t < 8u; t++) {
                        c[2u * (k / lv->mask_words) + t / 4u].bias += q[t];
                    }
                }
            }
        }
        for (size_t o = 0; o < lv->out_dim; o++) {
            /* bias'[o] = bias[o] - z_x sum_i w[o][i] (docs/model-format.md §1.2): the same integers. */
            const int64_t sum_w = c[o].bias;
            const int64_t folded = (int64_t)(int32_t)proto_get_u32le(&lv->bias[4 * o]) - (int64_t)z_x * sum_w;
            if (folded < INT32_MIN || folded > INT32_MAX) {
                return VIGIL_ERR_INVALID;
            }
            c[o].bias = (int32_t)folded;
            c[o].multiplier = (int32_t)proto_get_u32le(&lv->multiplier[4 * o]);
            c[o].shift = (int32_t)proto_get_u32le(&lv->shift[4 * o]);
        }
        net->layer[l] = (nn_dense_t){
            .weights = lv->weights,
            .channel = c,
            .in_dim = lv->in_dim,
            .out_dim = lv->out_dim,
            .z_y = lv->z_y,
            .act_min = lv->relu ? (lv->z_y > -128 ? lv->z_y : -128) : -128,
            .single_rounding = m->single_rounding,
            .mask = lv->mask,
            .mask_words = lv->mask_words,
        };
        c += lv->out_dim;
        z_x = lv->z_y;
    }
    return VIGIL_OK;
}

/* §1.1 for one feature: the definition. */
static inline int8_t quantize_one_ref(float x, float mean, float in_mul, int32_t z_in)
{
    /* Two f32 operations in this order; the build keeps them unfused (-std=c11 has no FP
     * contraction). */
    const float t = (x - mean) * in_mul;
    int32_t r;
    if (!(t == t)) {
        r = 0;
    } else if (t > 1000.0f) {
        r = 1000;
    } else if (t < -1000.0f) {
        r = -1000;
    } else {
        /* roundf without libm: |t| <= 1000, so t - trunc(t) is exact. Half away from zero. */
        r = (int32_t)t;
        const float frac = t - (float)r;
        r += (frac >= 0.5f) - (frac <= -0.5f);
    }
    r += z_in;
    return (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
}

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FP)
#include <arm_acle.h>
/*
 * The same on the Cortex-M4F, without a branch: VCVT (round toward zero) turns NaN into 0 and
 * saturates out-of-range values, as the definition's first branches do. With i2 = trunc(2t)
 * (2t is exact), round-half-away(t) = (i2 + [i2 >= 0]) >> 1: for i2 = 2k or 2k + 1 >= 0 that is k
 * resp. k + 1, and for negative i2 the arithmetic shift rounds down, which is away from zero.
 * SSAT to 12 bits first keeps the sum from overflowing; any |r| >= 1000 saturates int8 anyway.
 */
static inline int8_t quantize_one(float x, float mean, float in_mul, int32_t z_in)
{
    const float t = (x - mean) * in_mul;
    const float t2 = t + t;
    float bits;
    __asm("vcvt.s32.f32 %0, %1" : "=t"(bits) : "t"(t2));
    int32_t i2;
    memcpy(&i2, &bits, sizeof i2);
    i2 = __ssat(i2, 12);
    const int32_t r = (i2 + 1 + (i2 >> 31)) >> 1;
    return (int8_t)__ssat(r + z_in, 8);
}
#else
#define quantize_one quantize_one_ref
#endif

void nn_quantize_input(const nn_model_t *m, const float *x, int8_t *q)
{
    for (size_t i = 0; i < m->input_dim; i++) {
        q[i] = quantize_one(x[i], blob_f32(&m->mean[4 * i]), blob_f32(&m->in_mul[4 * i]), m->z_in);
    }
}

/* The layers and the error, from q_in already in scratch. */
static uint32_t forward(const nn_net_t *net, uint8_t *scratch, const int8_t **q_out)
{
    const nn_model_t *m = net->model;
    const int8_t *qi = (const int8_t *)scratch;
    int8_t *buf[2] = {(int8_t *)scratch + ALIGN8(m->input_dim),
                      (int8_t *)scratch + ALIGN8(m->input_dim) + ALIGN8(m->max_width)};
    int16_t *wide = (int16_t *)(void *)(scratch + ALIGN8(m->input_dim) + 2u * ALIGN8(m->max_width));
    const int8_t *cur = qi;
    for (size_t l = 0; l < m->layer_count; l++) {
        int8_t *out = buf[l & 1u];
        nn_dense_s8(&net->layer[l], cur, out, wide);
        cur = out;
    }
    uint32_t sumsq = 0;
    for (size_t i = 0; i < m->input_dim; i++) {
        const int32_t d = (int32_t)cur[i] - qi[i];
        sumsq += (uint32_t)(d * d);
    }
    if (q_out != NULL) {
        *q_out = cur;
    }
    return sumsq;
}

uint32_t nn_net_run(const nn_net_t *net, const float *x, uint8_t *scratch, const int8_t **q_in,
                    const int8_t **q_out)
{
    nn_quantize_input(net->model, x, (int8_t *)scratch);
    if (q_in != NULL) {
        *q_in = (const int8_t *)scratch;
    }
    return forward(net, scratch, q_out);
}

float nn_score_f32(const nn_model_t *m, uint32_t sumsq)
{
    return (float)sumsq * m->s_in * m->s_in / (float)m->input_dim;
}

vigil_status_t nn_net_selftest(const nn_net_t *net, uint8_t *scratch)
{
    const nn_model_t *m = net->model;
    int8_t *qi = (int8_t *)scratch;
    for (size_t i = 0; i < m->input_dim; i++) { /* the input straight from the blob (§2.6) */
        qi[i] = quantize_one(blob_f32(&m->selftest_input[4 * i]), blob_f32(&m->mean[4 * i]),
                             blob_f32(&m->in_mul[4 * i]), m->z_in);
    }
    if (memcmp(qi, m->selftest_q_in, m->input_dim) != 0) {
        return VIGIL_ERR_SELFTEST;
    }
    const int8_t *qo;
    const uint32_t sumsq = forward(net, scratch, &qo);
    if (sumsq != m->selftest_sumsq || memcmp(qo, m->selftest_q_out, m->input_dim) != 0) {
        return VIGIL_ERR_SELFTEST;
    }
    return VIGIL_OK;
}
