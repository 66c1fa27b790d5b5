#include "rms.h"

#include <math.h>

float dsp_rms_f32(const float *x, size_t n)
{
    if (n == 0) {
        return 0.0f;
    }
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
    }
    const float mean = sum / (float)n;
    float acc = 0.0f;
    float sd = 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float d = x[i] - mean;
        sd += d;
        acc += d * d; /* never fused (-std=c11): the same bits on every build */
    }
    /*
     * The float32 mean misses the true one by about sd / n (on a window that carries gravity, by
     * up to ~1e-4 of the level), which would add n (sd / n)^2 to acc: subtract it, since
     * sum (d - sd / n)^2 = acc - sd^2 / n. Rounding can leave a constant window's difference
     * below 0: that is 0.
     * With -fno-math-errno, sqrtf compiles to one VSQRT.F32 on the Cortex-M4 FPv4-SP unit (no libm
     * call, no errno store); IEEE-754 requires it correctly rounded, so both builds agree here.
     */
    const float ss = acc - sd * sd / (float)n;
    return ss > 0.0f ? sqrtf(ss / (float)n) : 0.0f;
}
