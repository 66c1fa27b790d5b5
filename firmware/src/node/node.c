#include "node.h"

#include <math.h>
#include <string.h>

#include "../dsp/band_tables.h"
#include "../proto/le.h"

/* Copies a NUL-terminated string of at most max bytes into dst[max + 1]; false if longer. */
static bool copy_bounded(char *dst, const char *src, size_t max)
{
    size_t n = 0;
    while (src[n] != '\0') {
        if (n == max) {
            return false;
        }
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
    return true;
}

static size_t count_names(const char *csv)
{
    if (csv[0] == '\0') {
        return 0;
    }
    size_t n = 1;
    for (const char *p = csv; *p != '\0'; p++) {
        n += (*p == ',');
    }
    return n;
}

/* The feature specification a configuration asks for (docs/features.md). */
static bool spec_from_config(const node_config_t *cfg, dsp_feature_spec_t *s)
{
    memset(s, 0, sizeof *s);
    s->sample_rate_hz = cfg->sample_rate_hz;
    s->window_len = cfg->window_len;
    s->hop = cfg->hop;
    s->segment_len = cfg->segment_len ? cfg->segment_len : cfg->window_len;
    s->band_count = cfg->band_count ? cfg->band_count : DSP_DEFAULT_BANDS;
    const uint16_t *edges = cfg->band_edges;
    if (edges == NULL) {
        if (cfg->band_count != 0 && cfg->band_count != DSP_DEFAULT_BANDS) {
            return false; /* other band counts come with their table */
        }
        edges = dsp_default_band_edges(s->segment_len);
    }
    if (edges == NULL || s->band_count > DSP_BANDS_MAX) {
        return false;
    }
    memcpy(s->band_edges, edges, (s->band_count + 1u) * sizeof edges[0]);
    s->velocity_lo_hz = 10.0f; /* ISO 20816-3: 10 to 1000 Hz above 600 rpm */
    s->velocity_hi_hz = 1000.0f;
    return true;
}

vigil_status_t node_init(node_t *node, const node_config_t *cfg, node_write_fn write, void *write_ctx)
{
    if (cfg == NULL || write == NULL || cfg->name == NULL || cfg->channels == NULL ||
        cfg->axis_count < 1 || cfg->axis_count > NODE_AXES_MAX || cfg->window_len < 1 ||
        cfg->window_len > NODE_WINDOW_MAX || cfg->hop < 1 || cfg->hop > cfg->window_len ||
        cfg->sample_rate_hz == 0 || (size_t)cfg->axis_count * cfg->window_len > NODE_SAMPLES_MAX) {
        return VIGIL_ERR_ARG;
    }
    msg_hello_t *h = &node->hello;
    if (!copy_bounded(h->name, cfg->name, MSG_NAME_MAX) ||
        !copy_bounded(h->channels, cfg->channels, MSG_CHANNELS_MAX)) {
        return VIGIL_ERR_ARG;
    }
    size_t names = count_names(h->channels);
    if (names != 0 && names != cfg->axis_count) {
        return VIGIL_ERR_ARG; /* protocol.md §3.1: one channel name per axis */
    }
    /* Window length, hop, segment and bands: validated here, once (dsp_features_check). */
    if (!spec_from_config(cfg, &node->spec) || node->spec.segment_len > NODE_SEGMENT_MAX ||
        dsp_features_init(&node->feat, &node->spec) != VIGIL_OK ||
        dsp_windower_init(&node->win, node->samples, NODE_SAMPLES_MAX, cfg->axis_count, cfg->window_len,
                          cfg->hop) != VIGIL_OK) {
        return VIGIL_ERR_ARG;
    }
    h->protocol_version = MSG_PROTOCOL_VERSION;
    h->fw_major = cfg->fw_major;
    h->fw_minor = cfg->fw_minor;
    h->fw_patch = cfg->fw_patch;
    memcpy(h->uid, cfg->uid, MSG_UID_LEN);
    h->board = cfg->board;
    h->axis_count = cfg->axis_count;
    h->window_len = cfg->window_len;
    h->hop = cfg->hop;
    h->sample_rate_hz = cfg->sample_rate_hz;
    node->send_bands = cfg->send_bands;
    node->samples_in = cfg->samples_in;

    node->write = write;
    node->write_ctx = write_ctx;
    node->seq = 0;
    node->window_index = 0;
    node->next_frame = 0;
    memset(&node->stats, 0, sizeof node->stats);
    memset(node->key, 0, sizeof node->key);
    node->model_ok = false;
    frame_deframer_init(&node->rx);
    return VIGIL_OK;
}

void node_set_key(node_t *node, const uint8_t key[NN_MODEL_KEY_LEN])
{
    memcpy(node->key, key, NN_MODEL_KEY_LEN);
}

/* Parses, checks and prepares blob into the given model slots; the self-test last. */
static vigil_status_t check_model(node_t *node, const uint8_t *blob, size_t len, nn_model_t *m, nn_net_t *net,
                                  nn_channel_t *channels)
{
    vigil_status_t st = nn_model_parse(m, blob, len, node->key);
    if (st == VIGIL_OK) {
        st = nn_model_check_node(m, &node->spec, node->hello.axis_count, 0);
    }
    if (st == VIGIL_OK) {
        const size_t need = 4u * ((size_t)m->input_dim + 1u) + nn_net_scratch_bytes(m);
        if (m->input_dim > NODE_MODEL_INPUT_MAX || need > sizeof node->scratch) {
            st = VIGIL_ERR_LIMIT;
        }
    }
    if (st == VIGIL_OK) {
        st = nn_net_prepare(net, m, channels, NODE_NN_CHANNELS_MAX);
    }
    if (st == VIGIL_OK) {
        st = nn_net_selftest(net, (uint8_t *)node->scratch);
    }
    return st;
}

vigil_status_t node_accept_model(void *ctx, const uint8_t *blob, size_t len)
{
    node_t *node = ctx;
    if (!node->model_ok) {
        return check_model(node, blob, len, &node->model, &node->net, node->channels);
    }
    /* A model is running: check the candidate in its place (no second set of buffers), then put
     * the running one back; it passed these checks before, from the same bytes. */
    const uint8_t *running = node->model_blob;
    const size_t running_len = node->model_len;
    const vigil_status_t st = check_model(node, blob, len, &node->model, &node->net, node->channels);
    if (check_model(node, running, running_len, &node->model, &node->net, node->channels) != VIGIL_OK) {
        node->model_ok = false; /* cannot happen unless the running blob changed under us */
    }
    return st;
}

vigil_status_t node_set_model(node_t *node, const uint8_t *blob, size_t len)
{
    if (node->model_ok) {
        vigil_status_t st = node_accept_model(node, blob, len);
        if (st != VIGIL_OK) {
            return st;
        }
    }
    node->model_ok = false;
    vigil_status_t st = check_model(node, blob, len, &node->model, &node->net, node->channels);
    if (st == VIGIL_OK) {
        st = nn_detector_init(&node->detector, node->model.threshold_sumsq, node->model.debounce_k,
                              node->model.debounce_n);
    }
    node->model_ok = st == VIGIL_OK;
    node->model_blob = node->model_ok ? blob : NULL;
    node->model_len = node->model_ok ? len : 0;
    return st;
}

void node_clear_model(node_t *node)
{
    node->model_ok = false;
}

static vigil_status_t node_send(node_t *node, uint8_t type, uint16_t seq, const uint8_t *payload,
                                size_t payload_len)
{
    size_t n = 0;
    vigil_status_t st = frame_build(type, seq, payload, payload_len, node->tx, sizeof node->tx, &n);
    if (st == VIGIL_OK) {
        st = node->write(node->write_ctx, node->tx, n);
    }
    if (st != VIGIL_OK) {
        node->stats.tx_dropped++;
    }
    return st;
}

static vigil_status_t node_send_hello_seq(node_t *node, uint16_t seq)
{
    uint8_t payload[MSG_HELLO_MAX_LEN];
    size_t len = 0;
    vigil_status_t st = msg_hello_encode(&node->hello, payload, sizeof payload, &len);
    if (st == VIGIL_OK) {
        st = node_send(node, MSG_TYPE_HELLO, seq, payload, len);
    }
    if (st == VIGIL_OK) {
        node->stats.hello_sent++;
    }
    return st;
}

vigil_status_t node_send_hello(node_t *node)
{
    static const uint8_t flush = 0x00;
    (void)node->write(node->write_ctx, &flush, 1); /* best effort: it only helps a receiver resync */
    return node_send_hello_seq(node, node->seq++);
}

/* floor(n / d) and n mod d for a 64-bit n and 32-bit d by shift-and-subtract: the only 64-bit
 * division the node needs, without libgcc's general one (700 bytes of flash on the Cortex-M4). */
static uint64_t udiv64_32(uint64_t n, uint32_t d, uint32_t *rem)
{
    uint64_t q = 0;
    uint64_t r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((n >> bit) & 1u);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << bit;
        }
    }
    *rem = (uint32_t)r;
    return q;
}

uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz)
{
    /* Split into whole seconds and remainder so the product cannot overflow 64 bits for any
     * window_index; the result equals floor(samples * 1e6 / rate) exactly. */
    const uint64_t samples = (uint64_t)window_index * hop + window_len;
    uint32_t rem, unused;
    const uint64_t secs = udiv64_32(samples, sample_rate_hz, &rem);
    return secs * 1000000u + udiv64_32((uint64_t)rem * 1000000u, sample_rate_hz, &unused);
}

static uint64_t t_us_of(const node_t *node, uint32_t window_index)
{
    const msg_hello_t *h = &node->hello;
    return node_window_t_us(window_index, h->hop, h->window_len, h->sample_rate_hz);
}

static void send_event(node_t *node, uint8_t state)
{
    const nn_detector_t *d = &node->detector;
    const msg_event_t e = {
        .event_id = d->event_id,
        .state = state,
        .debounce_k = d->k,
        .debounce_n = d->n,
        .start_window = d->start_window,
        .end_window = d->last_over,
        .start_t_us = t_us_of(node, d->start_window),
        .end_t_us = t_us_of(node, d->last_over),
        .peak_score = nn_score_f32(&node->model, d->peak_sumsq),
        .threshold = nn_score_f32(&node->model, d->threshold_sumsq),
        .model_version = node->model.model_version,
    };
    uint8_t payload[MSG_EVENT_LEN];
    size_t len = 0;
    if (msg_event_encode(&e, payload, sizeof payload, &len) == VIGIL_OK &&
        node_send(node, MSG_TYPE_EVENT, node->seq++, payload, len) == VIGIL_OK) {
        node->stats.events_sent++;
    }
}

