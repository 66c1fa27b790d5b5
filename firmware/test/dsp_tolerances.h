/*
 * How far the float32 firmware features may be from the float64 TypeScript reference
 * (models/features), on the golden vectors (test/vectors/dsp_vectors.h). Used by the host test
 * (test_dsp_vectors.c) and the on-target self-test (boards/qemu/selftest_main.c), which both print
 * the worst errors they measure. The bounds keep about ten times the worst error measured, because
 * the ARM build rounds differently (VFMA in the FFT and in the fourth-power sum).
 *
 * Measured on the host build (x86-64, gcc -O1) over the five cases:
 *   rms            0 (bit-identical): the same float32 operations as models/features/rms.ts; only
 *                  the decimal parse of a CSV sample (strtof vs Number + fround) could differ, by
 *                  an ulp. Bound 1e-6 relative.
 *   peak, crest    8.9e-5 relative on the axis that carries 1 g of gravity, 7e-8 elsewhere: the
 *                  peak is measured from the float32 mean, which can miss the float64 mean by
 *                  ~1e-6 g there. Bound 2e-4 relative.
 *   kurtosis       3.9e-6 relative: float32 sums of fourth powers vs float64. Bound 2e-5.
 *   velocity RMS   0 (bit-identical, host and ARM): the meter of dsp/velocity.c is the same float32
 *                  operations as models/features/velocity.ts, never fused. Bound 1e-5 (kept).
 *   log10 bands    1.0e-5 absolute (0.002 % of a band's energy) on the gravity axis' lowest band,
 *                  3e-6 on the CWRU data. Bound 1e-4 absolute.
 */
#ifndef TEST_DSP_TOLERANCES_H
#define TEST_DSP_TOLERANCES_H

#define TOL_RMS_REL 1e-6
#define TOL_PEAK_REL 2e-4
#define TOL_CREST_REL 2e-4
#define TOL_KURTOSIS_REL 2e-5
#define TOL_VELOCITY_REL 1e-5
#define TOL_LOG_BANDS_ABS 1e-4

#endif /* TEST_DSP_TOLERANCES_H */
