#include "fft.h"

/*
 * On the Cortex-M4F the radix-8 stages run in generated assembly (fft_m4.S, from
 * tools/gen_fft_m4.py): the same butterflies as the C below, but each complex point moves with one
 * VLDMIA/VSTMIA and the eight point addresses live in registers. Elsewhere, the C.
 */
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP)
#define FFT_M4 1
void dsp_fft_r8_first_m4(float *buf, size_t groups);
void dsp_fft_r8_tw_m4(float *p, size_t count, size_t stride_bytes, const float *tw);
void dsp_split_power_m4(const float *lo, const float *hi_end, const float *w, float *plo, float *phi_end,
                        size_t count); /* dsp_m4.S */
#else
#define FFT_M4 0
#endif

/*
 * Forward radix-8 DFT of eight complex points held in locals (re, im) r0/i0 .. r7/i7, in place:
 * X_q = sum_t a_t W8^(t q), W8 = exp(-2 pi i / 8). Even/odd split into two 4-point DFTs, then the
 * W8^q combination; W8^1 and W8^3 cost two multiplications each by sqrt(1/2), W8^2 is a swap.
 * 52 additions and 4 multiplications: the fewest for a radix-8 butterfly (Duhamel & Vetterli,
 * "Fast Fourier transforms: a tutorial review", Signal Processing 19, 1990, table 1).
 */
#define DFT8(r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7)                    \
    do {                                                                                       \
        /* 4-point DFT of the even points (0, 2, 4, 6) */                                      \
        const float s04r = r0 + r4, s04i = i0 + i4, d04r = r0 - r4, d04i = i0 - i4;            \
        const float s26r = r2 + r6, s26i = i2 + i6, d26r = r2 - r6, d26i = i2 - i6;            \
        const float e0r = s04r + s26r, e0i = s04i + s26i, e2r = s04r - s26r, e2i = s04i - s26i; \
        const float e1r = d04r + d26i, e1i = d04i - d26r, e3r = d04r - d26i, e3i = d04i + d26r; \
        /* 4-point DFT of the odd points (1, 3, 5, 7) */                                       \
        const float s15r = r1 + r5, s15i = i1 + i5, d15r = r1 - r5, d15i = i1 - i5;            \
        const float s37r = r3 + r7, s37i = i3 + i7, d37r = r3 - r7, d37i = i3 - i7;            \
        const float o0r = s15r + s37r, o0i = s15i + s37i, o2r = s15r - s37r, o2i = s15i - s37i; \
        const float o1r = d15r + d37i, o1i = d15i - d37r, o3r = d15r - d37i, o3i = d15i + d37r; \
        /* times W8^1 = (1 - i)/sqrt2, W8^2 = -i, W8^3 = -(1 + i)/sqrt2 */                     \
        const float t1r = (o1r + o1i) * DSP_SQRT1_2, t1i = (o1i - o1r) * DSP_SQRT1_2;          \
        const float t3r = (o3i - o3r) * DSP_SQRT1_2, t3i = -(o3r + o3i) * DSP_SQRT1_2;         \
        r0 = e0r + o0r; i0 = e0i + o0i; r4 = e0r - o0r; i4 = e0i - o0i;                        \
        r1 = e1r + t1r; i1 = e1i + t1i; r5 = e1r - t1r; i5 = e1i - t1i;                        \
        r2 = e2r + o2i; i2 = e2i - o2r; r6 = e2r - o2i; i6 = e2i + o2r;                        \
        r3 = e3r + t3r; i3 = e3i + t3i; r7 = e3r - t3r; i7 = e3i - t3i;                        \
    } while (0)

#define DSP_SQRT1_2 0.70710678118654752440f

/* a *= w for complex a = (ar, ai), w = (tw[0], tw[1]). */
#define CMUL(ar, ai, tw)                                        \
    do {                                                        \
        const float wr_ = (tw)[0], wi_ = (tw)[1];               \
        const float tr_ = (ar) * wr_ - (ai) * wi_;              \
        (ai) = (ar) * wi_ + (ai) * wr_;                         \
        (ar) = tr_;                                             \
    } while (0)

#define LOAD8(p, s)                                                                            \
    float r0 = (p)[0], i0 = (p)[1], r1 = (p)[(s)], i1 = (p)[(s) + 1];                          \
    float r2 = (p)[2 * (s)], i2 = (p)[2 * (s) + 1], r3 = (p)[3 * (s)], i3 = (p)[3 * (s) + 1];  \
    float r4 = (p)[4 * (s)], i4 = (p)[4 * (s) + 1], r5 = (p)[5 * (s)], i5 = (p)[5 * (s) + 1];  \
    float r6 = (p)[6 * (s)], i6 = (p)[6 * (s) + 1], r7 = (p)[7 * (s)], i7 = (p)[7 * (s) + 1]
