#include "velocity.h"

#include <math.h>

#define VELOCITY_G_MM_S2 9806.65f /* mm/s^2 per g (ISO 80000-3) */

/*
 * Every operation below is a plain float32 operation (-std=c11 does not fuse a * b + c), in the
 * order models/features/velocity.ts performs it: both builds and the TypeScript twin give the same
 * bits.
 */
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP)
#define VELOCITY_M4 1
void dsp_velocity_blocks8_m4(const float *x, size_t blocks, size_t groups, const float *coef, float *st);
#else
#define VELOCITY_M4 0
#endif

vigil_status_t dsp_velocity_plan_init(dsp_velocity_plan_t *p, uint32_t sample_rate_hz, uint32_t hop, float lo_hz,
                                      float hi_hz)
{
    if (p == NULL || sample_rate_hz == 0 || hop == 0 || !(lo_hz > 0.0f) || !(hi_hz > lo_hz)) {
        return VIGIL_ERR_ARG;
    }
    const float fs = (float)sample_rate_hz;
    /* The block rate stays at or above 2.5 x the high edge (the band lies below 0.4 of it), and a
     * block divides the hop, so every window adds whole blocks: the ring's pieces then split only
     * between blocks (window_len, hop and the ring position are multiples of D). */
    const float need = 2.5f * hi_hz;
    uint32_t d = 1;
    while (hop % (2u * d) == 0 && fs >= need * (float)(2u * d)) {
        d *= 2u;
    }
    p->decim = d;
    const float fsd = fs / (float)d;
    /* Butterworth high-pass at lo / 2, bilinear with the corner pre-warped: W = tan(pi fc / fsd)
     * = w + w^3 / 3 + 2 w^5 / 15 ...; w = pi fc / fsd <= 0.0063 at 10 Hz (fsd >= 2500 Hz), where the
     * terms left out are below 1e-10 of W. */
    const float w = 3.14159265f * (0.5f * lo_hz) / fsd;
    const float tw = w * (1.0f + w * w * 0.333333343f);
    const float tw2 = tw * tw;
    const float r2w = 1.41421354f * tw;
    const float k0 = 1.0f / (1.0f + r2w + tw2);
    p->na1 = 2.0f * (1.0f - tw2) * k0;
    p->na2 = -((1.0f - r2w + tw2) * k0);
    /* (1 - z^-1)^2 of the high-pass times the running sum 1 / (1 - z^-1) of samples / fs. */
    p->c = k0 * (VELOCITY_G_MM_S2 / fs);
    /* Averaging time 10 / lo seconds (1 s for 10 Hz): a 10 Hz tone's y^2 ripples by 0.8 %. */
    p->tau_blocks = 10.0f / lo_hz * fsd;
    /* The high-pass forgets a wrong start level as exp(-0.707 2 pi (lo / 2) t): after a quarter of
     * the averaging time (2.5 / lo s), to 0.4 %. Until then a reading is the window's alone. */
    p->settle_blocks = 0.25f * p->tau_blocks;
    return VIGIL_OK;
}

/* The running state of a window's pass, in registers. */
typedef struct {
    float s1, y1, y2, acc;
} run_t;

/* blocks blocks of d samples through y = c (s - s1) + na1 y1 + na2 y2, coef = {c, na1, na2}. */
static void run_blocks(const float *x, size_t blocks, size_t d, const float *coef, run_t *r)
{
#if VELOCITY_M4
    if ((d & 7u) == 0) {
        dsp_velocity_blocks8_m4(x, blocks, d / 8u, coef, &r->s1);
        return;
    }
#endif
    for (size_t b = 0; b < blocks; b++) {
        float s = 0.0f;
        for (size_t j = 0; j < d; j++) {
            s += *x++;
        }
        const float y = coef[0] * (s - r->s1) + coef[1] * r->y1 + coef[2] * r->y2;
        r->s1 = s;
        r->y2 = r->y1;
        r->y1 = y;
        r->acc += y * y;
    }
}

float dsp_velocity_window_f32(const dsp_velocity_plan_t *p, dsp_velocity_t *v, const float *p0, size_t n0,
                              const float *p1, size_t window_len, size_t hop, float mean)
{
    const size_t d = p->decim;
    if (!v->started) {
        /*
         * The reference block sum before the first block: D x the window's mean. The filter starts
         * as if the signal had sat at that level forever; a reference off the true level by
         * delta g starts a transient of about 120 delta mm/s (at 10 Hz) that must die before the
         * averaging starts, so it is not one block's sum (which can be a tone's peak).
         */
        v->s1 = mean * (float)d;
        v->blocks = -p->settle_blocks;
        v->started = 1;
    }
    /* The hop samples this window adds: window positions window_len - hop .. window_len - 1. */
    const size_t start = window_len - hop;
    run_t r = {v->s1, v->y1, v->y2, 0.0f};
    const uint32_t k = (uint32_t)(hop / d);
    const size_t na = start < n0 ? n0 - start : hop; /* samples in the first piece */
    run_blocks(start < n0 ? p0 + start : p1 + (start - n0), na / d, d, &p->c, &r);
    run_blocks(p1, (hop - na) / d, d, &p->c, &r);
    v->s1 = r.s1;
    v->y1 = r.y1;
    v->y2 = r.y2;
    if (k > 0) {
        /* While the start-up transient settles (blocks < 0), each window's own mean; then a plain
         * mean of the blocks since, until they span the averaging time; then an exponential
         * average with that time constant (weight k / N_tau per window). */
        const float kf = (float)k;
        float n = v->blocks + kf;
        if (n > p->tau_blocks) {
            n = p->tau_blocks;
        }
        v->blocks = n;
        const float mean = r.acc / kf;
        v->ms = n > kf ? v->ms + kf / n * (mean - v->ms) : mean;
    }
    return sqrtf(v->ms);
}
