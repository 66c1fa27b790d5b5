#include "features.h"

#include "log10.h"

#include <math.h>
#include <stdbool.h>

#define INLINE static inline __attribute__((always_inline))
#define UNLIKELY(c) __builtin_expect(!!(c), 0)

/*
 * sum d^4 accumulates with a fused multiply-add where the FPU has one (Cortex-M4F: VFMA), which is
 * one instruction and one rounding fewer; the host build (x86-64 without FMA) keeps a*b + c. The
 * RMS sum d^2 never fuses: it must stay the float32 sum models/features/rms.ts reproduces.
 */
#if defined(__ARM_FEATURE_FMA)
#define FMA_F32(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define FMA_F32(a, b, c) ((a) * (b) + (c))
#endif

/* On the Cortex-M4F the two hot loops run in assembly (dsp_m4.S); pair_step and sum_f32 below are
 * their definitions and the host build's code. */
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP)
#define FEATURES_M4 1
float dsp_sum8_m4(const float *x, size_t blocks, float acc);
void dsp_scatter8_fwd_m4(const float *x, const float *h, const uint16_t *perm, float *buf, float mean,
                         size_t groups, float *moments, size_t stride_bytes);
void dsp_scatter8_rev_m4(const float *x, const float *h, const uint16_t *perm, float *buf, float mean,
                         size_t groups, float *moments, size_t stride_bytes);
#else
#define FEATURES_M4 0
#endif

/* Running sums of the time-domain statistics, kept in registers through the pass. */
typedef struct {
    float sd;   /* sum d: what the float32 mean left behind (the residual mean times n) */
    float m2;   /* sum d^2, in sample order: the same float32 sum as dsp_rms_f32 */
    float m4;   /* sum d^4 */
    float max2; /* max d^2 */
} moments_t;

static bool is_pow2(uint32_t n)
{
    return n >= 2u && (n & (n - 1u)) == 0;
}

/*
 * The number of the first rule s breaks (1 .. 9, in the order of k_rule_text), 0 when it is valid.
 * The node needs only the number: the sentences are linked in only where dsp_features_check is
 * called (tests, the host tools), which keeps about 380 bytes of text out of the node image.
 */
static unsigned first_broken_rule(const dsp_feature_spec_t *s)
{
    if (s->sample_rate_hz == 0) {
        return 1u;
    }
    if (!is_pow2(s->window_len) || s->window_len < DSP_FFT_MIN || s->window_len > DSP_FFT_MAX) {
        return 2u;
    }
    if (s->hop < 1 || s->hop > s->window_len) {
        return 3u;
    }
    if (!is_pow2(s->segment_len) || s->segment_len > s->window_len) {
        return 4u;
    }
    if (dsp_fft_plan_find(s->segment_len) == NULL) {
        return 5u;
    }
    if (s->band_count < 1 || s->band_count > DSP_BANDS_MAX) {
        return 6u;
    }
    const uint16_t *e = s->band_edges;
    if (e[0] < 1 || e[s->band_count] > s->segment_len / 2u + 1u) {
        return 7u;
    }
    for (size_t b = 1; b <= s->band_count; b++) {
        if (e[b] <= e[b - 1]) {
            return 8u;
        }
    }
    /* !(a < b) also rejects NaN. */
    if (!(s->velocity_lo_hz > 0.0f) || !(s->velocity_hi_hz > s->velocity_lo_hz) ||
        !(s->velocity_hi_hz <= 1e6f)) {
        return 9u;
    }
    return 0;
}

static const char *const k_rule_text[] = {
    NULL,
    "sample rate must be positive",
    "window length must be a power of two from 64 to 4096",
    "hop must be 1 to the window length",
    "segment length must be a power of two up to the window length",
    "no FFT plan for this segment length in this build",
    "band count must be 1 to 64",
    "band edges must lie within bins 1 .. segmentLen/2 + 1",
    "band edges must increase",
    "velocity band must be 0 < low < high <= 1e6 Hz",
};