#define STORE8(p, s)                                                                           \
    do {                                                                                       \
        (p)[0] = r0; (p)[1] = i0; (p)[(s)] = r1; (p)[(s) + 1] = i1;                            \
        (p)[2 * (s)] = r2; (p)[2 * (s) + 1] = i2; (p)[3 * (s)] = r3; (p)[3 * (s) + 1] = i3;    \
        (p)[4 * (s)] = r4; (p)[4 * (s) + 1] = i4; (p)[5 * (s)] = r5; (p)[5 * (s) + 1] = i5;    \
        (p)[6 * (s)] = r6; (p)[6 * (s) + 1] = i6; (p)[7 * (s)] = r7; (p)[7 * (s) + 1] = i7;    \
    } while (0)

const dsp_fft_plan_t *dsp_fft_plan_find(size_t n)
{
    for (const dsp_fft_plan_t *const *p = dsp_fft_plans; *p != NULL; p++) {
        if ((*p)->n == n) {
            return *p;
        }
    }
    return NULL;
}

/* First stage, radix 8, no twiddles: each group of 8 contiguous points is one butterfly. */
static void stage_first8(float *buf, size_t m)
{
    for (float *p = buf, *end = buf + 2u * m; p < end; p += 16) {
        LOAD8(p, 2);
        DFT8(r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7);
        STORE8(p, 2);
    }
}

/* First stage, radix 4, no twiddles. */
static void stage_first4(float *buf, size_t m)
{
    for (float *p = buf, *end = buf + 2u * m; p < end; p += 8) {
        const float s02r = p[0] + p[4], s02i = p[1] + p[5], d02r = p[0] - p[4], d02i = p[1] - p[5];
        const float s13r = p[2] + p[6], s13i = p[3] + p[7], d13r = p[2] - p[6], d13i = p[3] - p[7];
        p[0] = s02r + s13r; p[1] = s02i + s13i;
        p[4] = s02r - s13r; p[5] = s02i - s13i;
        p[2] = d02r + d13i; p[3] = d02i - d13r; /* d02 - i d13 */
        p[6] = d02r - d13i; p[7] = d02i + d13r; /* d02 + i d13 */
    }
}

/* First stage, radix 2, no twiddles. */
static void stage_first2(float *buf, size_t m)
{
    for (float *p = buf, *end = buf + 2u * m; p < end; p += 4) {
        const float ar = p[0], ai = p[1], br = p[2], bi = p[3];
        p[0] = ar + br; p[1] = ai + bi;
        p[2] = ar - br; p[3] = ai - bi;
    }
}

/* One radix-8 DIT butterfly on the points p[0], p[s], .. p[7 s] (s in floats), twiddles tw[0..13]
 * for points 1..7 (NULL: all ones). */
#if !FFT_M4
/*
 * A radix-8 DIT stage over sub-transforms of size l: for every block of 8l points and every
 * k < l, the points k + t l (t = 0..7) are multiplied by W_{8l}^{t k} and combined by DFT8.
 * k = 0 has unit twiddles and skips the multiplications. k runs innermost, so the eight point
 * pointers and the twiddle pointer just step along.
 */
static void stage8(float *buf, size_t m, size_t l, const float *tw_stage)
{
    const size_t s = 2u * l; /* floats between the 8 points of a butterfly */
    for (float *blk = buf, *end = buf + 2u * m; blk < end; blk += 8u * s) {
        {
            LOAD8(blk, s);
            DFT8(r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7);
            STORE8(blk, s);
        }
        const float *tw = tw_stage + 14;
        for (float *p = blk + 2, *pend = blk + s; p < pend; p += 2, tw += 14) {
            LOAD8(p, s);
            CMUL(r1, i1, tw);
            CMUL(r2, i2, tw + 2);
            CMUL(r3, i3, tw + 4);
            CMUL(r4, i4, tw + 6);
            CMUL(r5, i5, tw + 8);
            CMUL(r6, i6, tw + 10);
            CMUL(r7, i7, tw + 12);
            DFT8(r0, i0, r1, i1, r2, i2, r3, i3, r4, i4, r5, i5, r6, i6, r7, i7);
            STORE8(p, s);
        }
    }
}
#endif

void dsp_cfft_f32(const dsp_fft_plan_t *plan, float *buf)
{
    const size_t m = plan->n / 2u;
    size_t l = plan->first_radix;
    if ((DSP_FFT_FIRST_RADICES & 8u) && l == 8u) {
        if (FFT_M4) {
#if FFT_M4
            dsp_fft_r8_first_m4(buf, m / 8u);
#endif
        } else {
            stage_first8(buf, m);
        }
    } else if ((DSP_FFT_FIRST_RADICES & 4u) && l == 4u) {
        stage_first4(buf, m);
    } else if (DSP_FFT_FIRST_RADICES & 2u) {
        stage_first2(buf, m);
    }
    const float *tw = plan->stage_tw;
    for (unsigned st = 0; st < plan->stages8; st++) {
#if FFT_M4
        /* k runs from 0: the table's k = 0 twiddles are exactly 1, so those products are exact. */
        for (float *blk = buf, *end = buf + 2u * m; blk < end; blk += 16u * l) {
            dsp_fft_r8_tw_m4(blk, l, 8u * l, tw); /* points 2l floats = 8l bytes apart */
        }
#else
        stage8(buf, m, l, tw);
#endif
        tw += 14u * l;
        l *= 8u;
    }
}

