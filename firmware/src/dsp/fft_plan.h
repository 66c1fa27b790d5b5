/*
 * A precomputed real-FFT plan: every table the transform of one size needs, in flash, so the
 * transform itself does no trigonometry and allocates nothing. The tables are generated at build
 * time by tools/gen_fft_tables.c (double-precision libm, rounded once to float) for the sizes the
 * board asks for (Makefile, DSP_FFT_SIZES); only those are linked, as with a size-specific
 * CMSIS-style init, so a node carries the tables of its configured segment length only.
 *
 * Algorithm (fft.c): the N real samples are read as M = N/2 complex points z[c] = y[2c] + i y[2c+1]
 * and stored at their mixed-radix digit-reversed position perm[c] while they are windowed; an
 * in-place decimation-in-time complex FFT of M points follows (a first stage of radix 2, 4 or 8
 * without twiddles, then radix-8 stages); the usual split turns Z into the N-point spectrum.
 */
#ifndef DSP_FFT_PLAN_H
#define DSP_FFT_PLAN_H

#include <stdint.h>

#define DSP_FFT_MIN 64u   /* real sizes 64 .. 4096, powers of two */
#define DSP_FFT_MAX 4096u

typedef struct {
    uint16_t n;               /* real transform size N */
    uint8_t first_radix;      /* 2, 4 or 8: the first stage, log2(M) mod 3 decides */
    uint8_t stages8;          /* radix-8 stages after the first */
    const uint16_t *perm;     /* M entries: complex input c goes to position perm[c] */
    const float *stage_tw;    /* radix-8 stages in order; stage with sub-size L holds L groups of
                                 7 complex twiddles W_{8L}^{t k}, t = 1..7, (re, im) pairs */
    const float *split_tw;    /* M/2 + 1 complex W_N^k = exp(-2 pi i k / N), k = 0 .. M/2 */
    const float *hann;        /* N/2 + 1 values of the periodic Hann window; w[N-n] = w[n] */
    float hann_sum_sq;        /* sum over n = 0..N-1 of w[n]^2 (3N/8 up to rounding) */
} dsp_fft_plan_t;

/* Generated (build/<target>/gen/dsp_fft_tables.c): the compiled-in plans, NULL-terminated. */
extern const dsp_fft_plan_t *const dsp_fft_plans[];

/* The build's FFT sizes, as the Makefile passes them (-DDSP_FFT_SIZES_MASK): bit 2, 4, 8 set when
 * some plan's first stage has that radix. Lets fft.c leave out the stages no plan uses. */
#ifndef DSP_FFT_FIRST_RADICES
#define DSP_FFT_FIRST_RADICES 14u
#endif

#endif /* DSP_FFT_PLAN_H */