const char *dsp_features_check(const dsp_feature_spec_t *s)
{
    return k_rule_text[first_broken_rule(s)];
}

vigil_status_t dsp_features_init(dsp_features_t *f, const dsp_feature_spec_t *spec)
{
    if (f == NULL || spec == NULL || first_broken_rule(spec) != 0) {
        return VIGIL_ERR_ARG;
    }
    f->spec = *spec;
    f->plan = dsp_fft_plan_find(spec->segment_len);
    const uint32_t seg = spec->segment_len;
    const uint32_t fs = spec->sample_rate_hz;
    f->segments = (uint16_t)(seg == spec->window_len ? 1u : (spec->window_len - seg) / (seg / 2u) + 1u);

    /*
     * power[k] = 4 |Y_k|^2 summed over the segments. Welch density (scipy 'density', doubled one-
     * sided): P[k] = 2 |Y_k|^2 / (fs S2 count) = power[k] / (2 fs S2 count), S2 = sum w^2; the
     * Nyquist bin is not doubled and is halved before use.
     * Band energy: sum P df = sum power / (2 seg S2 count)           (df = fs / seg)
     */
    const float s2c = f->plan->hann_sum_sq * (float)f->segments;
    f->band_scale = 1.0f / (2.0f * (float)seg * s2c);
    return dsp_velocity_plan_init(&f->vel, fs, spec->hop, spec->velocity_lo_hz, spec->velocity_hi_hz);
}

/* ---- the windowing pass ---- */

/* One sample pair: d = x - mean, statistics (in sample order), windowed values to dst. */
INLINE void pair_step(float x0, float x1, float h0, float h1, float mean, float *dst, moments_t *mo,
                      const bool stats)
{
    const float d0 = x0 - mean;
    const float d1 = x1 - mean;
    mo->sd += d0;
    mo->sd += d1;
    if (stats) {
        const float e0 = d0 * d0;
        const float e1 = d1 * d1;
        mo->m2 += e0;
        mo->m4 = FMA_F32(e0, e0, mo->m4);
        if (UNLIKELY(e0 > mo->max2)) { /* rare after the first samples: a branch, not an IT */
            mo->max2 = e0;
        }
        mo->m2 += e1;
        mo->m4 = FMA_F32(e1, e1, mo->m4);
        if (UNLIKELY(e1 > mo->max2)) {
            mo->max2 = e1;
        }
    }
    dst[0] = d0 * h0;
    dst[1] = d1 * h1;
}

/*
 * Pairs c_begin .. c_end - 1 from x (which points at sample 2 c_begin). The Hann table holds
 * w[0 .. N/2]; pairs below N/4 read it forwards, the others backwards (w[N - n]).
 */
static void pair_range(const dsp_fft_plan_t *plan, const float *x, size_t c_begin, size_t c_end,
                       float mean, float *buf, moments_t *mo, const bool stats)
{
    const size_t quarter = plan->n / 4u;
    const uint16_t *perm = plan->perm;
    size_t c = c_begin;
    const size_t fwd_end = c_end < quarter ? c_end : quarter;
#if FEATURES_M4
    _Static_assert(sizeof(moments_t) == 4 * sizeof(float), "the assembly reads moments_t as 4 floats");
    if (stats && plan->stages8 > 0) {
        /* Whole groups of 8 pairs in assembly (their places are M bytes apart: the last FFT stage
         * is radix 8); a ragged head or tail (odd hops only) in C below. */
        const size_t stride = plan->n / 2u; /* M / 8 complex points of 8 bytes: M bytes */
        while (c < c_end) {
            const size_t part_end = c < fwd_end ? fwd_end : c_end;
            const bool fwd = c < fwd_end;
            if ((c & 7u) == 0 && part_end - c >= 8u) {
                const size_t groups = (part_end - c) / 8u;
                if (fwd) {
                    dsp_scatter8_fwd_m4(x, plan->hann + 2u * c, perm + c, buf, mean, groups, &mo->sd, stride);
                } else {
                    dsp_scatter8_rev_m4(x, plan->hann + plan->n - 2u * c + 1u, perm + c, buf, mean, groups,
                                        &mo->sd, stride);
                }
                c += 8u * groups;
                x += 16u * groups;
                continue;
            }
            /* one pair in C, up to the next group boundary */
            const size_t n = c;
            const float h0 = plan->hann[fwd ? 2u * n : plan->n - 2u * n];
            const float h1 = plan->hann[fwd ? 2u * n + 1u : plan->n - 2u * n - 1u];
            pair_step(x[0], x[1], h0, h1, mean, buf + 2u * perm[n], mo, true);
            x += 2;
            c++;
        }
        return;
    }
#endif
    for (const float *h = plan->hann + 2u * c; c < fwd_end; c++, x += 2, h += 2) {
        pair_step(x[0], x[1], h[0], h[1], mean, buf + 2u * perm[c], mo, stats);
    }
    for (const float *h = plan->hann + plan->n - 2u * c; c < c_end; c++, x += 2, h -= 2) {
        pair_step(x[0], x[1], h[0], h[-1], mean, buf + 2u * perm[c], mo, stats);
    }
}

