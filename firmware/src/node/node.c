#include "node.h"

#include <math.h>
#include <string.h>

#include "../crypto/sha256.h"
#include "../dsp/band_tables.h"
#include "../proto/crc32.h"
#include "../proto/le.h"
#include "../store/store.h"

static const uint8_t k_zero_key[NN_MODEL_KEY_LEN];

/* strlen of the node's own short strings (newlib's word-at-a-time strlen is 220 bytes of flash). */
static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

static bool is_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static bool valid_range_g(uint32_t g)
{
    return g == 2u || g == 4u || g == 8u || g == 16u;
}

/* CONFIG key 4: 0 (unknown) or 0.1 .. 1000 Hz, finite (NaN fails both comparisons). */
static bool valid_shaft(float hz)
{
    return hz == 0.0f || (hz >= 0.1f && hz <= 1000.0f);
}

/* A name from the wire: 1..32 bytes without NUL (it is kept NUL-terminated). */
static bool valid_name(const uint8_t *p, size_t n)
{
    return n >= 1u && n <= MSG_NAME_MAX && memchr(p, 0, n) == NULL;
}

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

/* Identity record layout (NODE_IDENTITY_LEN = 84):
 *   0 "VGID" | 4 version 1 | 5 range_g | 6 hop u16 | 8 shaft_hz f32 | 12 send_bands | 13 name_len
 *   | 14 name[32] (zero padded) | 46 key[32] | 78 reserved u16 | 80 CRC-32 of bytes 0..79 */
#define ID_MAGIC 0x44494756u /* "VGID" */

void node_identity_record(const node_t *node, uint8_t out[NODE_IDENTITY_LEN])
{
    memset(out, 0, NODE_IDENTITY_LEN);
    proto_put_u32le(&out[0], ID_MAGIC);
    out[4] = 1;
    out[5] = node->range_g;
    proto_put_u16le(&out[6], node->hello.hop);
    proto_put_f32le(&out[8], node->shaft_hz);
    out[12] = node->send_bands;
    const size_t n = str_len(node->hello.name);
    out[13] = (uint8_t)n;
    memcpy(&out[14], node->hello.name, n);
    memcpy(&out[46], node->key, NN_MODEL_KEY_LEN);
    proto_put_u32le(&out[80], proto_crc32_u8(out, 80));
}

bool node_identity_intact(const uint8_t *r)
{
    return proto_get_u32le(&r[0]) == ID_MAGIC && r[4] == 1u && proto_get_u32le(&r[80]) == proto_crc32_u8(r, 80);
}

/* Applies a stored record when it is valid for this node (else nothing). */
static void apply_identity(node_t *node, const uint8_t *r, size_t len)
{
    if (r == NULL || len < NODE_IDENTITY_LEN || !node_identity_intact(r)) {
        return;
    }
    const uint16_t hop = proto_get_u16le(&r[6]);
    const float shaft = proto_get_f32le(&r[8]);
    if (!valid_range_g(r[5]) || hop < 1u || hop > node->hello.window_len || !valid_shaft(shaft) ||
        r[12] > 1u || !valid_name(&r[14], r[13])) {
        return;
    }
    node->range_g = r[5];
    node->hello.hop = hop;
    node->shaft_hz = shaft;
    node->send_bands = r[12] != 0;
    memcpy(node->hello.name, &r[14], r[13]);
    node->hello.name[r[13]] = '\0';
    node_set_key(node, &r[46]);
}

static void new_nonce(node_t *node, node_link_t *l)
{
    if (node->io.random != NULL) {
        node->io.random(node->io.ctx, l->nonce, sizeof l->nonce);
    } else {
        node->nonce_counter++; /* tests: distinct, predictable */
        memset(l->nonce, 0, sizeof l->nonce);
        proto_put_u32le(l->nonce, node->nonce_counter);
    }
    l->counter = 0;
}