/* The model on this window's log bands; returns the detector's verdict, sets *score. */
static nn_detector_change_t run_model(node_t *node, float *score)
{
    const nn_model_t *m = &node->model;
    /* Input i = a * B + b is band b of node axis axes[a] (model-format §2.3). */
    float *x = node->scratch;
    const size_t bands = node->spec.band_count;
    for (size_t a = 0; a < m->axis_count; a++) {
        memcpy(&x[a * bands], &node->fmsg.log_bands[m->axes[a] * bands], bands * sizeof(float));
    }
    uint8_t *nn_scratch = (uint8_t *)&node->scratch[(m->input_dim + 1u) & ~(size_t)1u];
    const uint32_t sumsq = nn_net_run(&node->net, x, nn_scratch, NULL, NULL);
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
    f->shaft_hz = 0.0f; /* not estimated yet (protocol.md §3.2: 0 when unknown) */
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
        v[MSG_FIELD_VELOCITY] = af.velocity_mm_s;
    }
    nn_detector_change_t change = NN_DETECTOR_QUIET;
    f->has_trailer = true;
    f->anomaly_score = NAN;
    if (node->model_ok) {
        change = run_model(node, &f->anomaly_score);
    }
    f->band_count = node->send_bands ? (uint8_t)bands : 0u;

    uint8_t *payload = (uint8_t *)node->scratch; /* the model's buffers are done with */
    size_t len = 0;
    /* Cannot fail: the sizes were validated by node_init. */
    if (msg_features_encode(f, payload, sizeof node->scratch, &len) == VIGIL_OK &&
        node_send(node, MSG_TYPE_FEATURES, node->seq++, payload, len) == VIGIL_OK) {
        node->stats.features_sent++;
    }
    if (change == NN_DETECTOR_STARTED) {
        send_event(node, MSG_EVENT_STARTED);
    } else if (change == NN_DETECTOR_ENDED) {
        send_event(node, MSG_EVENT_ENDED);
    }
    /* The window counts even when its frame was dropped, so the receiver sees the gap (§2). */
    node->window_index++;
}

static void push_frames(node_t *node, const float *frames, size_t n_frames)
{
    const size_t axes = node->hello.axis_count;
    size_t done = 0;
    while (done < n_frames) {
        bool complete = false;
        done += dsp_windower_push(&node->win, frames + done * axes, n_frames - done, &complete);
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

void node_restart_stream(node_t *node)
{
    if (node->model_ok && nn_detector_reset(&node->detector) == NN_DETECTOR_ENDED) {
        send_event(node, MSG_EVENT_ENDED);
    }
    dsp_windower_reset(&node->win);
    node->window_index = 0;
    node->next_frame = 0;
}

/* SAMPLES_IN (protocol.md §3.4): in order, or first_frame 0 to start a new stream. */
static void on_samples_in(node_t *node, const frame_view_t *v)
{
    msg_samples_in_t m;
    if (msg_samples_in_decode(v->payload, v->payload_len, &m) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        return;
    }
    if (!node->samples_in || m.axis_count != node->hello.axis_count ||
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

void node_rx_bytes(node_t *node, const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        frame_view_t v;
        if (!frame_deframer_push_u8(&node->rx, bytes[i], &v)) {
            continue;
        }
        if (v.type == MSG_TYPE_HELLO_REQ) {
            /* A response carries the request's seq and leaves the node's own counter alone (§2).
             * A write failure is already counted in tx_dropped. */
            (void)node_send_hello_seq(node, v.seq);
        } else if (v.type == MSG_TYPE_SAMPLES_IN) {
            on_samples_in(node, &v);
        } else {
            node->stats.rx_unknown_type++;
        }
    }
}
