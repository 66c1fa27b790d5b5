/*
 * The speed-aware detector in node form (docs/detection.md §2.1, docs/model-format.md §2.9): the C
 * twin of models/detect/speedNode.ts, operation for operation in binary32.
 *
 * The model file's speed section stays in flash; nn_speed_parse checks it and keeps pointers into
 * it. Per window nn_speed_step smooths the log band energies (EMA, one f32 vector of state),
 * brackets the shaft speed between the trained speeds (an unseen operating condition outside the
 * span, or when the speed is unknown), and scores the residual against the mean expected at that
 * speed with the interval's simultaneous diagonalisation: z = W q, score = sum_k z_k^2 /
 * (1 + f lambda_k) / D, f = scale t (1 - t). Exact for any speed in the interval: the speed only
 * changes the scalar f. W is int8 (weight format 1: int8 x int16 with 32-bit accumulators, SXTB16 +
 * SMLAD on the M4) or, in the first form still read, int16 (format 0: 64-bit accumulators, SMLALD).
 * On the Cortex-M4F the residual pass and the int8 score run in assembly (speed_m4.S), held bit for
 * bit to their C definitions below (nn_speed_resid_ref, nn_speed_score_i8_ref).
 * No heap, no libm beyond roundf.
 */
#ifndef NN_SPEED_H
#define NN_SPEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* 0: a build without the speed scorer: it refuses such models (VIGIL_ERR_LIMIT) and carries none
 * of this code. Every image has it (the STM32F405's since its code region grew to 64 KB,
 * docs/architecture.md "Flash layout"); a section over all 3 axes of a 3-axis node fits its
 * per-window instruction budget (docs/detection.md §2.1). */
#ifndef NN_SPEED_SECTION
#define NN_SPEED_SECTION 1
#endif

#ifndef NN_SPEED_MAX_DIM
#define NN_SPEED_MAX_DIM 96u /* 3 axes x 32 bands */
#endif
#define NN_SPEED_MAX_KNOTS 8u
#define NN_SPEED_Q_MAX 32767
#define NN_SPEED_W_I16 0u /* weight format (section byte +7): int16 W, the first form */
#define NN_SPEED_W_I8 1u  /* int8 W: half the bytes; what vigil train --speeds writes */

typedef struct {
    uint16_t dim;
    uint8_t knots;
    uint8_t wfmt;   /* NN_SPEED_W_I16 or NN_SPEED_W_I8 */
    bool qperm;     /* int8 W with D a multiple of 4: q is kept in SXTB16 order (see speed.c) */
    uint16_t warmup;
    float smoothing;
    float span_tolerance; /* natural log rpm */
    float interp_scale;
    float threshold;
    const uint8_t *in_mul;  /* D f32 */
    const uint8_t *knot;    /* K x (f32 rpm, f32[D] mean) */
    const uint8_t *block;   /* J x (f32[D] row_scale, f32[D] lambda, i16 or i8 [D][D] w, pad) */
    uint32_t knot_size;     /* 4 + 4D */
    uint32_t block_size;    /* 8D + bD^2 rounded up to 4, b = 2 (int16) or 1 (int8) */
} nn_speed_t;

typedef enum {
    NN_SPEED_HEALTHY = 0,
    NN_SPEED_OVER = 1,   /* over the threshold: feeds the k-of-n debounce */
    NN_SPEED_UNSEEN = 2, /* operating condition not seen in training: never a fault */
} nn_speed_state_t;

typedef struct {
    nn_speed_state_t state;
    float score; /* NaN at an unseen condition */
    uint16_t age; /* windows since the EMA restarted (0 at the restart) */
} nn_speed_step_t;

/* The scorer's RAM: the EMA, the quantised residual (scratch), the speed it restarted at. */
typedef struct {
    float y[NN_SPEED_MAX_DIM];
    int16_t q[NN_SPEED_MAX_DIM] __attribute__((aligned(4))); /* word pairs for SMLALD / SMLAD */
    float last_rpm;
    float cache_rpm; /* the speed the bracket below was computed for (0: none) */
    float cache_t;
    uint8_t cache_j;
    bool cache_seen; /* inside the span */
    uint16_t age;
    bool started;
} nn_speed_run_t;