vigil_status_t node_init(node_t *node, const node_config_t *cfg)
{
    if (cfg == NULL || cfg->link[NODE_LINK_WIRED].write == NULL || cfg->name == NULL || cfg->channels == NULL ||
        cfg->axis_count < 1 || cfg->axis_count > NODE_AXES_MAX || cfg->window_len < 1 ||
        cfg->window_len > NODE_WINDOW_MAX || cfg->hop < 1 || cfg->hop > cfg->window_len ||
        cfg->sample_rate_hz == 0 || (size_t)cfg->axis_count * cfg->window_len > NODE_SAMPLES_MAX ||
        (cfg->range_g != 0 && !valid_range_g(cfg->range_g))) {
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
    node->send_bands = cfg->send_bands;
    h->hop = cfg->hop;
    apply_identity(node, cfg->identity, cfg->identity_len);
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
    for (size_t i = 0; i < NODE_LINKS_MAX; i++) {
        node_link_t *l = &node->link[i];
        memset(l, 0, offsetof(node_link_t, raw));
        l->write = i < NODE_SEND_LINKS ? cfg->link[i].write : NULL;
        l->write_ctx = cfg->link[i].ctx;
        l->mode = l->write != NULL ? MSG_STREAM_FEATURES : 0u; /* §3.8: boot default mode 1, D = 1 */
        l->decimation = 1;
        frame_deframer_init(&l->rx);
        new_nonce(node, l);
    }
#if NODE_LINKS_MAX > 1
    if (node->link[NODE_LINK_BLE].write != NULL) {
        h->info.capabilities |= MSG_CAP_BLE;
    }
#endif
    return VIGIL_OK;
}

void node_set_key(node_t *node, const uint8_t key[NN_MODEL_KEY_LEN])
{
    memcpy(node->key, key, NN_MODEL_KEY_LEN);
    node->paired = !is_zero(key, NN_MODEL_KEY_LEN);
    uint8_t d[SHA256_DIGEST_LEN] = {0};
    if (node->paired) {
        sha256(key, NN_MODEL_KEY_LEN, d);
    }
    memcpy(node->key_id, d, MSG_KEY_ID_LEN);
}

/* Parses, checks and prepares blob into the given model slots; the self-test last. */
static vigil_status_t check_model(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    nn_model_t *m = &node->model;
    vigil_status_t st = nn_model_parse(m, blob, len, key);
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
        st = nn_net_prepare(&node->net, m, node->channels, NODE_NN_CHANNELS_MAX);
    }
    if (st == VIGIL_OK) {
        st = nn_net_selftest(&node->net, (uint8_t *)node->scratch);
    }
    return st;
}

/* Checks candidate blob under key in the place of the running model (no second set of buffers),
 * then puts the running one back: it passed every check before, from the same bytes, so its tag is
 * not checked again (the key may have changed since: a running model survives PAIR). */
static vigil_status_t check_beside_running(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    const vigil_status_t st = check_model(node, blob, len, key);
    if (node->model_ok && check_model(node, node->model_blob, node->model_len, NULL) != VIGIL_OK) {
        node->model_ok = false; /* cannot happen unless the running blob changed under us */
    }
    return st;
}

vigil_status_t node_accept_model(void *ctx, const uint8_t *blob, size_t len)
{
    node_t *node = ctx;
    return check_beside_running(node, blob, len, node->key);
}

static void send_log(node_t *node, uint8_t level, uint16_t code, const char *text, uint32_t number);

static void model_log(node_t *node, uint8_t code, uint32_t version)
{
    if (node->booted) {
        send_log(node, code == MSG_LOG_MODEL_LOADED ? MSG_LOG_INFO : MSG_LOG_WARNING, code,
                 code == MSG_LOG_MODEL_LOADED ? "model loaded, version " : "model refused, version ", version);
    } else if (node->pending_logs < 2u) {
        node->pending_log[node->pending_logs] = code;
        node->pending_version[node->pending_logs++] = version;
    }
}

/* The version field of a blob that is too short or broken to parse: 0 (model-format §2.1 +12). */
static uint32_t blob_version(const uint8_t *blob, size_t len)
{
    return len >= NN_MODEL_HEADER_LEN ? proto_get_u32le(&blob[12]) : 0u;
}

