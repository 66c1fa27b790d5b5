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
    for (size_t i = 0; i < n; i++) {
        const float d = x[i] - mean;
        acc += d * d; /* may contract to an FMA on Cortex-M4F; protocol.md allows 1e-5 relative */
    }
    /* With -fno-math-errno, sqrtf compiles to one VSQRT.F32 on the Cortex-M4 FPv4-SP unit (no libm
     * call, no errno store); IEEE-754 requires it correctly rounded, so both builds agree here. */
    return sqrtf(acc / (float)n);
}
