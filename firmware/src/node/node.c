/*
 * The node core's entry points: node_init (configuration, identity record, links) and the receive
 * path (node_rx_bytes: deframing, then one handler per message type; docs/protocol.md §2, §3).
 * The handlers live beside it: node_link.c (what goes out), node_config.c (CONFIG and the identity
 * record), node_model.c (the model), node_stream.c (windows, FEATURES, EVENT, RAW_BLOCK,
 * SAMPLES_IN, STREAM) and node_secure.c (PAIR, SECURE, TIME); node_priv.h joins them.
 */
#include "node_priv.h"

#include <string.h>

#include "../dsp/band_tables.h"

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

vigil_status_t node_init(node_t *node, const node_config_t *cfg)
{
    if (cfg == NULL || cfg->link[NODE_LINK_WIRED].write == NULL || cfg->name == NULL || cfg->channels == NULL ||
        cfg->axis_count < 1 || cfg->axis_count > NODE_AXES_MAX || cfg->window_len < 1 ||
        cfg->window_len > NODE_WINDOW_MAX || cfg->hop < 1 || cfg->hop > cfg->window_len ||
        cfg->sample_rate_hz == 0 || (size_t)cfg->axis_count * cfg->window_len > NODE_SAMPLES_MAX ||
        (cfg->range_g != 0 && !node_valid_range_g(cfg->range_g)) ||
        (cfg->learn_windows != 0 && cfg->learn_windows < NODE_LEARN_WINDOWS_MIN)) {
        return VIGIL_ERR_ARG;
    }
    memset(&node->hello, 0, sizeof node->hello);
    msg_hello_t *h = &node->hello;
    if (!copy_bounded(h->name, cfg->name, MSG_NAME_MAX) ||
        !copy_bounded(h->channels, cfg->channels, MSG_CHANNELS_MAX)) {
        return VIGIL_ERR_ARG;
    }
    size_t names = count_names(h->channels);
    if (names != 0 && names != cfg->axis_count) {
        return VIGIL_ERR_ARG; /* protocol.md §3.1: one channel name per axis */
    }
    h->window_len = cfg->window_len;
    memset(node->key, 0, sizeof node->key);
    memset(node->key_id, 0, sizeof node->key_id);
    node->paired = false;
    node->range_g = cfg->range_g ? cfg->range_g : 16u;
    node->shaft_hz = 0.0f;
    node->slow_machine = false;
    node->send_bands = cfg->send_bands;
    h->hop = cfg->hop;
    node_apply_identity(node, cfg->identity, cfg->identity_len);
    node_config_t eff = *cfg;
    eff.hop = h->hop;
    /* Window length, hop, segment and bands: validated here, once (dsp_features_check). */
    if (!spec_from_config(&eff, &node->spec) || node->spec.segment_len > NODE_SEGMENT_MAX ||
        dsp_features_init(&node->feat, &node->spec) != VIGIL_OK ||
        dsp_windower_init(&node->win, node->samples, NODE_SAMPLES_MAX, cfg->axis_count, cfg->window_len,
                          h->hop) != VIGIL_OK) {
        return VIGIL_ERR_ARG;
    }
    h->protocol_version = MSG_PROTOCOL_VERSION;
    h->fw_major = cfg->fw_major;
    h->fw_minor = cfg->fw_minor;
    h->fw_patch = cfg->fw_patch;
    memcpy(h->uid, cfg->uid, MSG_UID_LEN);
    h->board = cfg->board;
    h->axis_count = cfg->axis_count;
    h->sample_rate_hz = cfg->sample_rate_hz;
    h->has_info = true;
    h->info.protocol_minor = MSG_PROTOCOL_MINOR;
    h->info.sensor = cfg->sensor;
    h->info.capabilities = MSG_CAP_PAIR | MSG_CAP_CONFIG | MSG_CAP_STREAM | MSG_CAP_RAW_BLOCK | MSG_CAP_TIME |
                           MSG_CAP_PING | MSG_CAP_LOG | MSG_CAP_SECURE |
                           (NODE_HAS_SAMPLES_IN && cfg->samples_in ? MSG_CAP_SAMPLES_IN : 0u);
    node->samples_in = cfg->samples_in;
    node->io = cfg->io;
    node->store = cfg->store;
    node->booted = false;
    node_velocity_replan(node); /* the stored band (CONFIG key 9); the meters start empty */
    node->window_index = 0;
    node->next_frame = 0;
    node->stream_frames = 0;
    node->nonce_counter = 0;
    node->drops_unlogged = 0;
    node->drop_log_us = 0;
    node->pending_logs = 0;
    node->tx_len = 0;
    memset(&node->stats, 0, sizeof node->stats);
    node->model_ok = false;
    node->model_blob = NULL;
    node->model_source = MSG_MODEL_SOURCE_NONE;
    node->bl_on = false;
    node->detector_state = MSG_DETECTOR_NONE;
    node->learn_percent = 0;
    node->bl_flash = cfg->baseline_flash;
    node->learn_windows = cfg->learn_windows != 0 ? cfg->learn_windows : NODE_LEARN_WINDOWS_DEFAULT;
    node->ota_on = false;
    node->ota_builtin = NULL;
    node->ota_builtin_len = 0;
    for (size_t i = 0; i < NODE_LINKS_MAX; i++) {
        node_link_t *l = &node->link[i];
        memset(l, 0, offsetof(node_link_t, raw));
        l->write = i < NODE_SEND_LINKS ? cfg->link[i].write : NULL;
        l->write_ctx = cfg->link[i].ctx;
        l->mode = l->write != NULL ? MSG_STREAM_FEATURES : 0u; /* §3.8: boot default mode 1, D = 1 */
        l->decimation = 1;
        frame_deframer_init(&l->rx);
        node_new_nonce(node, l);
    }
#if NODE_LINKS_MAX > 1
    if (node->link[NODE_LINK_BLE].write != NULL) {
        h->info.capabilities |= MSG_CAP_BLE;
    }
#endif
    return VIGIL_OK;
}

