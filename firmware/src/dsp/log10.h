/*
 * log10 for float32 without libm: the node takes one per band per axis per window (96 per window
 * for 3 axes x 32 bands), so it should cost a dozen instructions, and behave the same on every
 * build (no dependence on newlib's or glibc's logf).
 */
#ifndef DSP_LOG10_H
#define DSP_LOG10_H

#include <stdint.h>
#include <string.h>

/*
 * log10(x) for x > 0 (normal or subnormal). Absolute error below 6e-7 for x in [1e-13, 1e4] (the
 * range of band energies, as good as glibc's log10f there) and below 4e-6 anywhere (test_log10.c
 * measures it against double-precision log10). Returns -INFINITY for 0, +INFINITY for +INFINITY
 * and NaN for x < 0 or NaN, like log10f.
 */
float dsp_log10_f32(float x);

/*
 * The same for a positive normal x (FLT_MIN <= x < INFINITY), without the special-case tests: the
 * band energies, which are at least 1e-12. Inline: the node takes 96 per window.
 */
static inline float dsp_log10_pos_f32(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* See log10.c: mantissa in [sqrt(1/2), sqrt(2)), ln m by the atanh series, e log10(2) split. */
    const uint32_t shifted = bits - 0x3F3504F3u;
    const int32_t e = (int32_t)shifted >> 23;
    const uint32_t mbits = (shifted & 0x007FFFFFu) + 0x3F3504F3u;
    float m;
    memcpy(&m, &mbits, sizeof m);
    const float s = (m - 1.0f) / (m + 1.0f);
    const float s2 = s * s;
    const float poly = s2 * (1.0f / 3.0f + s2 * (1.0f / 5.0f + s2 * (1.0f / 7.0f + s2 * (1.0f / 9.0f))));
    const float ln_m = 2.0f * s + 2.0f * s * poly;
    const float fe = (float)e;
    return fe * 0x1.344p-2f + (fe * 4.6050389811952113e-6f + ln_m * 0.43429448190325182765f);
}

#endif /* DSP_LOG10_H */
