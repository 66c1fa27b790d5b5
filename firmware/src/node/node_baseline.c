/*
 * The node's own baseline (docs/detection.md §3, nn/baseline.h): a node without a model learns its
 * machine's normal for the period the technician sets (CONFIG key 10), per shaft speed (the speed
 * the technician told, CONFIG key 4), then detects against it; a speed outside what it learned is
 * an operating condition not seen in training, never a fault. What it learned is kept in the
 * baseline record (store/baseline_store.h) across power cycles; a model deployed later replaces it.
 */
#include "node_priv.h"

#include <math.h>
#include <string.h>

#include "../store/baseline_store.h"
#include "../store/store.h"

/* The speed a node without a speed setting learns under: one operating condition. A told speed is
 * at least 0.1 Hz (6 rpm), so the two never meet. */
#define UNKNOWN_SPEED_RPM 1.0f

/* The learner for a period of `period` windows: each speed learns and calibrates over a fifth of
 * the period (at most 500 windows each, docs/detection.md §3), so two speeds fit in one period
 * with a fifth to spare for the changes of speed between them. */
static bool bl_config(const node_t *node, uint32_t period, baseline_config_t *c)
{
    const size_t dim = (size_t)node->hello.axis_count * node->spec.band_count;
    if (dim > BASELINE_MAX_DIM || period < NODE_LEARN_WINDOWS_MIN) {
        return false;
    }
    baseline_default_config(c, (uint16_t)dim);
    const uint32_t per = (period - 2u * c->warmup) / 5u;
    c->period_windows = period;
    c->learn_windows = per < 500u ? per : 500u;
    c->calibrate_windows = c->learn_windows;
    return true;
}

/* The highest sequence number in the model store (0: none or empty). */
static uint32_t store_seq_max(const node_t *node)
{
    uint32_t seq = 0;
    for (uint32_t s = 0; node->store != NULL && node->store->flash != NULL && s < STORE_SLOTS; s++) {
        const store_slot_info_t i = store_slot_info(node->store, s);
        if (i.state != STORE_SLOT_EMPTY && i.seq > seq) {
            seq = i.seq;
        }
    }
    return seq;
}

static void bl_begin(node_t *node, uint8_t state)
{
    node->model_ok = false;
    node->model_blob = NULL;
    node->model_source = MSG_MODEL_SOURCE_NONE;
    const uint32_t next_id = node->detector.next_id; /* event ids count since boot (§3.3) */
    node->bl_on = nn_detector_init(&node->detector, 0, NODE_BASELINE_K, NODE_BASELINE_N) == VIGIL_OK;
    node->detector.next_id = next_id;
    node->detector_state = node->bl_on ? state : MSG_DETECTOR_NONE;
    node->learn_percent = state == MSG_DETECTOR_LEARNING ? 0u : 100u;
    node->bl_peak = 0.0f;
    node->bl_threshold = 0.0f;
}

/* Starts a learning period (the run memory becomes the learner's). */
static void bl_learn(node_t *node, uint32_t period)
{
    baseline_config_t c;
    node->learn_windows = period;
    if (!bl_config(node, period, &c) || baseline_init(&node->run.bl, &c) != VIGIL_OK) {
        bl_begin(node, MSG_DETECTOR_NONE);
        node->bl_on = false;
        return;
    }
    bl_begin(node, MSG_DETECTOR_LEARNING);
}

void node_baseline_resume(node_t *node)
{
    blstore_record_t r;
    const bool have = node->bl_flash != NULL && blstore_read(node->bl_flash, &r) == VIGIL_OK;
    if (have && r.kind == BLSTORE_LEARNED) {
        baseline_config_t c;
        if (bl_config(node, r.learn_windows, &c) &&
            baseline_load(&node->run.bl, &c, r.image, r.len) == VIGIL_OK) {
            node->learn_windows = r.learn_windows;
            bl_begin(node, MSG_DETECTOR_BASELINE);
            return;
        }
    }
    bl_learn(node, have ? r.learn_windows : node->learn_windows);
}

