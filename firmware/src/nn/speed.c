/* The speed-aware detector in node form: see speed.h and docs/model-format.md §2.9. */
#include "speed.h"

#include <math.h>
#include <string.h>

#include "../dsp/log10.h"
#include "../proto/le.h"

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#endif

#define LOG10_E 0.43429448190325182765f
#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

static bool pos_finite(float x)
{
    return x > 0.0f && x <= 3.4028234663852886e38f;
}

/* The section's f32 fields, 4-aligned in the blob: one load on a little-endian core. */
static inline float rd_f32(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    float v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return proto_get_f32le(p);
#endif
}

size_t nn_speed_section_size(uint32_t dim, uint32_t knots)
{
    const size_t j = knots > 1u ? knots - 1u : 1u;
    return 32u + 4u * (size_t)dim + (size_t)knots * (4u + 4u * (size_t)dim) +
           j * PAD4(8u * (size_t)dim + 2u * (size_t)dim * dim);
}

vigil_status_t nn_speed_check(const uint8_t *sec, size_t len, uint16_t input_dim)
{
    nn_speed_t s;
    return nn_speed_parse(&s, sec, len, input_dim);
}

vigil_status_t nn_speed_parse(nn_speed_t *s, const uint8_t *sec, size_t len, uint16_t input_dim)
{
    if (s == NULL || sec == NULL || ((uintptr_t)sec & 3u) != 0u) {
        return VIGIL_ERR_ARG;
    }
    if (len < 32u || memcmp(sec, "VSPD", 4) != 0) {
        return VIGIL_ERR_INVALID;
    }
    const uint32_t d = proto_get_u16le(&sec[4]);
    const uint32_t k = sec[6];
    if (d != input_dim || k < 1u || k > NN_SPEED_MAX_KNOTS || len != nn_speed_section_size(d, k) || sec[7] != 0u ||
        proto_get_u16le(&sec[14]) != 0u || proto_get_u32le(&sec[28]) != 0u) {
        return VIGIL_ERR_INVALID;
    }
    memset(s, 0, sizeof *s);
    s->dim = (uint16_t)d;
    s->knots = (uint8_t)k;
    s->smoothing = rd_f32(&sec[8]);
    s->warmup = proto_get_u16le(&sec[12]);
    s->span_tolerance = rd_f32(&sec[16]);
    s->interp_scale = rd_f32(&sec[20]);
    s->threshold = rd_f32(&sec[24]);
    if (!(s->smoothing > 0.0f && s->smoothing <= 1.0f) || !(s->span_tolerance == 0.0f || pos_finite(s->span_tolerance)) ||
        !(s->interp_scale == 0.0f || pos_finite(s->interp_scale)) || !pos_finite(s->threshold)) {
        return VIGIL_ERR_INVALID;
    }
    s->in_mul = &sec[32];
    s->knot_size = 4u + 4u * d;
    s->knot = &sec[32u + 4u * d];
    s->block_size = (uint32_t)PAD4(8u * d + 2u * d * d);
    s->block = s->knot + (size_t)k * s->knot_size;
    for (uint32_t i = 0; i < d; i++) {
        if (!pos_finite(rd_f32(&s->in_mul[4u * i]))) {
            return VIGIL_ERR_INVALID;
        }
    }
    float prev = 0.0f;
    for (uint32_t j = 0; j < k; j++) {
        const uint8_t *kn = s->knot + (size_t)j * s->knot_size;
        const float rpm = rd_f32(kn);
        if (!pos_finite(rpm) || !(rpm > prev)) {
            return VIGIL_ERR_INVALID;
        }
        prev = rpm;
        for (uint32_t i = 0; i < d; i++) {
            if (!(fabsf(rd_f32(&kn[4u + 4u * i])) <= 3.4028234663852886e38f)) {
                return VIGIL_ERR_INVALID;
            }
        }
    }
    const uint32_t nb = k > 1u ? k - 1u : 1u;
    for (uint32_t j = 0; j < nb; j++) {
        const uint8_t *bl = s->block + (size_t)j * s->block_size;
        for (uint32_t i = 0; i < d; i++) {
            const float lam = rd_f32(&bl[4u * d + 4u * i]);
            if (!pos_finite(rd_f32(&bl[4u * i])) || !(lam == 0.0f || pos_finite(lam))) {
                return VIGIL_ERR_INVALID;
            }
        }
        const uint8_t *w = &bl[8u * d];
        for (uint32_t i = 0; i < d * d; i++) {
            if (proto_get_u16le(&w[2u * i]) == 0x8000u) {
                return VIGIL_ERR_INVALID;
            }
        }
        for (size_t i = 8u * d + 2u * d * d; i < s->block_size; i++) {
            if (bl[i] != 0u) {
                return VIGIL_ERR_INVALID;
            }
        }
    }
    if (d > NN_SPEED_MAX_DIM) {
        return VIGIL_ERR_LIMIT;
    }
    return VIGIL_OK;
}

void nn_speed_restart(nn_speed_run_t *r)
{
    r->started = false;
}

/* |ln(a / b)| through the node's log10 (the TS twin's lnRatio). */
static float ln_ratio_abs(float a, float b)
{
    return fabsf(dsp_log10_f32(a / b)) / LOG10_E;
}

