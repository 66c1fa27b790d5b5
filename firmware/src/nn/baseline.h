/*
 * The node's own baseline (docs/detection.md §3): a node without a model learns its machine's
 * normal for a set period, per shaft speed, then detects against what it learned. The C twin of
 * models/detect/baseline.ts, step for step (bench/detection.ts measures the TS twin on real data).
 *
 * Per window: the log band energies are smoothed by an EMA (restarted when the speed moves by more
 * than the tolerance, or by baseline_restart after a gap). During the learning period every speed
 * seen gets a slot (at most BASELINE_MAX_SLOTS): after `warmup` windows it learns a diagonal
 * Gaussian of the smoothed bands over `learn_windows` (Welford), then scores the next
 * `calibrate_windows` against it and keeps the log10 scores' mean, variance and maximum; its
 * threshold (log10) is max(mean + z sd, maximum). When the period is over, unfinished slots are
 * dropped. Detecting: the finished slots that bracket the speed give the mean, the variance and the
 * log threshold (linear in log rpm); a speed outside them, or unknown (0), is an unseen condition.
 *
 * Score = mean over bands of (x - mean)^2 / var. No heap, no libm beyond sqrtf (one per finished
 * slot). Per window, detecting: one EMA and one weighted sum of squares over `dim` bands and one
 * log10; the interpolated mean and inverse variance are recomputed only when the speed changes.
 */
#ifndef NN_BASELINE_H
#define NN_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#ifndef BASELINE_MAX_DIM
#define BASELINE_MAX_DIM 96u /* 3 axes x 32 bands */
#endif
#ifndef BASELINE_MAX_SLOTS
#define BASELINE_MAX_SLOTS 4u /* speeds learned; the STM32F405 build keeps 3 (its RAM) */
#endif

typedef struct {
    uint16_t dim;               /* bands per window, 1 .. BASELINE_MAX_DIM */
    uint16_t warmup;            /* windows skipped after an EMA restart */
    uint32_t period_windows;    /* the learning period, all speeds together */
    uint32_t learn_windows;     /* per speed, >= 2 */
    uint32_t calibrate_windows; /* per speed, >= 2 */
    float smoothing;            /* EMA weight of the newest window, (0, 1] */
    float span_tolerance;       /* log rpm: speeds this close share a slot; the span is widened by it */
    float z;                    /* standard-normal quantile of 1 - target rate (3.0902 for 0.1 %) */
} baseline_config_t;

typedef enum {
    BASELINE_LEARNING = 0,
    BASELINE_HEALTHY = 1,
    BASELINE_OVER = 2,   /* over the threshold: feed the k-of-n debounce (detector.h) */
    BASELINE_UNSEEN = 3, /* operating condition not seen in training: never a fault */
} baseline_state_t;

typedef struct {
    baseline_state_t state;
    uint8_t percent; /* learning progress 0..99, 100 once detecting */
    float score;     /* NaN while learning or at an unseen speed */
} baseline_step_t;

typedef struct {
    float rpm;
    uint32_t n;  /* windows learned */
    uint32_t cn; /* windows calibrated */
    float mean[BASELINE_MAX_DIM];
    float m2[BASELINE_MAX_DIM]; /* Welford sum of squares while learning; the variance once ready */
    float sum_log, sum_log2, max_log;
    float log_threshold;
    bool ready;
} baseline_slot_t;

typedef struct {
    baseline_config_t cfg;
    baseline_slot_t slot[BASELINE_MAX_SLOTS];
    uint8_t slots;
    uint32_t elapsed; /* windows of the learning period so far */
    uint32_t age;     /* windows since the EMA restarted */
    float last_rpm;
    float ema[BASELINE_MAX_DIM];
    /* the interpolation for cache_rpm (detecting only) */
    float cache_rpm;
    bool cache_inside;
    float cache_log_threshold;
    float cache_mean[BASELINE_MAX_DIM];
    float cache_inv_var[BASELINE_MAX_DIM];
} baseline_t;

/* The defaults of models/detect/baseline.ts DEFAULT_BASELINE for `dim` bands. */
void baseline_default_config(baseline_config_t *cfg, uint16_t dim);

/* Starts a learning period. VIGIL_ERR_ARG when the configuration is out of range. */
VIGIL_NODISCARD vigil_status_t baseline_init(baseline_t *b, const baseline_config_t *cfg);

/* After a gap in the samples: the EMA starts again from the next window. */
void baseline_restart(baseline_t *b);

/* One window's `dim` log band energies at shaft speed `rpm` (0 = unknown). */
baseline_step_t baseline_step(baseline_t *b, const float *bands, float rpm);

static inline bool baseline_learning(const baseline_t *b)
{
    return b->elapsed < b->cfg.period_windows;
}

/* Bytes baseline_save writes: 16 + slots x (8 + 8 dim) + 4. */
size_t baseline_image_len(const baseline_t *b);

/*
 * Kept across power cycles: the finished slots as a little-endian image ("VBL1", version 1, dim,
 * slot count, then per slot rpm, log threshold, dim means, dim variances; CRC-32 last).
 * VIGIL_ERR_ARG while still learning, VIGIL_ERR_NOSPACE when cap is too small.
 */
VIGIL_NODISCARD vigil_status_t baseline_save(const baseline_t *b, uint8_t *buf, size_t cap, size_t *len);

/*
 * Restores a saved baseline into `b` (initialised with `cfg`, learning over): VIGIL_ERR_MAGIC,
 * VIGIL_ERR_VERSION, VIGIL_ERR_CRC, VIGIL_ERR_TRUNCATED or VIGIL_ERR_SPEC (another dim) when the
 * image is not one; VIGIL_ERR_INVALID when a value is out of range. On any error `b` is left
 * freshly initialised (learning).
 */
VIGIL_NODISCARD vigil_status_t baseline_load(baseline_t *b, const baseline_config_t *cfg, const uint8_t *buf,
                                             size_t len);

#endif /* NN_BASELINE_H */
