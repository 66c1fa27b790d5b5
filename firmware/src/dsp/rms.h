/*
 * The mean-removed RMS feature (docs/features.md, docs/protocol.md §3.2 field 0): the definition.
 * The node computes it inside the fused feature pass (dsp/features.c); test_rms.c holds that pass
 * to this function bit for bit, and models/features/rms.ts reproduces it in TypeScript.
 */
#ifndef DSP_RMS_H
#define DSP_RMS_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/*
 * Root mean square after removing the mean, float32, two passes (protocol.md §3.2,
 * docs/features.md):
 *   mean = sum(x) / n;  d = x - mean;  ss = sum(d^2) - sum(d)^2 / n;  rms = ss > 0 ? sqrtf(ss / n) : 0
 * (every sum in sample order; the sum(d) term takes out what the float32 mean missed).
 * Returns 0 for n == 0.
 */
float dsp_rms_f32(const float *x, size_t n);

#endif /* DSP_RMS_H */
