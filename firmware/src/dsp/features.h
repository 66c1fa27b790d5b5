/*
 * The vibration features of one window of one axis (docs/features.md, specification v2): RMS,
 * peak, crest factor, kurtosis and the log band energies of the Welch PSD (the model's input).
 * Velocity RMS (ISO 20816) is a meter with memory across windows: velocity.h, whose constants
 * dsp_features_init computes with the rest. float32 throughout; the TypeScript
 * reference (models/features, float64) agrees within the tolerances written next to
 * test/test_dsp_vectors.c.
 *
 * No allocation: dsp_features_init validates a specification once and precomputes its constants;
 * dsp_features_axis_f32 works in the caller's scratch (DSP_FEATURES_SCRATCH_FLOATS floats).
 */
#ifndef DSP_FEATURES_H
#define DSP_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "fft.h"
#include "velocity.h"

#define DSP_BANDS_MAX 64u /* FEATURES carries at most 64 bands per axis (protocol.md §3.2) */

/* The feature specification (docs/features.md, "The feature specification"). */
typedef struct {
    uint32_t sample_rate_hz;  /* per axis, > 0 */
    uint16_t window_len;      /* power of two, DSP_FFT_MIN .. DSP_FFT_MAX */
    uint16_t hop;             /* 1 .. window_len */
    uint16_t segment_len;     /* Welch segment: a power of two <= window_len with a compiled-in plan */
    uint16_t band_count;      /* B, 1 .. DSP_BANDS_MAX */
    uint16_t band_edges[DSP_BANDS_MAX + 1]; /* B + 1 bins, increasing, 1 .. segment_len/2 + 1 */
    float velocity_lo_hz;     /* velocity band, 0 < lo < hi <= 1e6 */
    float velocity_hi_hz;
} dsp_feature_spec_t;

typedef struct {
    float mean;           /* g, sum x / N in float32, in sample order (as dsp_rms_f32) */
    float rms;            /* g, mean removed; bit-identical to dsp_rms_f32 and models/features/rms.ts */
    float peak;           /* g, max |x - mean|; 0 for a constant window */
    float crest;          /* peak / rms; 0 for a constant window */
    float kurtosis;       /* N sum d^4 / (sum d^2)^2; 0 for a constant window */
} dsp_axis_features_t;

typedef struct {
    dsp_feature_spec_t spec;
    const dsp_fft_plan_t *plan;
    uint16_t segments;        /* Welch segments per window */
    float band_scale;         /* power sum -> band energy in g^2 */
    dsp_velocity_plan_t vel;  /* the velocity meter's constants (velocity.h) */
} dsp_features_t;

/* Scratch for one axis: the FFT buffer (segment_len floats) then the power spectrum. */
#define DSP_FEATURES_SCRATCH_FLOATS(segment_len) ((size_t)(segment_len) + (segment_len) / 2u + 1u)

/*
 * Checks every rule of docs/features.md plus the node's own limits (a plan for segment_len must be
 * compiled in, at most DSP_BANDS_MAX bands) and precomputes the constants. VIGIL_ERR_ARG names no
 * field; dsp_features_check says which rule failed.
 */
VIGIL_NODISCARD vigil_status_t dsp_features_init(dsp_features_t *f, const dsp_feature_spec_t *spec);

/* The first rule spec breaks, as a short phrase for logs and tests, or NULL when it is valid. */
const char *dsp_features_check(const dsp_feature_spec_t *spec);

/*
 * Features of one window of window_len samples given as two pieces (a ring buffer's tail and
 * head): p0[0 .. n0) then p1[0 .. window_len - n0). log_bands receives band_count values,
 * log10(band energy in g^2 + 1e-12).
 */
void dsp_features_axis_f32(const dsp_features_t *f, const float *p0, size_t n0, const float *p1,
                           float *scratch, dsp_axis_features_t *out, float *log_bands);

#endif /* DSP_FEATURES_H */
