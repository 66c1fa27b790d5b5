/* The node's streams: windows and their FEATURES and EVENT frames, RAW_BLOCK, SAMPLES_IN and the
 * STREAM request (docs/protocol.md §3.2 - §3.4, §3.8, §3.9). */
#include "node_priv.h"

#include <math.h>
#include <string.h>

#include "../proto/le.h"

/*
 * floor((u1 2^32 + u0) / v) and its remainder for u1 < v (so the quotient fits 32 bits), with two
 * 32-bit hardware divides (UDIV on the Cortex-M4): Knuth's algorithm D in base 2^16, the divisor
 * normalised so that each estimated quotient digit is at most 2 too large (Hacker's Delight,
 * divlu). libgcc's general 64-bit division (__aeabi_uldivmod) is 700 bytes of flash, and the
 * shift-and-subtract loop that replaced it cost about 1,150 instructions per call.
 */
static uint32_t udiv64_32_lt(uint32_t u1, uint32_t u0, uint32_t v, uint32_t *rem)
{
    const uint32_t b = 65536u;
    const unsigned s = (unsigned)__builtin_clz(v); /* v > 0 */
    v <<= s;
    const uint32_t vn1 = v >> 16;
    const uint32_t vn0 = v & 0xFFFFu;
    const uint32_t un32 = s == 0u ? u1 : (u1 << s) | (u0 >> (32u - s));
    const uint32_t un10 = u0 << s;
    const uint32_t un1 = un10 >> 16;
    const uint32_t un0 = un10 & 0xFFFFu;
    uint32_t q1 = un32 / vn1;
    uint32_t rhat = un32 - q1 * vn1;
    while (q1 >= b || q1 * vn0 > b * rhat + un1) {
        q1--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    const uint32_t un21 = un32 * b + un1 - q1 * v; /* mod 2^32: the true value is below v */
    uint32_t q0 = un21 / vn1;
    rhat = un21 - q0 * vn1;
    while (q0 >= b || q0 * vn0 > b * rhat + un0) {
        q0--;
        rhat += vn1;
        if (rhat >= b) {
            break;
        }
    }
    *rem = (un21 * b + un0 - q0 * v) >> s;
    return q1 * b + q0;
}

uint64_t node_frames_t_us(uint64_t frames, uint32_t sample_rate_hz)
{
    /* Whole seconds and the remainder, so the product cannot overflow 64 bits; the result is
       floor(frames 1e6 / rate) mod 2^64 (test_link.c checks it against a 128-bit reference). */
    const uint32_t d = sample_rate_hz;
    const uint32_t hi = (uint32_t)(frames >> 32);
    const uint32_t q_hi = hi / d;
    uint32_t rem;
    const uint32_t q_lo = udiv64_32_lt(hi - q_hi * d, (uint32_t)frames, d, &rem);
    const uint64_t secs = ((uint64_t)q_hi << 32) | q_lo;
    /* rem 1e6 < d 2^20: its high word is below d, so its quotient (< 1e6) fits 32 bits */
    const uint64_t scaled = (uint64_t)rem * 1000000u;
    uint32_t unused;
    return secs * 1000000u + udiv64_32_lt((uint32_t)(scaled >> 32), (uint32_t)scaled, d, &unused);
}

uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz)
{
    /* (2^32 - 1) * 4096 + 4096 = 2^44 samples: the result equals floor(samples * 1e6 / rate). */
    return node_frames_t_us((uint64_t)window_index * hop + window_len, sample_rate_hz);
}

static uint64_t t_us_of(const node_t *node, uint32_t window_index)
{
    const msg_hello_t *h = &node->hello;
    return node_window_t_us(window_index, h->hop, h->window_len, h->sample_rate_hz);
}

/* ---- RAW_BLOCK (§3.9) ---- */

/* A new block at the next sample. */
static void raw_begin(node_t *node, node_link_t *l)
{
    l->raw_first = (uint32_t)node->stream_frames;
    l->raw_n = 0;
    l->raw_k = 0;
    memset(l->raw_sum, 0, sizeof l->raw_sum);
}