static int16_t quantise(float t)
{
    if (!(t == t)) {
        return 0;
    }
    if (t > (float)NN_SPEED_Q_MAX) {
        return NN_SPEED_Q_MAX;
    }
    if (t < -(float)NN_SPEED_Q_MAX) {
        return -NN_SPEED_Q_MAX;
    }
    /* round half away from zero, exactly (roundf without the call): |t| < 2^15, so the
       truncation and the fraction t - trunc(t) are exact in binary32 */
    int32_t r = (int32_t)t;
    const float frac = t - (float)r;
    if (frac >= 0.5f) {
        r++;
    } else if (frac <= -0.5f) {
        r--;
    }
    return (int16_t)r;
}

/* sum_i w[i] q[i], exact: |w q| < 2^30, D <= 1024. */
#if defined(__ARM_FEATURE_DSP) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef int32_t pair16_t __attribute__((may_alias)); /* two int16 read as one word (SMLALD) */
#endif
static int64_t dot16(const uint8_t *w, const int16_t *q, uint32_t n)
{
    int64_t acc = 0;
    uint32_t i = 0;
#if defined(__ARM_FEATURE_DSP) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if ((((uintptr_t)w | (uintptr_t)q) & 3u) == 0u) {
        const pair16_t *wp = (const pair16_t *)(const void *)w;
        const pair16_t *qp = (const pair16_t *)(const void *)q;
        for (; i + 8u <= n; i += 8u, wp += 4, qp += 4) {
            acc = (int64_t)__smlald(wp[0], qp[0], (uint64_t)acc);
            acc = (int64_t)__smlald(wp[1], qp[1], (uint64_t)acc);
            acc = (int64_t)__smlald(wp[2], qp[2], (uint64_t)acc);
            acc = (int64_t)__smlald(wp[3], qp[3], (uint64_t)acc);
        }
    }
#endif
    for (; i < n; i++) {
        acc += (int32_t)(int16_t)proto_get_u16le(&w[2u * i]) * (int32_t)q[i];
    }
    return acc;
}

nn_speed_step_t nn_speed_step(const nn_speed_t *s, nn_speed_run_t *r, const float *x, float rpm)
{
    const uint32_t d = s->dim;
    if (r->started && !(rpm > 0.0f && r->last_rpm > 0.0f && ln_ratio_abs(rpm, r->last_rpm) <= s->span_tolerance)) {
        r->started = false;
    }
    if (!r->started) {
        for (uint32_t i = 0; i < d; i++) { /* not memcpy: newlib-nano's copies bytes */
            r->y[i] = x[i];
        }
        r->age = 0;
        r->started = true;
        r->last_rpm = rpm;
    } else {
        const float a = s->smoothing;
        for (uint32_t i = 0; i < d; i++) {
            r->y[i] = r->y[i] + a * (x[i] - r->y[i]);
        }
        if (r->age < 0xFFFFu) {
            r->age++;
        }
    }
    nn_speed_step_t out = {NN_SPEED_UNSEEN, NAN, r->age};

    /* bracket the speed (the TS twin's nodeBracket) */
    const uint32_t nk = s->knots;
    const float first = rd_f32(s->knot);
    const float last = rd_f32(s->knot + (size_t)(nk - 1u) * s->knot_size);
    if (!(rpm > 0.0f) || !(rpm <= 3.4028234663852886e38f) ||
        (rpm < first && ln_ratio_abs(rpm, first) > s->span_tolerance) ||
        (rpm > last && ln_ratio_abs(rpm, last) > s->span_tolerance)) {
        return out;
    }
    uint32_t j = 0;
    float t = 0.0f;
    if (nk > 1u) {
        if (rpm <= first) {
            t = 0.0f;
        } else if (rpm >= last) {
            j = nk - 2u;
            t = 1.0f;
        } else {
            while (j < nk - 2u && rpm > rd_f32(s->knot + (size_t)(j + 1u) * s->knot_size)) {
                j++;
            }
            const float lo = rd_f32(s->knot + (size_t)j * s->knot_size);
            const float hi = rd_f32(s->knot + (size_t)(j + 1u) * s->knot_size);
            t = dsp_log10_f32(rpm / lo) / dsp_log10_f32(hi / lo);
            t = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
        }
    }

    /* residual against the mean expected at this speed, in steps of 1/256 sd */
    const uint8_t *mlo = s->knot + (size_t)j * s->knot_size + 4u;
    const uint8_t *mhi = s->knot + (size_t)(nk > 1u ? j + 1u : j) * s->knot_size + 4u;
    for (uint32_t i = 0; i < d; i++) {
        const float lo = rd_f32(&mlo[4u * i]);
        const float mean = lo + t * (rd_f32(&mhi[4u * i]) - lo);
        r->q[i] = quantise((r->y[i] - mean) * rd_f32(&s->in_mul[4u * i]));
    }
    const float f = nk > 1u ? (s->interp_scale * t) * (1.0f - t) : 0.0f;
    const uint8_t *bl = s->block + (size_t)(nk > 1u ? j : 0u) * s->block_size;
    const uint8_t *w = &bl[8u * d];
    float sum = 0.0f;
    for (uint32_t k = 0; k < d; k++) {
        const int64_t acc = dot16(&w[2u * d * k], r->q, d);
        /* the same rounding either way; the int32 conversion is one instruction, the int64 one a call */
        const float fa = (acc >= INT32_MIN && acc <= INT32_MAX) ? (float)(int32_t)acc : (float)acc;
        const float z = fa * rd_f32(&bl[4u * k]);
        const float g = 1.0f / (1.0f + f * rd_f32(&bl[4u * d + 4u * k]));
        sum = sum + (z * z) * g;
    }
    out.score = sum / (float)d;
    out.state = (r->age >= s->warmup && out.score > s->threshold) ? NN_SPEED_OVER : NN_SPEED_HEALTHY;
    return out;
}
