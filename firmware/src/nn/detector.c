#include "detector.h"

#include <string.h>

static uint32_t mask_n(uint8_t n)
{
    return n >= 32u ? 0xFFFFFFFFu : ((1u << n) - 1u);
}

static unsigned popcount32(uint32_t x)
{
    unsigned c = 0;
    while (x != 0) {
        x &= x - 1u;
        c++;
    }
    return c;
}

vigil_status_t nn_detector_init(nn_detector_t *d, uint32_t threshold_sumsq, uint8_t k, uint8_t n)
{
    if (d == NULL || n < 1 || n > NN_DEBOUNCE_N_MAX || k < 1 || k > n) {
        return VIGIL_ERR_ARG;
    }
    memset(d, 0, sizeof *d);
    d->threshold_sumsq = threshold_sumsq;
    d->k = k;
    d->n = n;
    return VIGIL_OK;
}

nn_detector_change_t nn_detector_reset(nn_detector_t *d)
{
    const bool was_active = d->active;
    d->history = 0;
    d->active = false;
    return was_active ? NN_DETECTOR_ENDED : NN_DETECTOR_QUIET;
}

nn_detector_change_t nn_detector_push(nn_detector_t *d, uint32_t window_index, uint32_t sumsq)
{
    const bool over = sumsq > d->threshold_sumsq;
    d->history = ((d->history << 1) | (over ? 1u : 0u)) & mask_n(d->n);
    d->sumsq[window_index % NN_DEBOUNCE_N_MAX] = sumsq;
    const bool now = popcount32(d->history) >= d->k;

    if (now && !d->active) {
        /* The event began at the oldest over window still in the history. */
        uint32_t age = 0;
        uint32_t peak = 0;
        for (uint32_t i = 0; i < d->n; i++) {
            if (d->history & (1u << i)) {
                age = i;
                const uint32_t s = d->sumsq[(window_index - i) % NN_DEBOUNCE_N_MAX];
                peak = s > peak ? s : peak;
            }
        }
        d->active = true;
        d->event_id = d->next_id++;
        d->start_window = window_index - age;
        d->last_over = window_index; /* activation needs this window over */
        d->peak_sumsq = peak;
        return NN_DETECTOR_STARTED;
    }
    if (d->active) {
        if (over) {
            d->last_over = window_index;
            d->peak_sumsq = sumsq > d->peak_sumsq ? sumsq : d->peak_sumsq;
        }
        if (!now) {
            d->active = false;
            return NN_DETECTOR_ENDED;
        }
    }
    return NN_DETECTOR_QUIET;
}