/* q = floor(v + 0.5) clamped to int16, for v = m / scale_g (exact: scale_g is a power of two). */
static int16_t raw_quantize(float v)
{
    if (!(v > -32768.0f)) {
        return v != v ? 0 : INT16_MIN; /* NaN: 0 */
    }
    if (v >= 32767.0f) {
        return INT16_MAX;
    }
    int32_t t = (int32_t)v; /* toward zero; |v| < 2^15 so every step below is exact */
    t -= (float)t > v;      /* floor */
    return (int16_t)(t + (v - (float)t >= 0.5f));
}

static void raw_push(node_t *node, node_link_t *l, size_t li, const float *frames, size_t n)
{
    const size_t axes = node->hello.axis_count;
    const size_t full = MSG_RAW_FULL_FRAMES(axes);
    const float inv_scale = 32768.0f / (float)node->range_g;
    for (size_t f = 0; f < n; f++) {
        for (size_t a = 0; a < axes; a++) {
            l->raw_sum[a] += frames[f * axes + a];
        }
        if (++l->raw_k < l->decimation) {
            continue;
        }
        uint8_t *dst = &l->raw[MSG_RAW_HEADER_LEN + 2u * axes * l->raw_n];
        for (size_t a = 0; a < axes; a++) {
            const float m = l->raw_sum[a] / (float)l->decimation;
            proto_put_u16le(&dst[2u * a], (uint16_t)raw_quantize(m * inv_scale));
            l->raw_sum[a] = 0.0f;
        }
        l->raw_k = 0;
        if (++l->raw_n == full) {
            const msg_raw_block_t h = {
                .first_frame = l->raw_first,
                .axis_count = (uint8_t)axes,
                .decimation = l->decimation,
                .format = MSG_RAW_FORMAT_I16,
                .scale_g = (float)node->range_g / 32768.0f,
                .frame_count = (uint16_t)full,
            };
            msg_raw_block_header(&h, l->raw);
            node->tx_len = 0;
            if (node_link_send(node, li, MSG_TYPE_RAW_BLOCK, l->seq++, l->raw,
                          MSG_RAW_HEADER_LEN + 2u * axes * full) == VIGIL_OK) {
                node->stats.raw_blocks_sent++;
            }
            l->raw_first += (uint32_t)(full * l->decimation);
            l->raw_n = 0;
        }
    }
}

/* Restarts every link's raw block at the next sample (a new stream, or a new scale). */
void node_raw_restart_all(node_t *node)
{
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        raw_begin(node, &node->link[i]);
    }
}

/* The threshold of whichever detector runs, as a score (EVENT, protocol.md §3.3); the baseline's
 * at the speed of the last window it scored (0 before it scored one). */
static float run_threshold(const node_t *node)
{
    if (!node->model_ok) {
        return node->bl_threshold;
    }
#if NN_SPEED_SECTION
    if (node->run.nn.speed_on) {
        return node->run.nn.speed.threshold;
    }
#endif
    return nn_score_f32(&node->run.nn.model, node->detector.threshold_sumsq);
}

float node_threshold(const node_t *node)
{
    const uint8_t d = node->detector_state;
    const float t = run_threshold(node);
    return (d == MSG_DETECTOR_MODEL || d == MSG_DETECTOR_BASELINE) && t > 0.0f ? t : MSG_NO_THRESHOLD;
}

