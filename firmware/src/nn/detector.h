/*
 * The anomaly decision and its events (docs/model-format.md §1.3): a window is over when
 * sumsq > threshold; the alarm is active while at least k of the last n windows (this one
 * included) are over, windows before the first counting as not over. Activation starts an event,
 * deactivation ends it (the EVENT message, docs/protocol.md §3.3). Bit-for-bit the rule of
 * models/eval/threshold.ts debounceAlarms.
 */
#ifndef NN_DETECTOR_H
#define NN_DETECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "../status.h"

#define NN_DEBOUNCE_N_MAX 32u

typedef enum {
    NN_DETECTOR_QUIET = 0,   /* no change */
    NN_DETECTOR_STARTED = 1, /* the alarm became active with this window */
    NN_DETECTOR_ENDED = 2,   /* the alarm became inactive with this window */
} nn_detector_change_t;

typedef struct {
    uint32_t threshold_sumsq;
    uint8_t k, n;
    uint32_t history;                    /* bit i: window (latest - i) was over */
    uint32_t sumsq[NN_DEBOUNCE_N_MAX];   /* by window index mod 32, for the peak at activation */
    bool active;
    uint32_t event_id;       /* id of the current or last event; next_id for the next one */
    uint32_t next_id;
    uint32_t start_window;   /* the first over window of the current event */
    uint32_t last_over;      /* the latest over window of the current event */
    uint32_t peak_sumsq;     /* the largest sumsq of the current event */
} nn_detector_t;

/* VIGIL_ERR_ARG unless 1 <= k <= n <= 32. Event ids restart at 0. */
VIGIL_NODISCARD vigil_status_t nn_detector_init(nn_detector_t *d, uint32_t threshold_sumsq, uint8_t k,
                                                uint8_t n);

/* Forgets the window history (a new stream); the event ids keep counting. If an event was active,
 * returns NN_DETECTOR_ENDED so the caller can close it (end = its last over window). */
nn_detector_change_t nn_detector_reset(nn_detector_t *d);

/* One window's decision. window_index must grow by one per call within a stream. */
nn_detector_change_t nn_detector_push(nn_detector_t *d, uint32_t window_index, uint32_t sumsq);

#endif /* NN_DETECTOR_H */