/*
 * Real split (e.g. Brigham, "The Fast Fourier Transform and its Applications", 1988, §9-3): with
 * A = Z[k], B = conj(Z[M-k]), E = A + B and O = -i (A - B) (twice the even and odd half-spectra),
 * 2 Y[k] = E + W^k O and 2 conj(Y[M-k]) = E - W^k O, W = exp(-2 pi i / N). Only |Y|^2 is needed, so
 * the conjugate costs nothing; k and M - k come from one pass over half the spectrum.
 */
/*
 * One (k, M - k) pair of the split: Z[k] = lo, Z[M - k] = hi, twiddle W^k = w; XR_ADJUST is a
 * statement that may correct 2 Y[k] (xr, xi) before squaring (the residual-mean fix at k = 1).
 */
#define SPLIT_PAIR(lo, hi, w, XR_ADJUST, p_lo, p_hi)                                               \
    do {                                                                                        \
        const float ar = (lo)[0], ai = (lo)[1], br = (hi)[0], bi = -(hi)[1];                    \
        const float er = ar + br, ei = ai + bi;                                                 \
        const float or_ = ai - bi, oi = br - ar; /* -i (A - B) */                               \
        const float tr = or_ * (w)[0] - oi * (w)[1];                                            \
        const float ti = or_ * (w)[1] + oi * (w)[0];                                            \
        float xr = er + tr;                                                                     \
        const float xi = ei + ti, yr = er - tr, yi = ei - ti;                                   \
        XR_ADJUST;                                                                              \
        p_lo = xr * xr + xi * xi;                                                               \
        p_hi = yr * yr + yi * yi;                                                               \
    } while (0)

static inline void split_power(const dsp_fft_plan_t *plan, const float *buf, float *power,
                               const bool accumulate, float residual_mean)
{
    const size_t m = plan->n / 2u;
    const float *w = plan->split_tw + 2;
    /*
     * The periodic Hann window's DFT is N/2 at k = 0, -N/4 at k = +-1 and exactly 0 elsewhere, so a
     * constant r left in the samples adds r N/2 to Y[0] and -r N/4 to Y[1] and nothing else:
     * remove it there (times 2, as the split computes 2 Y).
     */
    const float n = (float)plan->n;
    /* k = 0: Y[0] = Re Z0 + Im Z0 and Y[M] = Re Z0 - Im Z0, both real; times 2 as for the others. */
    const float dc = 2.0f * (buf[0] + buf[1]) - residual_mean * n;
    const float ny = 2.0f * (buf[0] - buf[1]);
    if (accumulate) {
        power[0] += dc * dc;
        power[m] += ny * ny;
    } else {
        power[0] = dc * dc;
        power[m] = ny * ny;
    }
    const float *lo = buf + 2, *hi = buf + 2u * (m - 1u);
    float *plo = power + 1, *phi = power + m - 1u;
    float p_lo, p_hi;
    /* k = 1 carries the residual-mean correction (m >= 32, so it is never the middle bin). */
    SPLIT_PAIR(lo, hi, w, xr += 0.5f * residual_mean * n, p_lo, p_hi);
    if (accumulate) {
        *plo += p_lo;
        *phi += p_hi;
    } else {
        *plo = p_lo;
        *phi = p_hi;
    }
    lo += 2, hi -= 2, w += 2, plo++, phi--;
#if FFT_M4
    if (!accumulate) { /* the same pairs k = 2 .. M/2 - 1 in assembly (dsp_m4.S) */
        const size_t count = m / 2u - 2u;
        dsp_split_power_m4(lo, hi + 2, w, plo, phi + 1, count);
        lo += 2u * count, hi -= 2u * count, w += 2u * count, plo += count, phi -= count;
    }
#endif
    for (size_t k = (FFT_M4 && !accumulate) ? m / 2u : 2; k < m / 2u; k++, lo += 2, hi -= 2, w += 2, plo++, phi--) {
        SPLIT_PAIR(lo, hi, w, (void)0, p_lo, p_hi);
        if (accumulate) {
            *plo += p_lo;
            *phi += p_hi;
        } else {
            *plo = p_lo;
            *phi = p_hi;
        }
    }
    /* k = M/2 pairs with itself: Z[M/2] = (a, b) gives 2 Y[M/2] = (2a, -2b) (W^(M/2) = -i). */
    const float mr = 2.0f * lo[0], mi = 2.0f * lo[1];
    if (accumulate) {
        *plo += mr * mr + mi * mi;
    } else {
        *plo = mr * mr + mi * mi;
    }
}

void dsp_rfft_power_f32(const dsp_fft_plan_t *plan, float *buf, float *power, bool accumulate,
                        float residual_mean)
{
    dsp_cfft_f32(plan, buf);
    if (accumulate) {
        split_power(plan, buf, power, true, residual_mean);
    } else {
        split_power(plan, buf, power, false, residual_mean);
    }
}