/*
 * Windows the n = plan->n samples p0[0 .. n0) ++ p1[..] (mean removed) into buf at their
 * digit-reversed places (fft.h, step 1); with stats, also accumulates the moments. One copy of the
 * code for both uses (the Welch segments pass stats = false): on the Cortex-M4F the hot part is
 * the assembly in pair_range, and this stays small.
 */
static void __attribute__((noinline)) scatter(const dsp_fft_plan_t *plan, const float *p0, size_t n0,
                                              const float *p1, float mean, float *buf, moments_t *mo,
                                              const bool stats)
{
    const size_t n = plan->n;
    if (n0 > n) {
        n0 = n;
    }
    const size_t c_split = n0 / 2u; /* pairs wholly in p0 */
    pair_range(plan, p0, 0, c_split, mean, buf, mo, stats);
    size_t c_next = c_split;
    if (n0 & 1u) {
        /* The pair that straddles the two pieces. */
        const size_t m = n0 - 1u;
        const float h0 = plan->hann[m <= n / 2u ? m : n - m];
        const float h1 = plan->hann[m + 1u <= n / 2u ? m + 1u : n - m - 1u];
        pair_step(p0[m], p1[0], h0, h1, mean, buf + 2u * plan->perm[c_split], mo, stats);
        c_next++;
    }
    if (c_next < n / 2u) {
        pair_range(plan, p1 + (2u * c_next - n0), c_next, n / 2u, mean, buf, mo, stats);
    }
}

static float sum_f32(const float *x, size_t n, float acc)
{
    size_t i = 0;
#if FEATURES_M4
    acc = dsp_sum8_m4(x, n / 8u, acc);
    i = n & ~(size_t)7u;
#endif
    for (; i + 8u <= n; i += 8u) { /* unrolled: the same additions in the same order */
        acc += x[i];
        acc += x[i + 1];
        acc += x[i + 2];
        acc += x[i + 3];
        acc += x[i + 4];
        acc += x[i + 5];
        acc += x[i + 6];
        acc += x[i + 7];
    }
    for (; i < n; i++) {
        acc += x[i];
    }
    return acc;
}

/* Sample-order float32 mean of n samples of the pieces, as dsp_rms_f32 computes it. */
static float mean_f32(const float *p0, size_t n0, const float *p1, size_t n)
{
    const size_t a = n0 < n ? n0 : n;
    return sum_f32(p1, n - a, sum_f32(p0, a, 0.0f)) / (float)n;
}

/* The moments alone (Welch path, where segments and window differ). */
static void moments_f32(const float *x, size_t n, float mean, moments_t *mo)
{
    for (size_t i = 0; i < n; i++) {
        const float d = x[i] - mean;
        const float e = d * d;
        mo->sd += d;
        mo->m2 += e;
        mo->m4 = FMA_F32(e, e, mo->m4);
        if (UNLIKELY(e > mo->max2)) {
            mo->max2 = e;
        }
    }
}

