/*
 * Velocity RMS as ISO 20816 means it (docs/features.md, "Velocity RMS"): the acceleration is
 * integrated in time, high-passed at half the band's low edge, and its square averaged over a time
 * constant of 10 / low-edge seconds (1 s for the 10-1000 Hz band). The twin of
 * models/features/velocity.ts, which performs the same float32 operations in the same order.
 *
 * Why in time and not from the window's FFT bins: a 1024-sample window at 48 kHz has 46.9 Hz bins,
 * so the band 10-1000 Hz really started at 46.9 Hz and a 30 Hz shaft component read 37 % of its
 * value. The meter runs on the samples themselves, decimated by block sums, so its low edge is set
 * by a filter, not by the window, and its memory is longer than one window.
 *
 * Per block of D samples (the largest power of two that divides the hop with fs / D >= 2.5 x the
 * band's high edge):
 *   s_m = x_{mD} + ... + x_{mD+D-1}                              (in sample order, float32)
 *   y_m = c (s_m - s_{m-1}) + na1 y_{m-1} + na2 y_{m-2}            (mm/s)
 * which is the running sum of the samples / fs (the integral, sampled every D samples: exact in
 * magnitude below fs / 2D) through a 2nd-order Butterworth high-pass at low / 2 (bilinear,
 * pre-warped); the difference s_m - s_{m-1} removes gravity before anything is integrated.
 * Each window feeds the hop samples it adds (the last hop of the window) and reports
 * sqrt(ms), ms the exponentially weighted mean of y^2 (weight K / blocks-so-far until the time
 * constant is reached, so the first windows are a plain mean, not a ramp from zero). The filter
 * starts from the first window's mean level; for the first quarter of the averaging time, while its
 * start-up transient dies, a reading is the window's own mean square.
 *
 * No allocation: one dsp_velocity_t per axis in the caller's storage.
 */
#ifndef DSP_VELOCITY_H
#define DSP_VELOCITY_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* The constants of one feature specification (dsp_velocity_plan_init). */
typedef struct {
    uint32_t decim;      /* D: samples per block, a power of two */
    float c;             /* mm/s per g of block-sum difference: K0 G / fs (c, na1, na2 in a row: */
    float na1, na2;      /* the block kernel reads them as an array); minus the high-pass denominator */
    float tau_blocks;    /* N_tau: the averaging time in blocks */
    float settle_blocks; /* N_tau / 4: blocks before averaging starts (the filter settles) */
} dsp_velocity_plan_t;

/* The meter of one axis. */
typedef struct {
    float s1;         /* the previous block sum */
    float y1, y2;     /* the previous two outputs, mm/s */
    float ms;         /* the averaged mean square, (mm/s)^2 */
    float blocks;     /* blocks averaged (from -settle_blocks; stops counting at N_tau) */
    uint32_t started; /* s1 holds a reference (the first window's mean times D) */
} dsp_velocity_t;

/*
 * Precomputes the meter for a rate, hop and band. VIGIL_ERR_ARG for a zero rate or hop, or a band
 * that is not 0 < lo < hi.
 */
VIGIL_NODISCARD vigil_status_t dsp_velocity_plan_init(dsp_velocity_plan_t *p, uint32_t sample_rate_hz,
                                                      uint32_t hop, float lo_hz, float hi_hz);

/* Forgets every sample: the next window starts a new measurement. */
static inline void dsp_velocity_restart(dsp_velocity_t *v)
{
    *v = (dsp_velocity_t){0};
}

/*
 * Feeds the last hop samples of a window of window_len samples given as two pieces
 * (p0[0 .. n0) then p1[..], as dsp_windower_view gives them: n0 <= window_len and, like hop and
 * window_len, a multiple of the plan's D) and returns the velocity RMS in mm/s. mean is the
 * window's float32 mean (dsp_axis_features_t.mean, as dsp_rms_f32 computes it): the first window
 * after a restart starts the filter from that level.
 */
float dsp_velocity_window_f32(const dsp_velocity_plan_t *p, dsp_velocity_t *v, const float *p0, size_t n0,
                              const float *p1, size_t window_len, size_t hop, float mean);

#endif /* DSP_VELOCITY_H */