vigil_status_t node_set_model(node_t *node, const uint8_t *blob, size_t len, uint8_t source)
{
    const uint8_t *key = source == MSG_MODEL_SOURCE_BUILTIN ? k_zero_key : node->key;
    vigil_status_t st = blob == NULL ? VIGIL_ERR_ARG : VIGIL_OK;
    if (st == VIGIL_OK && node->model_ok) {
        st = check_beside_running(node, blob, len, key);
    }
    if (st == VIGIL_OK) {
        node->model_ok = false;
        st = check_model(node, blob, len, key);
    }
    if (st == VIGIL_OK) {
        st = nn_detector_init(&node->detector, node->model.threshold_sumsq, node->model.debounce_k,
                              node->model.debounce_n);
        node->model_ok = st == VIGIL_OK;
        node->model_blob = blob;
        node->model_len = len;
        node->model_source = source;
    }
    model_log(node, st == VIGIL_OK ? MSG_LOG_MODEL_LOADED : MSG_LOG_MODEL_REFUSED,
              blob == NULL ? 0u : blob_version(blob, len));
    return st;
}

void node_clear_model(node_t *node)
{
    node->model_ok = false;
    node->model_blob = NULL;
    node->model_source = MSG_MODEL_SOURCE_NONE;
}

/* Sends one frame on link li. Links that send the same frame with the same seq share one encoding
 * (at boot every link streams features in step: one CRC + COBS pass per window, not two). */
static vigil_status_t link_send(node_t *node, size_t li, uint8_t type, uint16_t seq, const uint8_t *payload,
                                size_t payload_len)
{
    node_link_t *l = &node->link[li];
    vigil_status_t st = VIGIL_OK;
    if (node->tx_len == 0 || node->tx_type != type || node->tx_seq != seq || node->tx_payload != payload) {
        node->tx_len = 0;
        st = frame_build(type, seq, payload, payload_len, node->tx, sizeof node->tx, &node->tx_len);
        node->tx_type = type;
        node->tx_seq = seq;
        node->tx_payload = payload;
    }
    if (st == VIGIL_OK) {
        st = l->write(l->write_ctx, node->tx, node->tx_len);
    }
    if (st != VIGIL_OK) {
        node->stats.tx_dropped++;
        l->tx_dropped++;
        if (type != MSG_TYPE_LOG) {
            node->drops_unlogged++;
        }
    }
    return st;
}

/* A frame on the node's own initiative (its own seq) on every link whose mode has a bit of mask
 * (mask 0: every link that sends). The payload buffer must not change between the links. */
static bool send_all(node_t *node, uint8_t mask, uint8_t type, const uint8_t *payload, size_t len)
{
    bool sent = false;
    node->tx_len = 0;
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        node_link_t *l = &node->link[i];
        if (l->write != NULL && (mask == 0 || (l->mode & mask) != 0)) {
            sent |= link_send(node, i, type, l->seq++, payload, len) == VIGIL_OK;
        }
    }
    node->tx_len = 0; /* the payload buffer may be reused for something else next */
    return sent;
}

