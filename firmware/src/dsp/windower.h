/*
 * Sliding windows over 1..3 axes in lockstep (docs/features.md: window k covers samples
 * [k hop, k hop + window_len)). One ring per axis of exactly window_len floats, so a completed
 * window is the ring read from the oldest sample: two contiguous pieces, never a copy. Samples
 * arrive as interleaved frames (x0 y0 z0 x1 ...), as sensors and SAMPLES_IN deliver them.
 */
#ifndef DSP_WINDOWER_H
#define DSP_WINDOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#define DSP_AXES_MAX 3u

typedef struct {
    float *ring[DSP_AXES_MAX]; /* window_len floats each, in the caller's storage */
    size_t axes;
    size_t window_len;         /* a power of two */
    size_t hop;
    size_t pos;                /* next write index, 0 .. window_len - 1 */
    size_t until_window;       /* samples still needed to complete the next window */
} dsp_windower_t;

/*
 * storage holds capacity floats; it must hold axes * window_len. VIGIL_ERR_ARG for axes outside
 * 1..3, a window_len that is not a power of two, hop outside 1..window_len, or too little storage.
 */
VIGIL_NODISCARD vigil_status_t dsp_windower_init(dsp_windower_t *w, float *storage, size_t capacity,
                                                 size_t axes, size_t window_len, size_t hop);

/* Forgets every sample: the next window completes after window_len more frames. */
void dsp_windower_reset(dsp_windower_t *w);

/*
 * Takes frames until one completes a window or they run out; returns how many it took. When
 * *complete is true the window can be read with dsp_windower_view until the next push.
 */
size_t dsp_windower_push(dsp_windower_t *w, const float *frames, size_t n_frames, bool *complete);

/* The completed window of one axis: p0[0 .. *n0) then p1[0 .. window_len - *n0). */
void dsp_windower_view(const dsp_windower_t *w, size_t axis, const float **p0, size_t *n0,
                       const float **p1);

#endif /* DSP_WINDOWER_H */
