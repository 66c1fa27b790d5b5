#include "dense_unfused.h"

#include <stddef.h>

#include "fixedpoint.h"

/* Each pass is its own operator (noinline): the compiler may not merge them back into one loop
 * body, which would be the fused kernel again. */
__attribute__((noinline)) void nn_dense_unfused_mac(const nn_dense_t *l, const int8_t *x, int32_t *acc)
{
    for (size_t o = 0; o < l->out_dim; o++) {
        const int8_t *w = l->weights + o * l->in_dim;
        int32_t a = 0;
        for (size_t i = 0; i < l->in_dim; i++) { /* the inner loop of nn_dense_s8_ref */
            a += (int32_t)w[i] * x[i];
        }
        acc[o] = a;
    }
}

__attribute__((noinline)) void nn_dense_unfused_bias(const nn_dense_t *l, int32_t *acc)
{
    for (size_t o = 0; o < l->out_dim; o++) {
        acc[o] += l->channel[o].bias;
    }
}

__attribute__((noinline)) void nn_dense_unfused_requant(const nn_dense_t *l, int32_t *acc)
{
    for (size_t o = 0; o < l->out_dim; o++) {
        const nn_channel_t *c = &l->channel[o];
        acc[o] = (l->single_rounding ? nn_mbqm_single_s32(acc[o], c->multiplier, (int)c->shift)
                                     : nn_mbqm_s32(acc[o], c->multiplier, (int)c->shift)) +
                 l->z_y;
    }
}

__attribute__((noinline)) void nn_dense_unfused_clamp(const nn_dense_t *l, const int32_t *acc, int8_t *y)
{
    for (size_t o = 0; o < l->out_dim; o++) {
        int32_t v = acc[o];
        if (v < l->act_min) {
            v = l->act_min;
        }
        if (v > 127) {
            v = 127;
        }
        y[o] = (int8_t)v;
    }
}

void nn_dense_s8_unfused(const nn_dense_t *l, const int8_t *x, int8_t *y, int32_t *acc)
{
    nn_dense_unfused_mac(l, x, acc);
    nn_dense_unfused_bias(l, acc);
    nn_dense_unfused_requant(l, acc);
    nn_dense_unfused_clamp(l, acc, y);
}