static void send_nack(node_t *node, size_t li, uint16_t seq, uint8_t req_type, uint8_t reason, uint16_t detail)
{
    const msg_nack_t m = {.req_type = req_type, .reason = reason, .detail = detail};
    uint8_t p[MSG_NACK_LEN];
    size_t n = 0;
    if (msg_nack_encode(&m, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: the buffer fits */
    }
    node->tx_len = 0;
    (void)link_send(node, li, MSG_TYPE_NACK, seq, p, n);
    node->stats.nacks_sent++;
}

static void send_ack(node_t *node, size_t li, uint16_t seq, uint8_t req_type)
{
    node->tx_len = 0;
    (void)link_send(node, li, MSG_TYPE_ACK, seq, &req_type, 1);
}

/* LOG (§3.12) on every link whose stream mode is not 0; text, then number in decimal unless it
 * is UINT32_MAX. */
static void send_log(node_t *node, uint8_t level, uint16_t code, const char *text, uint32_t number)
{
    uint8_t p[MSG_LOG_HEADER_LEN + MSG_LOG_TEXT_MAX];
    size_t n = str_len(text);
    memcpy(&p[MSG_LOG_HEADER_LEN], text, n);
    if (number != UINT32_MAX) {
        char digits[10];
        size_t k = 0;
        do {
            digits[k++] = (char)('0' + number % 10u);
            number /= 10u;
        } while (number != 0);
        while (k > 0) {
            p[MSG_LOG_HEADER_LEN + n++] = (uint8_t)digits[--k];
        }
    }
    p[0] = level;
    proto_put_u16le(&p[1], code);
    p[3] = (uint8_t)n;
    node->stats.logs_sent += send_all(node, MSG_STREAM_FEATURES | MSG_STREAM_RAW, MSG_TYPE_LOG, p,
                                      MSG_LOG_HEADER_LEN + n);
}

/* The slot states for HELLO INFO, from the store's trailers and the blobs' headers. */
static void slot_info(const node_t *node, msg_slot_info_t out[2])
{
    memset(out, 0, 2 * sizeof out[0]);
    if (node->store == NULL || node->store->flash == NULL) {
        return;
    }
    for (uint32_t k = 0; k < 2u; k++) {
        const store_slot_info_t si = store_slot_info(node->store, k);
        out[k].state = (uint8_t)si.state;
        out[k].seq = si.seq;
        if (si.state != STORE_SLOT_EMPTY && si.length >= NN_MODEL_HEADER_LEN) {
            const uint8_t *blob = node->store->flash->read(node->store->flash, k);
            if (blob != NULL && proto_get_u32le(blob) == 0x444D4756u) { /* "VGMD" */
                out[k].model_version = blob_version(blob, si.length);
            }
        }
    }
}

static vigil_status_t send_hello_on(node_t *node, size_t li, uint16_t seq)
{
    const node_link_t *l = &node->link[li];
    msg_hello_info_t *i = &node->hello.info;
    i->link = (uint8_t)li;
    i->paired = node->paired;
    memcpy(i->key_id, node->key_id, MSG_KEY_ID_LEN);
    memcpy(i->link_nonce, l->nonce, MSG_NONCE_LEN);
    i->range_g = node->range_g;
    i->stream_mode = l->mode;
    i->raw_decimation = l->decimation;
    i->model_version = node->model_ok ? node->model.model_version : 0u;
    i->model_source = node->model_ok ? node->model_source : MSG_MODEL_SOURCE_NONE;
    slot_info(node, i->slot);
    uint8_t payload[MSG_HELLO_MAX_LEN];
    size_t len = 0;
    vigil_status_t st = msg_hello_encode(&node->hello, payload, sizeof payload, &len);
    if (st == VIGIL_OK) {
        node->tx_len = 0;
        st = link_send(node, li, MSG_TYPE_HELLO, seq, payload, len);
    }
    if (st == VIGIL_OK) {
        node->stats.hello_sent++;
    }
    return st;
}

/* An unsolicited HELLO (the link's own seq) on every link that sends. */
static vigil_status_t hello_all(node_t *node, bool flush)
{
    vigil_status_t first = VIGIL_ERR_IO;
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        node_link_t *l = &node->link[i];
        if (l->write != NULL) {
            if (flush) {
                static const uint8_t zero = 0x00;
                (void)l->write(l->write_ctx, &zero, 1); /* best effort: it only helps a receiver resync */
            }
            const vigil_status_t st = send_hello_on(node, i, l->seq++);
            first = i == 0 ? st : first;
        }
    }
    return first;
}

vigil_status_t node_send_hello(node_t *node)
{
    const vigil_status_t st = hello_all(node, true);
    node->booted = true;
    send_log(node, MSG_LOG_INFO, MSG_LOG_BOOT, "boot", UINT32_MAX);
    for (uint8_t k = 0; k < node->pending_logs; k++) {
        model_log(node, node->pending_log[k], node->pending_version[k]);
    }
    node->pending_logs = 0;
    return st;
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

uint64_t node_frames_t_us(uint64_t frames, uint32_t sample_rate_hz)
{
    /* Split into whole seconds and remainder so the product cannot overflow 64 bits. */
    uint32_t rem, unused;
    const uint64_t secs = udiv64_32(frames, sample_rate_hz, &rem);
    return secs * 1000000u + udiv64_32((uint64_t)rem * 1000000u, sample_rate_hz, &unused);
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

static uint64_t now_us(const node_t *node)
{
    return node->io.uptime_us != NULL ? node->io.uptime_us(node->io.ctx)
                                          : node_frames_t_us(node->stream_frames, node->hello.sample_rate_hz);
}

/* LOG 7: frames a link could not take, at most once a second. */
static void log_drops(node_t *node)
{
    if (node->drops_unlogged == 0) {
        return;
    }
    const uint64_t t = now_us(node);
    if (node->drop_log_us != 0 && t - node->drop_log_us < 1000000u) {
        return;
    }
    node->drop_log_us = t ? t : 1u;
    const uint32_t n = node->drops_unlogged;
    node->drops_unlogged = 0;
    send_log(node, MSG_LOG_WARNING, MSG_LOG_DROPPED, "frames dropped: ", n);
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
            if (link_send(node, li, MSG_TYPE_RAW_BLOCK, l->seq++, l->raw,
                          MSG_RAW_HEADER_LEN + 2u * axes * full) == VIGIL_OK) {
                node->stats.raw_blocks_sent++;
            }
            l->raw_first += (uint32_t)(full * l->decimation);
            l->raw_n = 0;
        }
    }
}

