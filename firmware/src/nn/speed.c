/* The speed-aware detector in node form: see speed.h and docs/model-format.md §2.9. */
#include "speed.h"

#include <math.h>
#include <string.h>

#include "../dsp/log10.h"
#include "../proto/le.h"

#if NN_SPEED_M4
_Static_assert(sizeof(nn_speed_resid_t) == 40u && offsetof(nn_speed_resid_t, smoothing) == 32u &&
                   offsetof(nn_speed_resid_t, t) == 36u,
               "speed_m4.S reads nn_speed_resid_t as 8 words and 2 floats");
#endif


#define LOG10_E 0.43429448190325182765f
#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

/* dot8 sums D products below 2^22 in an int32 */
_Static_assert(NN_SPEED_MAX_DIM <= 512u, "int8 rows of more than 512 weights could overflow 32 bits");

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

/* Bytes per stored weight: int16 (format 0) or int8 (format 1). */
static size_t w_bytes(uint32_t wfmt)
{
    return wfmt == NN_SPEED_W_I8 ? 1u : 2u;
}

size_t nn_speed_section_size(uint32_t dim, uint32_t knots, uint32_t wfmt)
{
    const size_t j = knots > 1u ? knots - 1u : 1u;
    return 32u + 4u * (size_t)dim + (size_t)knots * (4u + 4u * (size_t)dim) +
           j * PAD4(8u * (size_t)dim + w_bytes(wfmt) * (size_t)dim * dim);
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
    const uint32_t wfmt = sec[7];
    if (d != input_dim || k < 1u || k > NN_SPEED_MAX_KNOTS || wfmt > NN_SPEED_W_I8 ||
        len != nn_speed_section_size(d, k, wfmt) || proto_get_u16le(&sec[14]) != 0u || proto_get_u32le(&sec[28]) != 0u) {
        return VIGIL_ERR_INVALID;
    }
    memset(s, 0, sizeof *s);
    s->dim = (uint16_t)d;
    s->knots = (uint8_t)k;
    s->wfmt = (uint8_t)wfmt;
    s->qperm = wfmt == NN_SPEED_W_I8 && (d & 3u) == 0u;
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
    const size_t wb = w_bytes(wfmt);
    s->block_size = (uint32_t)PAD4(8u * d + wb * d * d);
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
            if (wfmt == NN_SPEED_W_I8 ? w[i] == 0x80u : proto_get_u16le(&w[2u * i]) == 0x8000u) {
                return VIGIL_ERR_INVALID;
            }
        }
        for (size_t i = 8u * d + wb * d * d; i < s->block_size; i++) {
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

static inline __attribute__((always_inline)) int16_t quantise(float t)
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

int16_t nn_speed_quantise(float v)
{
    return quantise(v);
}

/* sum_i w[i] q[i], exact: |w q| < 2^30, D <= 1024. */
static int64_t dot16(const uint8_t *w, const int16_t *q, uint32_t n)
{
    int64_t acc = 0;
    uint32_t i = 0;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Cortex-M4: 8 products per 10 instructions (two LDM pairs, four SMLALD: int16 pairs with a
       64-bit accumulator). Word-aligned rows only (D even; the section is 4-aligned). */
    if ((((uintptr_t)w | (uintptr_t)q) & 3u) == 0u && n >= 8u) {
        uint32_t lo = 0, hi = 0, blocks = n / 8u;
        const uint8_t *wp = w;
        const int16_t *qp = q;
        __asm__ volatile(
            "1:\n\t"
            "ldmia %[w]!, {r4, r5}\n\t"
            "ldmia %[q]!, {r6, r7}\n\t"
            "smlald %[lo], %[hi], r4, r6\n\t"
            "smlald %[lo], %[hi], r5, r7\n\t"
            "ldmia %[w]!, {r4, r5}\n\t"
            "ldmia %[q]!, {r6, r7}\n\t"
            "smlald %[lo], %[hi], r4, r6\n\t"
            "smlald %[lo], %[hi], r5, r7\n\t"
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n\t"
            : [lo] "+r"(lo), [hi] "+r"(hi), [w] "+r"(wp), [q] "+r"(qp), [n] "+r"(blocks)
            :
            : "r4", "r5", "r6", "r7", "cc", "memory");
        acc = (int64_t)(((uint64_t)hi << 32) | lo);
        i = n & ~7u;
    }
#endif
    for (; i < n; i++) {
        acc += (int32_t)(int16_t)proto_get_u16le(&w[2u * i]) * (int32_t)q[i];
    }
    return acc;
}

/*
 * The int8 rows' order of q (D a multiple of 4): in each group of 4 features q is stored as
 * q0 q2 q1 q3, so that one word of weights w0 w1 w2 w3 meets it as SXTB16(w) = (w0, w2) against the
 * word (q0, q2) and SXTB16(w ROR 8) = (w1, w3) against (q1, q3): two SMLAD, no repacking. The order
 * is the index with its bits 0 and 1 swapped; it is the scorer's own RAM, not the file's.
 */
static inline uint32_t qslot(uint32_t i)
{
    return (i & ~3u) | ((i & 1u) << 1) | ((i >> 1) & 1u);
}

/* sum_i w[i] q[i] for int8 W, exact in 32 bits: |w q| <= 127 x 32767 < 2^22 and D <= 96 (parse
   refuses more); q in SXTB16 order when perm. */
static int32_t dot8(const uint8_t *w, const int16_t *q, uint32_t n, bool perm)
{
    int32_t acc = 0;
    uint32_t i = 0;
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Cortex-M4: 8 products per 12 instructions (two LDM, four SXTB16, four SMLAD). */
    if (perm && (((uintptr_t)w | (uintptr_t)q) & 3u) == 0u && n >= 8u) {
        uint32_t blocks = n / 8u;
        const uint8_t *wp = w;
        const int16_t *qp = q;
        __asm__ volatile(
            "1:\n\t"
            "ldmia %[w]!, {r4, r5}\n\t"
            "ldmia %[q]!, {r6, r7, r8, r9}\n\t"
            "sxtb16 r10, r4\n\t"
            "sxtb16 r4, r4, ror #8\n\t"
            "smlad %[acc], r10, r6, %[acc]\n\t"
            "smlad %[acc], r4, r7, %[acc]\n\t"
            "sxtb16 r10, r5\n\t"
            "sxtb16 r5, r5, ror #8\n\t"
            "smlad %[acc], r10, r8, %[acc]\n\t"
            "smlad %[acc], r5, r9, %[acc]\n\t"
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n\t"
            : [acc] "+r"(acc), [w] "+r"(wp), [q] "+r"(qp), [n] "+r"(blocks)
            :
            : "r4", "r5", "r6", "r7", "r8", "r9", "r10", "cc", "memory");
        i = n & ~7u;
    }
#endif
    for (; i < n; i++) {
        acc += (int32_t)(int8_t)w[i] * (int32_t)q[perm ? qslot(i) : i];
    }
    return acc;
}

/* One row's term of the score, in the order of the TS twin: sum + (z z) g. */
static inline float score_term(float sum, float fa, const uint8_t *bl, uint32_t d, uint32_t k, float f)
{
    const float z = fa * rd_f32(&bl[4u * k]);
    const float g = 1.0f / (1.0f + f * rd_f32(&bl[4u * d + 4u * k]));
    return sum + (z * z) * g;
}

float nn_speed_score_i8_ref(const uint8_t *w, const int16_t *q, uint32_t d, const uint8_t *bl, float f, bool perm)
{
    float sum = 0.0f;
    for (uint32_t k = 0; k < d; k++) {
        sum = score_term(sum, (float)dot8(&w[d * k], q, d, perm), bl, d, k, f);
    }
    return sum;
}

/* nn_speed_resid_ref, inlined into nn_speed_step where the C runs */
static inline __attribute__((always_inline)) void resid_c(const nn_speed_resid_t *a, bool perm)
{
    /* the fields in locals: a store to y (float) could otherwise alias the block's floats */
    const float *x = a->x;
    float *yv = a->y;
    int16_t *q = a->q;
    const uint8_t *mlo = a->mlo;
    const uint8_t *mhi = a->mhi;
    const uint8_t *in_mul = a->in_mul;
    const uint32_t d = a->dim;
    const bool restart = a->restart != 0u;
    const float sm = a->smoothing;
    const float t = a->t;
    const uint32_t swap = perm ? 1u : 0u; /* qslot(i) = i ^ (((i ^ (i >> 1)) & swap) * 3) */
    for (uint32_t i = 0; i < d; i++) {
        const float y = restart ? x[i] : yv[i] + sm * (x[i] - yv[i]);
        yv[i] = y;
        const float lo = rd_f32(&mlo[4u * i]);
        const float mean = lo + t * (rd_f32(&mhi[4u * i]) - lo);
        q[i ^ (((i ^ (i >> 1)) & swap) * 3u)] = quantise((y - mean) * rd_f32(&in_mul[4u * i]));
    }
}

void nn_speed_resid_ref(const nn_speed_resid_t *a, bool perm)
{
    resid_c(a, perm);
}

/* Interval j and position t of a speed v > 0, or false outside the widened span. */
static bool bracket(const nn_speed_t *s, float rpm, uint8_t *j_out, float *t_out)
{
    const uint32_t nk = s->knots;
    const float first = rd_f32(s->knot);
    const float last = rd_f32(s->knot + (size_t)(nk - 1u) * s->knot_size);
    if ((rpm < first && ln_ratio_abs(rpm, first) > s->span_tolerance) ||
        (rpm > last && ln_ratio_abs(rpm, last) > s->span_tolerance)) {
        return false;
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
    *j_out = (uint8_t)j;
    *t_out = t;
    return true;
}

nn_speed_step_t nn_speed_step(const nn_speed_t *s, nn_speed_run_t *r, const float *x, float rpm)
{
    const uint32_t d = s->dim;
    /* ln_ratio_abs(v, v) is 0: an unchanged speed never restarts (no log10 taken) */
    if (r->started && !(rpm > 0.0f && r->last_rpm > 0.0f &&
                        (rpm == r->last_rpm || ln_ratio_abs(rpm, r->last_rpm) <= s->span_tolerance))) {
        r->started = false;
    }
    const bool restart = !r->started;
    if (restart) {
        r->age = 0;
        r->started = true;
        r->last_rpm = rpm;
    } else if (r->age < 0xFFFFu) {
        r->age++;
    }
    nn_speed_step_t out = {NN_SPEED_UNSEEN, NAN, r->age};

    /* bracket the speed (the TS twin's nodeBracket), once per speed */
    const uint32_t nk = s->knots;
    const bool known = rpm > 0.0f && rpm <= 3.4028234663852886e38f;
    if (known && rpm != r->cache_rpm) {
        r->cache_rpm = rpm;
        r->cache_seen = bracket(s, rpm, &r->cache_j, &r->cache_t);
    }
    const float a = s->smoothing;
    if (!known || !r->cache_seen) {
        /* unseen: the smoothing goes on, nothing is scored */
        for (uint32_t i = 0; i < d; i++) { /* not memcpy: newlib-nano's copies bytes */
            r->y[i] = restart ? x[i] : r->y[i] + a * (x[i] - r->y[i]);
        }
        return out;
    }
    const uint32_t j = r->cache_j;
    const float t = r->cache_t;

    /* the smoothing, then the residual against the mean expected at this speed in steps of 1/256
       sd, in one pass over the features */
    const nn_speed_resid_t ra = {
        .x = x,
        .y = r->y,
        .q = r->q,
        .mlo = s->knot + (size_t)j * s->knot_size + 4u,
        .mhi = s->knot + (size_t)(nk > 1u ? j + 1u : j) * s->knot_size + 4u,
        .in_mul = s->in_mul,
        .dim = d,
        .restart = restart ? 1u : 0u,
        .smoothing = s->smoothing,
        .t = t,
    };
#if NN_SPEED_M4
    if (s->qperm) { /* dim a multiple of 4 */
        nn_speed_resid_m4(&ra);
    } else {
        resid_c(&ra, false);
    }
#else
    resid_c(&ra, s->qperm);
#endif
    const float f = nk > 1u ? (s->interp_scale * t) * (1.0f - t) : 0.0f;
    const uint8_t *bl = s->block + (size_t)(nk > 1u ? j : 0u) * s->block_size;
    const uint8_t *w = &bl[8u * d];
    float sum;
    if (s->wfmt == NN_SPEED_W_I8) {
#if NN_SPEED_M4
        /* the section is 4-aligned (parse) and 8D is, so w is; r->q is aligned(4) */
        if (s->qperm && (d & 7u) == 0u && d >= 8u && (((uintptr_t)w | (uintptr_t)r->q) & 3u) == 0u) {
            sum = nn_speed_score_i8_m4(w, r->q, d, bl, f);
        } else {
            sum = nn_speed_score_i8_ref(w, r->q, d, bl, f, s->qperm);
        }
#else
        sum = nn_speed_score_i8_ref(w, r->q, d, bl, f, s->qperm);
#endif
    } else {
        sum = 0.0f;
        for (uint32_t k = 0; k < d; k++) {
            const int64_t acc = dot16(&w[2u * d * k], r->q, d);
            /* the same rounding either way; the int32 conversion is one instruction, the int64 one a call */
            const float fa = (acc >= INT32_MIN && acc <= INT32_MAX) ? (float)(int32_t)acc : (float)acc;
            sum = score_term(sum, fa, bl, d, k, f);
        }
    }
    out.score = sum / (float)d;
    out.state = (r->age >= s->warmup && out.score > s->threshold) ? NN_SPEED_OVER : NN_SPEED_HEALTHY;
    return out;
}
