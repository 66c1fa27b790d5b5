#include "rms.h"

#include <math.h>
#include <string.h>

vigil_status_t dsp_window_init_f32(dsp_window_f32_t *w, float *storage, size_t window_len, size_t hop)
{
    if (storage == NULL || window_len == 0 || hop == 0 || hop > window_len) {
        return VIGIL_ERR_ARG;
    }
    w->buf = storage;
    w->window_len = window_len;
    w->hop = hop;
    w->fill = 0;
    return VIGIL_OK;
}

bool dsp_window_push_f32(dsp_window_f32_t *w, float x)
{
    if (w->fill == w->window_len) {
        /*
         * Slide by hop only now, not when the window completed, so the caller can read the
         * complete window after the push that finished it. A linear buffer (rather than a ring)
         * keeps every window contiguous for the kernels that follow (FFT, PSD); the copy costs
         * window_len - hop floats per hop, less than the two RMS passes over the window.
         */
        memmove(w->buf, w->buf + w->hop, (w->window_len - w->hop) * sizeof w->buf[0]);
        w->fill -= w->hop;
    }
    w->buf[w->fill++] = x;
    return w->fill == w->window_len;
}

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