/* Bytes of a section for D features, K speeds and weight format wfmt:
   32 + 4D + K (4 + 4D) + J pad4(8D + bD^2), b = 2 (NN_SPEED_W_I16) or 1 (NN_SPEED_W_I8). */
size_t nn_speed_section_size(uint32_t dim, uint32_t knots, uint32_t wfmt);

/*
 * Checks the len bytes at sec (4-aligned, in the blob) against docs/model-format.md §2.9 for a
 * model of input_dim features. VIGIL_ERR_INVALID for a field out of range, VIGIL_ERR_LIMIT for
 * a valid section wider than NN_SPEED_MAX_DIM, VIGIL_ERR_ARG for NULL or misaligned pointers.
 */
VIGIL_NODISCARD vigil_status_t nn_speed_parse(nn_speed_t *s, const uint8_t *sec, size_t len, uint16_t input_dim);

/* nn_speed_parse without keeping the result (the model reader's check; its own stack frame). */
VIGIL_NODISCARD vigil_status_t nn_speed_check(const uint8_t *sec, size_t len, uint16_t input_dim)
    __attribute__((noinline));

/* Starts the EMA afresh at the next window (after a gap in the samples). For a new section, zero
 * the whole run (it caches the bracket of the last speed). */
void nn_speed_restart(nn_speed_run_t *r);

/* The quantiser of the residual: v in steps of 1/256 sd rounded half away from zero, clamped at
 * +-NN_SPEED_Q_MAX, NaN to 0 (the TS twin's quantise). */
int16_t nn_speed_quantise(float v);

/*
 * The per-window pass over the features (the smoothing and the quantised residual), one argument
 * block for the reference C and the Cortex-M4 kernel (speed_m4.S), which take the same and give
 * the same bits: y = restart ? x : y + smoothing (x - y); mean = lo + t (hi - lo);
 * q = nn_speed_quantise((y - mean) in_mul), with perm (the int8 rows' SXTB16 order, speed.c
 * qslot) or in feature order. The M4 kernel: perm only, dim a multiple of 4.
 */
typedef struct {
    const float *x;
    float *y;
    int16_t *q;
    const uint8_t *mlo;    /* f32[D]: the interval's lower knot's mean */
    const uint8_t *mhi;    /* f32[D]: its upper knot's (mlo again with one knot) */
    const uint8_t *in_mul; /* f32[D] */
    uint32_t dim;
    uint32_t restart; /* 1: the EMA starts again at x */
    float smoothing;
    float t;
} nn_speed_resid_t;

void nn_speed_resid_ref(const nn_speed_resid_t *a, bool perm);

/*
 * The score's sum over the rows of one int8 block bl (docs/model-format.md §2.9: f32 row_scale[D],
 * f32 lambda[D], int8 W[D][D] at w): sum_k z_k^2 / (1 + f lambda_k), z_k = (W_k . q) row_scale_k,
 * in row order; q in SXTB16 order when perm. The M4 kernel: perm only, dim a multiple of 8,
 * w and q word-aligned.
 */
float nn_speed_score_i8_ref(const uint8_t *w, const int16_t *q, uint32_t dim, const uint8_t *bl, float f, bool perm);

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__) && defined(__ARM_FP) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NN_SPEED_M4 1
void nn_speed_resid_m4(const nn_speed_resid_t *a);
float nn_speed_score_i8_m4(const uint8_t *w, const int16_t *q, uint32_t dim, const uint8_t *bl, float f);
#else
#define NN_SPEED_M4 0
#endif

/*
 * One window: x = the model's D features (axis-major log band energies), rpm = the shaft speed
 * (0 = unknown). A speed that moved beyond the span tolerance since the EMA started restarts it.
 * A window is over only once age >= warmup.
 */
nn_speed_step_t nn_speed_step(const nn_speed_t *s, nn_speed_run_t *r, const float *x, float rpm);

#endif