/* Restarts every link's raw block at the next sample (a new stream, or a new scale). */
static void raw_restart_all(node_t *node)
{
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        raw_begin(node, &node->link[i]);
    }
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
    if (msg_event_encode(&e, payload, sizeof payload, &len) == VIGIL_OK) {
        node->stats.events_sent += send_all(node, MSG_STREAM_FEATURES, MSG_TYPE_EVENT, payload, len);
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
    if (msg_features_encode(f, payload, sizeof node->scratch, &len) == VIGIL_OK) {
        node->stats.features_sent += send_all(node, MSG_STREAM_FEATURES, MSG_TYPE_FEATURES, payload, len);
    }
    if (change == NN_DETECTOR_STARTED) {
        send_event(node, MSG_EVENT_STARTED);
    } else if (change == NN_DETECTOR_ENDED) {
        send_event(node, MSG_EVENT_ENDED);
    }
    /* The window counts even when its frame was dropped, so the receiver sees the gap (§2). */
    node->window_index++;
    log_drops(node);
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
static void restart_windows(node_t *node)
{
    if (node->model_ok && nn_detector_reset(&node->detector) == NN_DETECTOR_ENDED) {
        send_event(node, MSG_EVENT_ENDED);
    }
    dsp_windower_reset(&node->win);
    node->window_index = 0;
    node->stream_frames = 0;
    raw_restart_all(node);
}

void node_restart_stream(node_t *node)
{
    restart_windows(node);
    node->next_frame = 0;
}

#if NODE_HAS_SAMPLES_IN
/* SAMPLES_IN (protocol.md §3.4): in order, or first_frame 0 to start a new stream. */
static void on_samples_in(node_t *node, size_t li, const frame_view_t *v)
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
static void on_samples_in(node_t *node, size_t li, const frame_view_t *v)
{
    (void)li;
    (void)v;
    node->stats.samples_in_rejected++;
}
#endif

/* ---- requests (§2, §3.5 - §3.13) ---- */

/* Re-checks the loaded model against the node's feature spec (after a hop change): it runs only
 * while its spec hash matches (model-format §2.8 check 5). */
static void revalidate_model(node_t *node)
{
    if (node->model_blob == NULL) {
        return;
    }
    const bool was = node->model_ok;
    node->model_ok = false;
    const vigil_status_t st = check_model(node, node->model_blob, node->model_len, NULL);
    if (st == VIGIL_OK) {
        node->model_ok = nn_detector_init(&node->detector, node->model.threshold_sumsq, node->model.debounce_k,
                                          node->model.debounce_n) == VIGIL_OK;
    }
    if (node->model_ok != was) {
        model_log(node, node->model_ok ? MSG_LOG_MODEL_LOADED : MSG_LOG_MODEL_REFUSED,
                  blob_version(node->model_blob, node->model_len));
    }
}

static vigil_status_t save_identity(node_t *node)
{
    if (node->io.save_identity == NULL) {
        return VIGIL_OK; /* kept in RAM (QEMU) */
    }
    uint8_t rec[NODE_IDENTITY_LEN];
    node_identity_record(node, rec);
    return node->io.save_identity(node->io.ctx, rec, sizeof rec);
}

static void send_config(node_t *node, size_t li, uint16_t seq)
{
    const msg_hello_t *h = &node->hello;
    const uint8_t send_bands = node->send_bands ? 1u : 0u;
    uint8_t hop[2], shaft[4], window[2], rate[4];
    proto_put_u16le(hop, h->hop);
    proto_put_f32le(shaft, node->shaft_hz);
    proto_put_u16le(window, h->window_len);
    proto_put_u32le(rate, h->sample_rate_hz);
    /* Every key, in key order (protocol.md §3.7). */
    const msg_config_entry_t e[MSG_CFG_KEY_MAX] = {
        {MSG_CFG_NAME, (uint8_t)str_len(h->name), (const uint8_t *)h->name},
        {MSG_CFG_RANGE_G, 1, &node->range_g},
        {MSG_CFG_HOP, 2, hop},
        {MSG_CFG_SHAFT_HZ, 4, shaft},
        {MSG_CFG_SEND_BANDS, 1, &send_bands},
        {MSG_CFG_AXIS_COUNT, 1, &h->axis_count},
        {MSG_CFG_WINDOW_LEN, 2, window},
        {MSG_CFG_SAMPLE_RATE_HZ, 4, rate},
    };
    uint8_t p[1 + 2 * MSG_CFG_KEY_MAX + MSG_NAME_MAX + 1 + 2 + 4 + 1 + 1 + 2 + 4];
    size_t n = 0;
    if (msg_config_encode(e, MSG_CFG_KEY_MAX, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: p fits the longest name */
    }
    node->tx_len = 0;
    (void)link_send(node, li, MSG_TYPE_CONFIG, seq, p, n);
}

/* The size of each writable key's value (name: 1..32, checked apart). */
static const uint8_t k_cfg_size[MSG_CFG_SEND_BANDS + 1] = {0, 0, 1, 2, 4, 1};

/* CONFIG_SET (§3.7): every entry checked first (the first bad one is refused), then all applied. */
static void on_config_set(node_t *node, size_t li, uint16_t seq, const msg_config_t *c)
{
    uint32_t seen = 0;
    const uint8_t *name = NULL;
    size_t name_len = 0;
    uint8_t range_g = node->range_g, bands = node->send_bands;
    uint16_t hop = node->hello.hop;
    float shaft = node->shaft_hz;
    size_t pos = 0;
    for (size_t i = 0; i < c->count; i++) {
        msg_config_entry_t e;
        msg_config_next(c, &pos, &e);
        uint8_t reason = 0;
        if (e.key == 0 || e.key > MSG_CFG_KEY_MAX) {
            reason = MSG_NACK_UNKNOWN_KEY;
        } else if (e.key > MSG_CFG_SEND_BANDS) {
            reason = MSG_NACK_READ_ONLY;
        } else if ((seen & (1u << e.key)) ||
                   (e.key == MSG_CFG_NAME ? e.len < 1u || e.len > MSG_NAME_MAX : e.len != k_cfg_size[e.key])) {
            send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, MSG_NACK_BAD_PAYLOAD, 0);
            return;
        } else {
            seen |= 1u << e.key;
            bool ok = true;
            switch (e.key) {
            case MSG_CFG_NAME:
                ok = valid_name(e.value, e.len);
                name = e.value;
                name_len = e.len;
                break;
            case MSG_CFG_RANGE_G:
                range_g = e.value[0];
                ok = valid_range_g(range_g);
                break;
            case MSG_CFG_HOP:
                hop = proto_get_u16le(e.value);
                ok = hop >= 1u && hop <= node->hello.window_len;
                break;
            case MSG_CFG_SHAFT_HZ:
                shaft = proto_get_f32le(e.value);
                ok = valid_shaft(shaft);
                break;
            default: /* MSG_CFG_SEND_BANDS */
                bands = e.value[0];
                ok = bands <= 1u;
                break;
            }
            reason = ok ? 0u : MSG_NACK_OUT_OF_RANGE;
        }
        if (reason != 0) {
            send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, reason, e.key);
            return;
        }
    }
    if (name != NULL) {
        memcpy(node->hello.name, name, name_len);
        node->hello.name[name_len] = '\0';
    }
    if (range_g != node->range_g) {
        node->range_g = range_g;
        raw_restart_all(node); /* one scale per block: the partial block is dropped */
    }
    node->shaft_hz = shaft;
    node->send_bands = bands != 0;
    if (hop != node->hello.hop) {
        node->hello.hop = hop;
        node->spec.hop = hop;
        if (dsp_windower_init(&node->win, node->samples, NODE_SAMPLES_MAX, node->hello.axis_count,
                              node->hello.window_len, hop) == VIGIL_OK) {
            restart_windows(node); /* §3.7: the feature stream restarts at window 0 */
        }
        revalidate_model(node); /* the hop is part of the model's feature spec */
    }
    if (save_identity(node) != VIGIL_OK) {
        send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, MSG_NACK_STORAGE, 0);
    } else {
        send_ack(node, li, seq, MSG_TYPE_CONFIG_SET);
    }
    if (seen != 0) {
        send_log(node, MSG_LOG_INFO, MSG_LOG_CONFIG, "configuration changed", UINT32_MAX);
    }
}