static void spectral(const dsp_features_t *f, float *power, float *log_bands)
{
    const dsp_feature_spec_t *s = &f->spec;
    const size_t half = s->segment_len / 2u;
    power[half] *= 0.5f; /* the Nyquist bin is not doubled in the one-sided density */

    const uint16_t *e = s->band_edges;
    for (size_t b = 0; b < s->band_count; b++) {
        const float sum = sum_f32(&power[e[b]], (size_t)e[b + 1] - e[b], 0.0f);
        log_bands[b] = dsp_log10_pos_f32(sum * f->band_scale + 1e-12f); /* >= 1e-12: positive, normal */
    }
}

static void finish_time(const moments_t *mo, size_t n, dsp_axis_features_t *out)
{
    /* The same float32 operations as dsp_rms_f32 (the residual mean taken out; a VSQRT). */
    const float ss = mo->m2 - mo->sd * mo->sd / (float)n;
    out->rms = ss > 0.0f ? sqrtf(ss / (float)n) : 0.0f;
    out->peak = sqrtf(mo->max2);
    /*
     * A constant window whose level is not exact in float32 (0.7 g) leaves every d equal to the
     * mean's rounding error: rms = peak and a kurtosis of 1, though nothing moves. Deviations that
     * all share one sign and size are exactly that (real deviations from the mean sum to about 0),
     * so |sum d| > n peak / 2 marks the window constant (docs/features.md).
     */
    if (!(out->rms > 0.0f) || fabsf(mo->sd) > 0.5f * (float)n * out->peak) {
        out->peak = 0.0f;
        out->crest = 0.0f;
        out->kurtosis = 0.0f;
        return;
    }
    out->crest = out->peak / out->rms;
    out->kurtosis = ((float)n * mo->m4 / mo->m2) / mo->m2;
}

void dsp_features_axis_f32(const dsp_features_t *f, const float *p0, size_t n0, const float *p1,
                           float *scratch, dsp_axis_features_t *out, float *log_bands)
{
    const dsp_fft_plan_t *plan = f->plan;
    const size_t n = f->spec.window_len;
    const size_t seg = f->spec.segment_len;
    float *buf = scratch;
    float *power = scratch + seg;
    if (n0 > n) {
        n0 = n;
    }
    const float mean = mean_f32(p0, n0, p1, n);
    out->mean = mean;
    moments_t mo = {0.0f, 0.0f, 0.0f, 0.0f};

    /*
     * d = x - mean is exact for samples near the mean (Sterbenz), but the float32 mean itself can
     * miss by ~1e-7 of the DC level: on an axis carrying 1 g of gravity that residual is as large
     * as a quiet machine's low-frequency content. Its sum over the deviations measures it, and the
     * FFT removes its leakage (fft.h, residual_mean).
     */
    if (seg == n) {
        /* One segment: statistics, mean removal, window and digit reversal in one pass. */
        scatter(plan, p0, n0, p1, mean, buf, &mo, true);
        dsp_rfft_power_f32(plan, buf, power, false, mo.sd / (float)n);
    } else {
        moments_f32(p0, n0, mean, &mo);
        moments_f32(p1, n - n0, mean, &mo);
        for (size_t i = 0; i < f->segments; i++) {
            /* Segment i covers samples [i seg/2, i seg/2 + seg): locate it in the two pieces. */
            const size_t o = i * (seg / 2u);
            const float *q0 = o < n0 ? p0 + o : p1 + (o - n0);
            const size_t m0 = o < n0 ? n0 - o : seg;
            const float *q1 = o < n0 ? p1 : q0 + seg; /* unused when m0 >= seg */
            const float seg_mean = mean_f32(q0, m0, q1, seg);
            moments_t seg_mo = {0.0f, 0.0f, 0.0f, 0.0f};
            scatter(plan, q0, m0, q1, seg_mean, buf, &seg_mo, false);
            dsp_rfft_power_f32(plan, buf, power, i > 0, seg_mo.sd / (float)seg);
        }
    }
    finish_time(&mo, n, out);
    spectral(f, power, log_bands);
}
