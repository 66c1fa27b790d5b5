#include "log10.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * x = 2^e m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with
 * s = (m - 1)/(m + 1), |s| <= 0.1716, so five terms leave a truncation error below 1e-9 (Abramowitz
 * & Stegun 4.1.28); float32 evaluation error dominates. log10 x = e log10(2) + ln(m) / ln(10).
 */
float dsp_log10_f32(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int32_t bias = 0;
    if (bits - 0x00800000u >= 0x7F000000u) { /* not a positive normal number */
        if (x == 0.0f) {
            return -INFINITY;
        }
        if (x < 0.0f || x != x) {
            return NAN;
        }
        if (x == INFINITY) {
            return INFINITY;
        }
        /* subnormal: scale into the normal range (exact) and take the 32 back off the exponent */
        x *= 0x1p+32f;
        memcpy(&bits, &x, sizeof bits);
        bias = -32;
    }
    return dsp_log10_pos_f32(x) + (float)bias * 0.30102999566398119521f;
}
