/*
 * Sliding windows and the mean-removed RMS feature (docs/protocol.md §3.2, field 0).
 *
 * One dsp_window_f32_t per axis: push samples one at a time; every `hop` samples once the first
 * `window_len` have arrived, the window is complete and buf[0 .. window_len) holds it in time
 * order, oldest first. The window storage is the caller's (no heap), window_len floats.
 */
#ifndef DSP_RMS_H
#define DSP_RMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct {
    float *buf;        /* window_len floats, caller-owned */
    size_t window_len;
    size_t hop;
    size_t fill;       /* valid samples in buf */
} dsp_window_f32_t;

/* VIGIL_ERR_ARG unless storage != NULL, window_len >= 1 and 1 <= hop <= window_len. */
VIGIL_NODISCARD vigil_status_t dsp_window_init_f32(dsp_window_f32_t *w, float *storage,
                                                   size_t window_len, size_t hop);

/*
 * Appends one sample. Returns true when it completes a window (w->buf holds it). The next push
 * first slides the window by `hop`, so the buffer stays readable until then.
 */
bool dsp_window_push_f32(dsp_window_f32_t *w, float x);

/*
 * Root mean square after removing the mean, float32, two passes (protocol.md §3.2):
 *   mean = sum(x) / n;  rms = sqrtf(sum((x - mean)^2) / n).
 * Returns 0 for n == 0.
 */
float dsp_rms_f32(const float *x, size_t n);

#endif /* DSP_RMS_H */