/* The EVENT payload of the detector's current or last event (the model's or the node's own baseline's). */
static bool build_event(const node_t *node, uint8_t state, uint8_t payload[MSG_EVENT_LEN], size_t *len)
{
    const nn_detector_t *d = &node->detector;
    const nn_model_t *m = &node->run.nn.model;
    const bool model = node->model_ok;
#if NN_SPEED_SECTION
    const bool speed = model && node->run.nn.speed_on; /* its score and threshold (§2.1 of detection.md) */
#endif
    const msg_event_t e = {
        .event_id = d->event_id,
        .state = state,
        .debounce_k = d->k,
        .debounce_n = d->n,
        .start_window = d->start_window,
        .end_window = d->last_over,
        .start_t_us = t_us_of(node, d->start_window),
        .end_t_us = t_us_of(node, d->last_over),
        /* The node's own baseline: its score and threshold; model_version 0 (§3.3). */
#if NN_SPEED_SECTION
        .peak_score = !model ? node->bl_peak : speed ? node->run.nn.speed_peak : nn_score_f32(m, d->peak_sumsq),
#else
        .peak_score = model ? nn_score_f32(m, d->peak_sumsq) : node->bl_peak,
#endif
        .threshold = run_threshold(node),
        .model_version = model ? m->model_version : 0u,
    };
    return msg_event_encode(&e, payload, MSG_EVENT_LEN, len) == VIGIL_OK;
}

void node_send_event(node_t *node, uint8_t state)
{
    uint8_t payload[MSG_EVENT_LEN];
    size_t len = 0;
    if (build_event(node, state, payload, &len)) {
        node->stats.events_sent += node_send_all(node, MSG_STREAM_FEATURES, MSG_TYPE_EVENT, payload, len);
    }
}

void node_end_alarm(node_t *node)
{
    if ((node->model_ok || node->bl_on) && nn_detector_reset(&node->detector) == NN_DETECTOR_ENDED) {
        node_send_event(node, MSG_EVENT_ENDED);
    }
}

void node_resend_alarm(node_t *node, size_t li)
{
    node_link_t *l = &node->link[li];
    uint8_t payload[MSG_EVENT_LEN];
    size_t len = 0;
    if ((node->model_ok || node->bl_on) && node->detector.active && (l->mode & MSG_STREAM_FEATURES) != 0 &&
        build_event(node, MSG_EVENT_STARTED, payload, &len)) {
        node->tx_len = 0;
        node->stats.events_sent += node_link_send(node, li, MSG_TYPE_EVENT, l->seq++, payload, len) == VIGIL_OK;
        node->tx_len = 0;
    }
}

/* The model on this window's log bands; returns the detector's verdict, sets *score. */
static nn_detector_change_t run_model(node_t *node, float *score)
{
    const nn_model_t *m = &node->run.nn.model;
    /* Input i = a * B + b is band b of node axis axes[a] (model-format §2.3). */
    float *x = node->scratch;
    const size_t bands = node->spec.band_count;
    for (size_t a = 0; a < m->axis_count; a++) {
        memcpy(&x[a * bands], &node->fmsg.log_bands[m->axes[a] * bands], bands * sizeof(float));
    }
#if NN_SPEED_SECTION
    node_nn_t *nn = &node->run.nn;
    if (nn->speed_on) {
        /* the speed-aware detector at the machine's setting (CONFIG key 4); 0 = unknown: an unseen
           condition, never over */
        const nn_speed_step_t s = nn_speed_step(&nn->speed, &nn->speed_run, x, node->shaft_hz * 60.0f);
        const bool over = s.state == NN_SPEED_OVER;
        node->detector_state = s.state == NN_SPEED_UNSEEN ? MSG_DETECTOR_UNSEEN : MSG_DETECTOR_MODEL;
        *score = s.state == NN_SPEED_UNSEEN ? MSG_FEATURES_NO_MODEL : s.score;
        const bool was = node->detector.active;
        const nn_detector_change_t change = nn_detector_push(&node->detector, node->window_index, over ? 1u : 0u);
        if (change == NN_DETECTOR_STARTED || (!was && over)) {
            nn->speed_peak = 0.0f;
        }
        if (over && s.score > nn->speed_peak) {
            nn->speed_peak = s.score;
        }
        return change;
    }
#endif
    uint8_t *nn_scratch = (uint8_t *)&node->scratch[(m->input_dim + 1u) & ~(size_t)1u];
    const uint32_t sumsq = nn_net_run(&node->run.nn.net, x, nn_scratch, NULL, NULL);
    *score = nn_score_f32(m, sumsq);
    return nn_detector_push(&node->detector, node->window_index, sumsq);
}