void node_baseline_boot(node_t *node)
{
    blstore_record_t r;
    /* A record that counted models in a store now empty: the store was emptied or moved since
     * (the STM32F405's flash layout change, docs/architecture.md "Flash layout"), and its new
     * models count from 1 again. Every model from now on is deployed after the record, so it is
     * written again with store_seq 0 (once: one erase of its sector); otherwise the record would
     * win at boot over the next store_seq deployments. */
    if (node->bl_flash != NULL && store_seq_max(node) == 0u && blstore_read(node->bl_flash, &r) == VIGIL_OK &&
        r.store_seq != 0u) {
        r.store_seq = 0u;
        if (blstore_write(node->bl_flash, &r) != VIGIL_OK) {
            /* A failed write leaves the old record: the next boot tries again. */
        }
    }
    if (node->model_ok) {
        /* A baseline record newer than every stored model (the technician asked to learn after
         * the last deployment) wins over the model; a model deployed since replaces it. */
        if (node->bl_flash == NULL || blstore_read(node->bl_flash, &r) != VIGIL_OK || r.store_seq < store_seq_max(node)) {
            return;
        }
    }
    node_baseline_resume(node);
}

vigil_status_t node_learn(node_t *node, uint32_t period)
{
    if (period < NODE_LEARN_WINDOWS_MIN || period > NODE_LEARN_WINDOWS_MAX) {
        return VIGIL_ERR_ARG;
    }
    node_end_alarm(node); /* the open event closes under what decided it */
    bl_learn(node, period);
    if (node->bl_flash == NULL) {
        return VIGIL_OK;
    }
    const blstore_record_t r = {.kind = BLSTORE_LEARN, .learn_windows = period, .store_seq = store_seq_max(node)};
    return blstore_write(node->bl_flash, &r);
}

/* 10^x for the threshold a baseline event reports (x: a log10 threshold): 2^(x log2 10) from the
 * exponent bits and a cubic on the fraction (relative error below 1e-3; a display value). */
static float exp10_approx(float x)
{
    float y = x * 3.32192809f;
    y = y < -126.0f ? -126.0f : y > 127.0f ? 127.0f : y;
    int32_t i = (int32_t)y;
    i -= (float)i > y; /* floor */
    const float f = y - (float)i;
    const float p = 1.0f + f * (0.6958f + f * (0.2262f + f * 0.0780f));
    const uint32_t bits = (uint32_t)(i + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

nn_detector_change_t node_baseline_window(node_t *node, const float *bands, float *score)
{
    baseline_t *b = &node->run.bl;
    const float rpm = node->shaft_hz > 0.0f ? node->shaft_hz * 60.0f : UNKNOWN_SPEED_RPM;
    const baseline_step_t s = baseline_step(b, bands, rpm);
    node->learn_percent = s.percent;
    *score = MSG_FEATURES_NO_MODEL;
    bool over = false;
    if (s.state == BASELINE_LEARNING) {
        node->detector_state = MSG_DETECTOR_LEARNING;
    } else if (s.state == BASELINE_UNSEEN) {
        node->detector_state = MSG_DETECTOR_UNSEEN;
    } else {
        node->detector_state = MSG_DETECTOR_BASELINE;
        *score = s.score;
        /* The learner scored smoothed windows: the first ones after a restart or a change of
         * speed (the smoothing starting again) never count as over. */
        over = s.state == BASELINE_OVER && b->age > b->cfg.warmup;
        node->bl_threshold = exp10_approx(b->cache_log_threshold);
    }
    const bool was = node->detector.active;
    const nn_detector_change_t change = nn_detector_push(&node->detector, node->window_index, over ? 1u : 0u);
    if (change == NN_DETECTOR_STARTED || (!was && over)) {
        node->bl_peak = 0.0f;
    }
    if (over && s.score > node->bl_peak) {
        node->bl_peak = s.score;
    }
    return change;
}

void node_baseline_after_window(node_t *node)
{
    baseline_t *b = &node->run.bl;
    /* The window that ended the period: keep what was learned. */
    if (b->elapsed != b->cfg.period_windows || node->learn_percent == 100u || node->detector_state != MSG_DETECTOR_LEARNING) {
        return;
    }
    node->learn_percent = 100u;
    size_t len = 0;
    uint8_t *img = (uint8_t *)node->scratch; /* the window's frames are out */
    if (b->slots == 0 || baseline_save(b, img, sizeof node->scratch, &len) != VIGIL_OK) {
        node_send_log(node, MSG_LOG_WARNING, MSG_LOG_BASELINE, "nothing learned: no speed held long enough", UINT32_MAX);
        return;
    }
    const blstore_record_t r = {
        .kind = BLSTORE_LEARNED, .learn_windows = node->learn_windows, .store_seq = store_seq_max(node),
        .image = img, .len = (uint32_t)len,
    };
    if (node->bl_flash != NULL && blstore_write(node->bl_flash, &r) == VIGIL_OK) {
        node->stats.baseline_saves++;
    }
    node_send_log(node, MSG_LOG_INFO, MSG_LOG_BASELINE, "baseline learned, speeds ", b->slots);
}
