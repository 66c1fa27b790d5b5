#include "node.h"

#include <string.h>

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

vigil_status_t node_init(node_t *node, const node_config_t *cfg, node_write_fn write, void *write_ctx)
{
    if (cfg == NULL || write == NULL || cfg->name == NULL || cfg->channels == NULL ||
        cfg->axis_count < 1 || cfg->axis_count > NODE_AXES_MAX || cfg->window_len < 1 ||
        cfg->window_len > NODE_WINDOW_MAX || cfg->hop < 1 || cfg->hop > cfg->window_len ||
        cfg->sample_rate_hz == 0) {
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

    for (size_t a = 0; a < cfg->axis_count; a++) {
        vigil_status_t st = dsp_window_init_f32(&node->win[a], node->storage[a], cfg->window_len, cfg->hop);
        if (st != VIGIL_OK) {
            return st;
        }
    }
    node->write = write;
    node->write_ctx = write_ctx;
    node->seq = 0;
    node->window_index = 0;
    memset(&node->stats, 0, sizeof node->stats);
    frame_deframer_init(&node->rx);
    return VIGIL_OK;
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

uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz)
{
    /* Split into whole seconds and remainder so the product cannot overflow 64 bits for any
     * window_index; the result equals floor(samples * 1e6 / rate) exactly. */
    uint64_t samples = (uint64_t)window_index * hop + window_len;
    uint64_t secs = samples / sample_rate_hz;
    uint64_t rem = samples % sample_rate_hz;
    return secs * 1000000u + (rem * 1000000u) / sample_rate_hz;
}

static void node_send_features(node_t *node)
{
    const msg_hello_t *h = &node->hello;
    msg_features_t f = {
        .window_index = node->window_index,
        .t_us = node_window_t_us(node->window_index, h->hop, h->window_len, h->sample_rate_hz),
        .shaft_hz = 0.0f, /* not estimated in this slice (protocol.md §3.2: 0 when unknown) */
        .axis_count = h->axis_count,
        .fields_per_axis = NODE_FIELDS_PER_AXIS,
    };
    for (size_t a = 0; a < h->axis_count; a++) {
        f.values[a * NODE_FIELDS_PER_AXIS + MSG_FIELD_RMS] = dsp_rms_f32(node->win[a].buf, h->window_len);
    }
    uint8_t payload[MSG_FEATURES_MAX_LEN];
    size_t len = 0;
    /* Cannot fail: axis_count and fields_per_axis were validated by node_init. */
    if (msg_features_encode(&f, payload, sizeof payload, &len) == VIGIL_OK &&
        node_send(node, MSG_TYPE_FEATURES, node->seq++, payload, len) == VIGIL_OK) {
        node->stats.features_sent++;
    }
    /* The window counts even when its frame was dropped, so the receiver sees the gap (§2). */
    node->window_index++;
}

vigil_status_t node_push_samples(node_t *node, const float *frames, size_t n_frames)
{
    if (frames == NULL && n_frames != 0) {
        return VIGIL_ERR_ARG;
    }
    const size_t axes = node->hello.axis_count;
    for (size_t i = 0; i < n_frames; i++) {
        bool complete = false;
        for (size_t a = 0; a < axes; a++) {
            /* All axes advance in lockstep, so they complete on the same sample. */
            complete = dsp_window_push_f32(&node->win[a], frames[i * axes + a]);
        }
        if (complete) {
            node_send_features(node);
        }
    }
    return VIGIL_OK;
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
        } else {
            node->stats.rx_unknown_type++;
        }
    }
}