static void process_window(node_t *node)
{
    const msg_hello_t *h = &node->hello;
    msg_features_t *f = &node->fmsg;
    const size_t bands = node->spec.band_count;
    f->window_index = node->window_index;
    f->t_us = t_us_of(node, node->window_index);
    f->shaft_hz = node->shaft_hz; /* told (CONFIG key 4), not estimated yet: 0 when unknown */
    f->axis_count = h->axis_count;
    f->fields_per_axis = MSG_FEATURES_FIELDS;
    for (size_t a = 0; a < h->axis_count; a++) {
        const float *p0, *p1;
        size_t n0;
        dsp_windower_view(&node->win, a, &p0, &n0, &p1);
        dsp_axis_features_t af;
        dsp_features_axis_f32(&node->feat, p0, n0, p1, node->scratch, &af, &f->log_bands[a * bands]);
        float *v = &f->values[a * MSG_FEATURES_FIELDS];
        v[MSG_FIELD_RMS] = af.rms;
        v[MSG_FIELD_PEAK] = af.peak;
        v[MSG_FIELD_CREST] = af.crest;
        v[MSG_FIELD_KURTOSIS] = af.kurtosis;
        v[MSG_FIELD_VELOCITY] = dsp_velocity_window_f32(&node->feat.vel, &node->velocity[a], p0, n0, p1,
                                                         node->spec.window_len, node->spec.hop, af.mean);
    }
    nn_detector_change_t change = NN_DETECTOR_QUIET;
    f->has_trailer = true;
    f->anomaly_score = MSG_FEATURES_NO_MODEL;
    if (node->model_ok) {
        change = run_model(node, &f->anomaly_score);
    } else if (node->bl_on) {
        change = node_baseline_window(node, f->log_bands, &f->anomaly_score);
    }
    f->band_count = node->send_bands ? (uint8_t)bands : 0u;
    f->has_state = true;
    f->detector = node->detector_state;
    f->learn_percent = node->learn_percent;
    f->has_threshold = true;
    f->threshold = node_threshold(node);

    uint8_t *payload = (uint8_t *)node->scratch; /* the model's buffers are done with */
    size_t len = 0;
    /* Cannot fail: the sizes were validated by node_init. */
    if (msg_features_encode(f, payload, sizeof node->scratch, &len) == VIGIL_OK) {
        node->stats.features_sent += node_send_all(node, MSG_STREAM_FEATURES, MSG_TYPE_FEATURES, payload, len);
    }
    if (change == NN_DETECTOR_STARTED) {
        node_send_event(node, MSG_EVENT_STARTED);
    } else if (change == NN_DETECTOR_ENDED) {
        node_send_event(node, MSG_EVENT_ENDED);
    }
    if (node->bl_on) {
        node_baseline_after_window(node);
    }
    node_ota_window(node, f->anomaly_score);
    /* The window counts even when its frame was dropped, so the receiver sees the gap (§2). */
    node->window_index++;
    node_log_drops(node);
}

static void push_frames(node_t *node, const float *frames, size_t n_frames)
{
    const size_t axes = node->hello.axis_count;
    size_t done = 0;
    while (done < n_frames) {
        bool complete = false;
        const float *p = frames + done * axes;
        const size_t took = dsp_windower_push(&node->win, p, n_frames - done, &complete);
        for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
            node_link_t *l = &node->link[i];
            if (l->mode & MSG_STREAM_RAW) {
                raw_push(node, l, i, p, took);
            }
        }
        node->stream_frames += took;
        done += took;
        if (complete) {
            process_window(node);
        }
    }
}

