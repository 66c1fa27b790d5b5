/*
 * Real FFT for the Welch PSD (docs/features.md), float32, Cortex-M4F first: precomputed tables
 * (fft_plan.h), in place, no allocation, no trigonometry at run time.
 *
 * Use: look a plan up once (dsp_fft_plan_find), then per segment
 *   1. store the windowed samples as complex points at their digit-reversed places:
 *      buf[2 perm[c]] = y[2c], buf[2 perm[c] + 1] = y[2c + 1]   (features.c fuses this with the
 *      window and the time-domain statistics, so the samples are read once);
 *   2. dsp_rfft_power_f32(plan, buf, power, accumulate, residual_mean).
 */
#ifndef DSP_FFT_H
#define DSP_FFT_H

#include <stdbool.h>
#include <stddef.h>

#include "fft_plan.h"

/* The compiled-in plan for real size n, or NULL (not a power of two, or not built for this board). */
const dsp_fft_plan_t *dsp_fft_plan_find(size_t n);

/*
 * In-place complex DFT of M = n/2 points, X[k] = sum_c z[c] exp(-2 pi i c k / M), from input in
 * digit-reversed order (step 1 above) to output in natural order; buf holds M (re, im) pairs.
 */
void dsp_cfft_f32(const dsp_fft_plan_t *plan, float *buf);

/*
 * Runs dsp_cfft_f32, then the real split, and writes (or, with accumulate, adds) the unnormalised
 * power of the n-point real DFT of y: power[k] = 4 |Y[k]|^2 for k = 0 .. n/2 (n/2 + 1 values; the
 * factor 4 of the split is left for the caller's scale). buf is destroyed.
 *
 * residual_mean: when y = (x - m) w[n] with the periodic Hann window of the plan and m a float32
 * mean that misses the true mean by r, pass r (= sum(x - m) / n): its leakage, which the Hann
 * window confines to bins 0 and 1, is subtracted exactly. 0 when y has no such offset.
 */
void dsp_rfft_power_f32(const dsp_fft_plan_t *plan, float *buf, float *power, bool accumulate,
                        float residual_mean);

#endif /* DSP_FFT_H */