/* STREAM (§3.8) for link li. */
static void on_stream(node_t *node, size_t li, uint16_t seq, const msg_stream_t *m)
{
    if (m->mode > (MSG_STREAM_FEATURES | MSG_STREAM_RAW) || m->raw_decimation < 1u ||
        m->raw_decimation > MSG_RAW_DECIMATION_MAX) {
        send_nack(node, li, seq, MSG_TYPE_STREAM, MSG_NACK_OUT_OF_RANGE, 0);
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
    send_ack(node, li, seq, MSG_TYPE_STREAM);
    if (changed) {
        send_log(node, MSG_LOG_INFO, MSG_LOG_STREAM, "stream mode ", m->mode);
    }
}

/* CONFIG_SET or STREAM, in the clear (authed false) or from inside a verified SECURE. */
static void on_command(node_t *node, size_t li, uint16_t seq, uint8_t type, const uint8_t *p, size_t len,
                       bool authed)
{
    msg_config_t c;
    msg_stream_t m;
    const bool ok = type == MSG_TYPE_STREAM ? msg_stream_decode(p, len, &m) == VIGIL_OK
                                            : msg_config_decode(p, len, &c) == VIGIL_OK;
    if (!ok) {
        node->stats.rx_bad_payload++;
        send_nack(node, li, seq, type, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    /* §3.13: over Bluetooth LE these need SECURE, except STREAM mode 1 with D = 1 (§3.8). */
    if (li == NODE_LINK_BLE && !authed &&
        !(type == MSG_TYPE_STREAM && m.mode == MSG_STREAM_FEATURES && m.raw_decimation == 1u)) {
        send_nack(node, li, seq, type, MSG_NACK_AUTH_REQUIRED, 0);
        return;
    }
    if (type == MSG_TYPE_STREAM) {
        on_stream(node, li, seq, &m);
    } else {
        on_config_set(node, li, seq, &c);
    }
}

/* SECURE (§3.13): paired, tag (constant time), counter; then the inner command. */
static void on_secure(node_t *node, size_t li, const frame_view_t *v)
{
    node_link_t *l = &node->link[li];
    msg_secure_t s;
    uint8_t reason = 0;
    if (msg_secure_decode(v->payload, v->payload_len, &s) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        reason = MSG_NACK_BAD_PAYLOAD;
    } else if (!node->paired) {
        reason = MSG_NACK_NOT_PAIRED;
    } else {
        uint8_t tag[MSG_SECURE_TAG_LEN];
        msg_secure_tag(node->key, l->nonce, v->seq, s.counter, s.inner_type, s.inner, s.inner_len, tag);
        if (!crypto_equal_ct(tag, s.tag, MSG_SECURE_TAG_LEN)) {
            reason = MSG_NACK_AUTH_FAILED;
        } else if (s.counter <= l->counter) {
            reason = MSG_NACK_REPLAY;
        }
    }
    if (reason != 0) {
        send_nack(node, li, v->seq, MSG_TYPE_SECURE, reason, 0);
        if (reason == MSG_NACK_AUTH_FAILED) {
            node->stats.auth_failures++;
            send_log(node, MSG_LOG_WARNING, MSG_LOG_AUTH_FAILED, "SECURE tag did not verify on link ",
                     (uint32_t)li);
        }
        return;
    }
    l->counter = s.counter;
    if (s.inner_type != MSG_TYPE_CONFIG_SET && s.inner_type != MSG_TYPE_STREAM) {
        send_nack(node, li, v->seq, s.inner_type, MSG_NACK_UNSUPPORTED, 0);
        return;
    }
    on_command(node, li, v->seq, s.inner_type, s.inner, s.inner_len, true);
}

/* PAIR (§3.6): wired only; key and name stored, ACK, then a fresh HELLO on every link. */
static void on_pair(node_t *node, size_t li, const frame_view_t *v)
{
    msg_pair_t m;
    if (li != NODE_LINK_WIRED) {
        send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_WIRED_ONLY, 0);
        return;
    }
    if (msg_pair_decode(v->payload, v->payload_len, &m) != VIGIL_OK ||
        (m.name_len != 0 && !valid_name(m.name, m.name_len))) {
        node->stats.rx_bad_payload++;
        send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    node_set_key(node, m.key);
    if (m.name_len != 0) {
        memcpy(node->hello.name, m.name, m.name_len);
        node->hello.name[m.name_len] = '\0';
    }
    if (save_identity(node) != VIGIL_OK) {
        send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_STORAGE, 0);
    } else {
        send_ack(node, li, v->seq, MSG_TYPE_PAIR);
    }
    (void)hello_all(node, false);
    send_log(node, MSG_LOG_INFO, node->paired ? MSG_LOG_PAIRED : MSG_LOG_UNPAIRED,
             node->paired ? "paired" : "unpaired", UINT32_MAX);
}

static void on_time_req(node_t *node, size_t li, const frame_view_t *v)
{
    msg_time_t t;
    if (msg_time_req_decode(v->payload, v->payload_len, &t.host_time_us) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        send_nack(node, li, v->seq, MSG_TYPE_TIME_REQ, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    t.uptime_us = node->io.uptime_us != NULL ? node->io.uptime_us(node->io.ctx) : 0u;
    t.stream_t_us = node_frames_t_us(node->stream_frames, node->hello.sample_rate_hz);
    uint8_t p[MSG_TIME_LEN];
    size_t n = 0;
    if (msg_time_encode(&t, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: the buffer fits */
    }
    node->tx_len = 0;
    (void)link_send(node, li, MSG_TYPE_TIME, v->seq, p, n);
}

static void on_frame(node_t *node, size_t li, const frame_view_t *v)
{
    if (li >= NODE_SEND_LINKS || node->link[li].write == NULL) {
        /* The feed link (§4.1): SAMPLES_IN only, nothing is sent on it. */
        if (v->type == MSG_TYPE_SAMPLES_IN) {
            on_samples_in(node, li, v);
        } else {
            node->stats.feed_ignored++;
        }
        return;
    }
    switch (v->type) {
    case MSG_TYPE_HELLO_REQ:
        /* A response carries the request's seq and leaves the link's own counter alone (§2). */
        new_nonce(node, &node->link[li]);
        (void)send_hello_on(node, li, v->seq);
        break;
    case MSG_TYPE_SAMPLES_IN:
        on_samples_in(node, li, v);
        break;
    case MSG_TYPE_PING:
        if (msg_ping_check(v->payload_len) != VIGIL_OK) {
            node->stats.rx_bad_payload++;
            send_nack(node, li, v->seq, MSG_TYPE_PING, MSG_NACK_BAD_PAYLOAD, 0);
        } else {
            node->tx_len = 0;
            (void)link_send(node, li, MSG_TYPE_PONG, v->seq, v->payload, v->payload_len);
        }
        break;
    case MSG_TYPE_CONFIG_GET:
        send_config(node, li, v->seq);
        break;
    case MSG_TYPE_TIME_REQ:
        on_time_req(node, li, v);
        break;
    case MSG_TYPE_PAIR:
        on_pair(node, li, v);
        break;
    case MSG_TYPE_CONFIG_SET:
    case MSG_TYPE_STREAM:
        on_command(node, li, v->seq, v->type, v->payload, v->payload_len, false);
        break;
    case MSG_TYPE_SECURE:
        on_secure(node, li, v);
        break;
    default:
        node->stats.rx_unknown_type++;
        send_nack(node, li, v->seq, v->type, MSG_NACK_UNKNOWN_TYPE, 0);
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
    log_drops(node);
}