vigil_status_t node_push_samples(node_t *node, const float *frames, size_t n_frames)
{
    if (frames == NULL && n_frames != 0) {
        return VIGIL_ERR_ARG;
    }
    push_frames(node, frames, n_frames);
    return VIGIL_OK;
}

/* The feature stream from window 0 (a new stream, or a new hop): empty windows, detector cleared. */
void node_restart_windows(node_t *node)
{
    node_end_alarm(node);
    if (node->bl_on) {
        baseline_restart(&node->run.bl); /* a gap: the smoothing starts again */
    }
#if NN_SPEED_SECTION
    if (node->model_ok && node->run.nn.speed_on) {
        nn_speed_restart(&node->run.nn.speed_run);
    }
#endif
    dsp_windower_reset(&node->win);
    node_velocity_replan(node); /* the meters start again, for the current hop and band */
    node->window_index = 0;
    node->stream_frames = 0;
    node_raw_restart_all(node);
}

void node_restart_stream(node_t *node)
{
    node_restart_windows(node);
    node->next_frame = 0;
}

#if NODE_HAS_SAMPLES_IN
/* SAMPLES_IN (protocol.md §3.4): in order, or first_frame 0 to start a new stream. */
void node_on_samples_in(node_t *node, size_t li, const frame_view_t *v)
{
    msg_samples_in_t m;
    if (msg_samples_in_decode(v->payload, v->payload_len, &m) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        return;
    }
    if (!node->samples_in || li == NODE_LINK_BLE || m.axis_count != node->hello.axis_count ||
        (m.first_frame != node->next_frame && m.first_frame != 0)) {
        node->stats.samples_in_rejected++;
        return;
    }
    if (m.first_frame == 0 && node->next_frame != 0) {
        node_restart_stream(node);
    }
    /* Decode in small chunks: the payload's floats are little-endian and maybe unaligned. */
    float chunk[16 * NODE_AXES_MAX];
    const size_t axes = m.axis_count;
    const size_t per = sizeof chunk / sizeof chunk[0] / axes;
    for (size_t i = 0; i < m.frame_count; i += per) {
        const size_t n = m.frame_count - i < per ? m.frame_count - i : per;
        for (size_t k = 0; k < n * axes; k++) {
            chunk[k] = proto_get_f32le(&m.samples[4u * (i * axes + k)]);
        }
        push_frames(node, chunk, n);
    }
    node->next_frame = m.first_frame + m.frame_count;
    node->stats.samples_in_frames += m.frame_count;
}

#else
/* A build whose samples come from its sensor only (the STM32F405 node): SAMPLES_IN is dropped. */
void node_on_samples_in(node_t *node, size_t li, const frame_view_t *v)
{
    (void)li;
    (void)v;
    node->stats.samples_in_rejected++;
}
#endif

/* STREAM (§3.8) for link li. */
void node_on_stream(node_t *node, size_t li, uint16_t seq, const msg_stream_t *m)
{
    if (m->mode > (MSG_STREAM_FEATURES | MSG_STREAM_RAW) || m->raw_decimation < 1u ||
        m->raw_decimation > MSG_RAW_DECIMATION_MAX) {
        node_send_nack(node, li, seq, MSG_TYPE_STREAM, MSG_NACK_OUT_OF_RANGE, 0);
        return;
    }
    node_link_t *l = &node->link[li];
    const bool changed = l->mode != m->mode || l->decimation != m->raw_decimation;
    if ((m->mode & MSG_STREAM_RAW) && (!(l->mode & MSG_STREAM_RAW) || l->decimation != m->raw_decimation)) {
        l->decimation = m->raw_decimation;
        raw_begin(node, l); /* raw newly on (or a new D): a new block at the next sample */
    }
    l->mode = m->mode;
    l->decimation = m->raw_decimation;
    node_send_ack(node, li, seq, MSG_TYPE_STREAM);
    if (changed) {
        node_send_log(node, MSG_LOG_INFO, MSG_LOG_STREAM, "stream mode ", m->mode);
    }
}