/* CONFIG_SET or STREAM, in the clear (authed false) or from inside a verified SECURE. */
void node_on_command(node_t *node, size_t li, uint16_t seq, uint8_t type, const uint8_t *p, size_t len,
                       bool authed)
{
    msg_config_t c;
    msg_stream_t m;
    const bool ok = type == MSG_TYPE_STREAM ? msg_stream_decode(p, len, &m) == VIGIL_OK
                                            : msg_config_decode(p, len, &c) == VIGIL_OK;
    if (!ok) {
        node->stats.rx_bad_payload++;
        node_send_nack(node, li, seq, type, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    /* §3.13: over Bluetooth LE these need SECURE, except STREAM mode 1 with D = 1 (§3.8). */
    if (li == NODE_LINK_BLE && !authed &&
        !(type == MSG_TYPE_STREAM && m.mode == MSG_STREAM_FEATURES && m.raw_decimation == 1u)) {
        node_send_nack(node, li, seq, type, MSG_NACK_AUTH_REQUIRED, 0);
        return;
    }
    if (type == MSG_TYPE_STREAM) {
        node_on_stream(node, li, seq, &m);
    } else {
        node_on_config_set(node, li, seq, &c);
    }
}

static void on_frame(node_t *node, size_t li, const frame_view_t *v)
{
    if (li >= NODE_SEND_LINKS || node->link[li].write == NULL) {
        /* The feed link (§4.1): SAMPLES_IN only, nothing is sent on it. */
        if (v->type == MSG_TYPE_SAMPLES_IN) {
            node_on_samples_in(node, li, v);
        } else {
            node->stats.feed_ignored++;
        }
        return;
    }
    node->link[li].heard = true;
    switch (v->type) {
    case MSG_TYPE_HELLO_REQ:
        /* A response carries the request's seq and leaves the link's own counter alone (§2). */
        node_new_nonce(node, &node->link[li]);
        (void)node_send_hello_on(node, li, v->seq);
        node_resend_alarm(node, li); /* a host that connects during an alarm sees it */
        break;
    case MSG_TYPE_SAMPLES_IN:
        node_on_samples_in(node, li, v);
        break;
    case MSG_TYPE_PING:
        if (msg_ping_check(v->payload_len) != VIGIL_OK) {
            node->stats.rx_bad_payload++;
            node_send_nack(node, li, v->seq, MSG_TYPE_PING, MSG_NACK_BAD_PAYLOAD, 0);
        } else {
            node->tx_len = 0;
            (void)node_link_send(node, li, MSG_TYPE_PONG, v->seq, v->payload, v->payload_len);
        }
        break;
    case MSG_TYPE_CONFIG_GET:
        node_send_config(node, li, v->seq);
        break;
    case MSG_TYPE_TIME_REQ:
        node_on_time_req(node, li, v);
        break;
    case MSG_TYPE_PAIR:
        node_on_pair(node, li, v);
        break;
    case MSG_TYPE_CONFIG_SET:
    case MSG_TYPE_STREAM:
        node_on_command(node, li, v->seq, v->type, v->payload, v->payload_len, false);
        break;
    case MSG_TYPE_SECURE:
        node_on_secure(node, li, v);
        break;
    default:
        if (ota_handles(v->type)) {
            node_on_ota(node, li, v->seq, v->type, v->payload, v->payload_len, false);
            break;
        }
        node->stats.rx_unknown_type++;
        node_send_nack(node, li, v->seq, v->type, MSG_NACK_UNKNOWN_TYPE, 0);
        break;
    }
}

void node_rx_bytes(node_t *node, size_t link, const uint8_t *bytes, size_t len)
{
    if (link >= NODE_LINKS_MAX) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        frame_view_t v;
        if (frame_deframer_push_u8(&node->link[link].rx, bytes[i], &v)) {
            on_frame(node, link, &v);
        }
    }
    node_log_drops(node);
}
