#include "msg.h"

#include <string.h>

#include "../crypto/sha256.h"
#include "le.h"

/* strlen bounded by max + 1, so an over-long or unterminated string is detected, not over-read. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        n++;
    }
    return n;
}

/* The detector state (HELLO STATE block, FEATURES state; protocol.md §3.1): detector and
 * learn_percent (1.3), then threshold (1.4). Bytes it takes: 0, 2 or 6. */
static size_t state_len(bool has_state, bool has_threshold)
{
    return has_state ? MSG_STATE_LEN + (has_threshold ? MSG_THRESHOLD_LEN : 0u) : 0u;
}

static void state_put(uint8_t *q, uint8_t detector, uint8_t learn_percent, bool has_threshold, float threshold)
{
    q[0] = detector;
    q[1] = learn_percent;
    if (has_threshold) {
        proto_put_f32le(&q[2], threshold);
    }
}

/* Reads the state from its first byte q with n bytes left in the payload: none (n = 0), 1.3 or
 * 1.4 (more bytes after it are ignored); false when it ends inside (all or nothing). */
static bool state_get(const uint8_t *q, size_t n, bool *has_state, uint8_t *detector, uint8_t *learn_percent,
                      bool *has_threshold, float *threshold)
{
    *has_state = n > 0u;
    *has_threshold = n > MSG_STATE_LEN;
    if ((n > 0u && n < MSG_STATE_LEN) || (*has_threshold && n < MSG_STATE_LEN + MSG_THRESHOLD_LEN)) {
        return false;
    }
    if (*has_state) {
        *detector = q[0];
        *learn_percent = q[1];
    }
    *threshold = *has_threshold ? proto_get_f32le(&q[2]) : MSG_NO_THRESHOLD;
    return true;
}

vigil_status_t msg_hello_encode(const msg_hello_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t name_len = bounded_len(m->name, MSG_NAME_MAX);
    size_t channels_len = bounded_len(m->channels, MSG_CHANNELS_MAX);
    if (name_len > MSG_NAME_MAX || channels_len > MSG_CHANNELS_MAX || m->axis_count < 1 ||
        m->axis_count > MSG_AXES_MAX) {
        return VIGIL_ERR_ARG;
    }
    size_t total = MSG_HELLO_MIN_LEN + name_len + channels_len +
                   (m->has_info ? MSG_HELLO_INFO_LEN + state_len(m->info.has_state, m->info.has_threshold) : 0u);
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = MSG_PROTOCOL_VERSION;
    out[1] = m->fw_major;
    out[2] = m->fw_minor;
    out[3] = m->fw_patch;
    memcpy(&out[4], m->uid, MSG_UID_LEN);
    out[16] = m->board;
    out[17] = m->axis_count;
    proto_put_u16le(&out[18], m->window_len);
    proto_put_u16le(&out[20], m->hop);
    proto_put_u32le(&out[22], m->sample_rate_hz);
    size_t pos = 26;
    out[pos++] = (uint8_t)name_len;
    memcpy(&out[pos], m->name, name_len);
    pos += name_len;
    out[pos++] = (uint8_t)channels_len;
    memcpy(&out[pos], m->channels, channels_len);
    pos += channels_len;
    if (m->has_info) {
        const msg_hello_info_t *i = &m->info;
        uint8_t *q = &out[pos];
        q[0] = i->protocol_minor;
        proto_put_u32le(&q[1], i->capabilities);
        q[5] = i->link;
        q[6] = i->paired;
        memcpy(&q[7], i->key_id, MSG_KEY_ID_LEN);
        memcpy(&q[11], i->link_nonce, MSG_NONCE_LEN);
        q[19] = i->sensor;
        q[20] = i->range_g;
        q[21] = i->stream_mode;
        q[22] = i->raw_decimation;
        proto_put_u32le(&q[23], i->model_version);
        q[27] = i->model_source;
        for (size_t k = 0; k < 2; k++) {
            q[28 + 9 * k] = i->slot[k].state;
            proto_put_u32le(&q[29 + 9 * k], i->slot[k].seq);
            proto_put_u32le(&q[33 + 9 * k], i->slot[k].model_version);
        }
        pos += MSG_HELLO_INFO_LEN;
        if (i->has_state) {
            state_put(&out[pos], i->detector, i->learn_percent, i->has_threshold, i->threshold);
            pos += state_len(true, i->has_threshold);
        }
    }
    *out_len = pos;
    return VIGIL_OK;
}

vigil_status_t msg_hello_decode(const uint8_t *p, size_t len, msg_hello_t *m)
{
    if (len < MSG_HELLO_MIN_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    size_t name_len = p[26];
    /* Both strings must fit in the payload: 27 + name + 1 (channels_len) + channels <= len. */
    if (name_len > MSG_NAME_MAX || 28u + name_len > len) {
        return VIGIL_ERR_PAYLOAD;
    }
    size_t channels_len = p[27 + name_len];
    const size_t end = 28u + name_len + channels_len;
    if (channels_len > MSG_CHANNELS_MAX || end > len) {
        return VIGIL_ERR_PAYLOAD;
    }
    /* The INFO block is all or nothing (protocol.md §3.1). */
    m->has_info = len > end;
    if (m->has_info) {
        if (len < end + MSG_HELLO_INFO_LEN) {
            return VIGIL_ERR_PAYLOAD;
        }
        /* The STATE block (1.3) is all or nothing too. */
        const size_t state_at = end + MSG_HELLO_INFO_LEN;
        msg_hello_info_t *s = &m->info;
        if (!state_get(&p[state_at], len - state_at, &s->has_state, &s->detector, &s->learn_percent,
                       &s->has_threshold, &s->threshold)) {
            return VIGIL_ERR_PAYLOAD;
        }
        const uint8_t *q = &p[end];
        msg_hello_info_t *i = &m->info;
        i->protocol_minor = q[0];
        i->capabilities = proto_get_u32le(&q[1]);
        i->link = q[5];
        i->paired = q[6];
        memcpy(i->key_id, &q[7], MSG_KEY_ID_LEN);
        memcpy(i->link_nonce, &q[11], MSG_NONCE_LEN);
        i->sensor = q[19];
        i->range_g = q[20];
        i->stream_mode = q[21];
        i->raw_decimation = q[22];
        i->model_version = proto_get_u32le(&q[23]);
        i->model_source = q[27];
        for (size_t k = 0; k < 2; k++) {
            i->slot[k].state = q[28 + 9 * k];
            i->slot[k].seq = proto_get_u32le(&q[29 + 9 * k]);
            i->slot[k].model_version = proto_get_u32le(&q[33 + 9 * k]);
        }
    }
    m->protocol_version = p[0];
    m->fw_major = p[1];
    m->fw_minor = p[2];
    m->fw_patch = p[3];
    memcpy(m->uid, &p[4], MSG_UID_LEN);
    m->board = p[16];
    m->axis_count = p[17];
    m->window_len = proto_get_u16le(&p[18]);
    m->hop = proto_get_u16le(&p[20]);
    m->sample_rate_hz = proto_get_u32le(&p[22]);
    memcpy(m->name, &p[27], name_len);
    m->name[name_len] = '\0';
    memcpy(m->channels, &p[28 + name_len], channels_len);
    m->channels[channels_len] = '\0';
    return VIGIL_OK;
}

vigil_status_t msg_features_encode(const msg_features_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n_values = (size_t)m->axis_count * m->fields_per_axis;
    if (m->axis_count < 1 || m->axis_count > MSG_AXES_MAX || m->fields_per_axis < 1 ||
        n_values > MSG_FEATURES_VALUES_MAX || m->band_count > MSG_FEATURES_BANDS_MAX) {
        return VIGIL_ERR_ARG;
    }
    const size_t values_end = MSG_FEATURES_HEADER_LEN + 4u * n_values;
    const size_t n_bands = (size_t)m->axis_count * m->band_count;
    size_t total = values_end + (m->has_trailer ? MSG_FEATURES_TRAILER_MIN + 4u * n_bands +
                                                      state_len(m->has_state, m->has_threshold) : 0u);
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u32le(&out[0], m->window_index);
    proto_put_u64le(&out[4], m->t_us);
    proto_put_f32le(&out[12], m->shaft_hz);
    out[16] = m->axis_count;
    out[17] = m->fields_per_axis;
    for (size_t i = 0; i < n_values; i++) {
        proto_put_f32le(&out[MSG_FEATURES_HEADER_LEN + 4u * i], m->values[i]);
    }
    if (m->has_trailer) {
        proto_put_f32le(&out[values_end], m->anomaly_score);
        out[values_end + 4u] = m->band_count;
        uint8_t *b = &out[values_end + MSG_FEATURES_TRAILER_MIN];
        for (size_t i = 0; i < n_bands; i++) {
            proto_put_f32le(&b[4u * i], m->log_bands[i]);
        }
        if (m->has_state) {
            state_put(&b[4u * n_bands], m->detector, m->learn_percent, m->has_threshold, m->threshold);
        }
    }
    *out_len = total;
    return VIGIL_OK;
}

vigil_status_t msg_features_decode(const uint8_t *p, size_t len, msg_features_t *m)
{
    if (len < MSG_FEATURES_HEADER_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    size_t axes = p[16];
    size_t fields = p[17];
    if (axes < 1 || axes > MSG_AXES_MAX || fields < 1 ||
        len < MSG_FEATURES_HEADER_LEN + 4u * axes * fields) {
        return VIGIL_ERR_PAYLOAD;
    }
    const size_t values_end = MSG_FEATURES_HEADER_LEN + 4u * axes * fields;
    size_t bands = 0;
    if (len > values_end) {
        /* The trailer is all or nothing (protocol.md §3.2). */
        if (len < values_end + MSG_FEATURES_TRAILER_MIN) {
            return VIGIL_ERR_PAYLOAD;
        }
        bands = p[values_end + 4u];
        const size_t bands_end = values_end + MSG_FEATURES_TRAILER_MIN + 4u * axes * bands;
        /* The state (1.3, 1.4) after the bands is all or nothing as well. */
        if (bands > MSG_FEATURES_BANDS_MAX || len < bands_end ||
            !state_get(&p[bands_end], len - bands_end, &m->has_state, &m->detector, &m->learn_percent,
                       &m->has_threshold, &m->threshold)) {
            return VIGIL_ERR_PAYLOAD;
        }
    } else {
        m->has_state = false;
        m->has_threshold = false;
    }
    size_t room = MSG_FEATURES_VALUES_MAX / axes;
    size_t kept = fields < room ? fields : room;
    m->window_index = proto_get_u32le(&p[0]);
    m->t_us = proto_get_u64le(&p[4]);
    m->shaft_hz = proto_get_f32le(&p[12]);
    m->axis_count = (uint8_t)axes;
    m->fields_per_axis = (uint8_t)kept;
    for (size_t a = 0; a < axes; a++) {
        for (size_t f = 0; f < kept; f++) {
            m->values[a * kept + f] = proto_get_f32le(&p[MSG_FEATURES_HEADER_LEN + 4u * (a * fields + f)]);
        }
    }
    m->has_trailer = len > values_end;
    m->anomaly_score = m->has_trailer ? proto_get_f32le(&p[values_end]) : 0.0f;
    m->band_count = (uint8_t)bands;
    for (size_t i = 0; i < axes * bands; i++) {
        m->log_bands[i] = proto_get_f32le(&p[values_end + MSG_FEATURES_TRAILER_MIN + 4u * i]);
    }
    return VIGIL_OK;
}

vigil_status_t msg_event_encode(const msg_event_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (m->state > MSG_EVENT_STARTED) {
        return VIGIL_ERR_ARG;
    }
    if (cap < MSG_EVENT_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u32le(&out[0], m->event_id);
    out[4] = m->state;
    out[5] = m->debounce_k;
    out[6] = m->debounce_n;
    out[7] = 0; /* reserved */
    proto_put_u32le(&out[8], m->start_window);
    proto_put_u32le(&out[12], m->end_window);
    proto_put_u64le(&out[16], m->start_t_us);
    proto_put_u64le(&out[24], m->end_t_us);
    proto_put_f32le(&out[32], m->peak_score);
    proto_put_f32le(&out[36], m->threshold);
    proto_put_u32le(&out[40], m->model_version);
    *out_len = MSG_EVENT_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_event_decode(const uint8_t *p, size_t len, msg_event_t *m)
{
    if (len < MSG_EVENT_LEN || p[4] > MSG_EVENT_STARTED) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->event_id = proto_get_u32le(&p[0]);
    m->state = p[4];
    m->debounce_k = p[5];
    m->debounce_n = p[6];
    m->start_window = proto_get_u32le(&p[8]);
    m->end_window = proto_get_u32le(&p[12]);
    m->start_t_us = proto_get_u64le(&p[16]);
    m->end_t_us = proto_get_u64le(&p[24]);
    m->peak_score = proto_get_f32le(&p[32]);
    m->threshold = proto_get_f32le(&p[36]);
    m->model_version = proto_get_u32le(&p[40]);
    return VIGIL_OK;
}

vigil_status_t msg_samples_in_decode(const uint8_t *p, size_t len, msg_samples_in_t *m)
{
    if (len < MSG_SAMPLES_IN_HEADER_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    const size_t axes = p[4];
    const size_t frames = proto_get_u16le(&p[6]);
    if (axes < 1 || axes > MSG_AXES_MAX || p[5] != MSG_SAMPLES_FORMAT_F32 ||
        len < MSG_SAMPLES_IN_HEADER_LEN + 4u * axes * frames) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->first_frame = proto_get_u32le(&p[0]);
    m->axis_count = (uint8_t)axes;
    m->format = p[5];
    m->frame_count = (uint16_t)frames;
    m->samples = &p[MSG_SAMPLES_IN_HEADER_LEN];
    return VIGIL_OK;
}

vigil_status_t msg_samples_in_encode(uint32_t first_frame, uint8_t axis_count, const float *frames,
                                     size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if (axis_count < 1 || axis_count > MSG_AXES_MAX || n > MSG_SAMPLES_IN_MAX_FRAMES(axis_count) ||
        (frames == NULL && n != 0)) {
        return VIGIL_ERR_ARG;
    }
    const size_t total = MSG_SAMPLES_IN_HEADER_LEN + 4u * axis_count * n;
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u32le(&out[0], first_frame);
    out[4] = axis_count;
    out[5] = MSG_SAMPLES_FORMAT_F32;
    proto_put_u16le(&out[6], (uint16_t)n);
    for (size_t i = 0; i < (size_t)axis_count * n; i++) {
        proto_put_f32le(&out[MSG_SAMPLES_IN_HEADER_LEN + 4u * i], frames[i]);
    }
    *out_len = total;
    return VIGIL_OK;
}

/* ---- protocol 1.1 session messages ---- */

vigil_status_t msg_ack_encode(uint8_t req_type, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_ACK_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = req_type;
    *out_len = MSG_ACK_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_ack_decode(const uint8_t *p, size_t len, uint8_t *req_type)
{
    if (len < MSG_ACK_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    *req_type = p[0];
    return VIGIL_OK;
}

vigil_status_t msg_nack_encode(const msg_nack_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_NACK_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = m->req_type;
    out[1] = m->reason;
    proto_put_u16le(&out[2], m->detail);
    *out_len = MSG_NACK_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_nack_decode(const uint8_t *p, size_t len, msg_nack_t *m)
{
    if (len < MSG_NACK_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->req_type = p[0];
    m->reason = p[1];
    m->detail = proto_get_u16le(&p[2]);
    return VIGIL_OK;
}

vigil_status_t msg_pair_encode(const msg_pair_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (m->name_len > MSG_NAME_MAX || (m->name == NULL && m->name_len != 0)) {
        return VIGIL_ERR_ARG;
    }
    const size_t total = MSG_PAIR_MIN_LEN + m->name_len;
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    memcpy(out, m->key, MSG_KEY_LEN);
    out[MSG_KEY_LEN] = m->name_len;
    if (m->name_len != 0) {
        memcpy(&out[MSG_PAIR_MIN_LEN], m->name, m->name_len);
    }
    *out_len = total;
    return VIGIL_OK;
}

vigil_status_t msg_pair_decode(const uint8_t *p, size_t len, msg_pair_t *m)
{
    if (len < MSG_PAIR_MIN_LEN || p[MSG_KEY_LEN] > MSG_NAME_MAX ||
        MSG_PAIR_MIN_LEN + (size_t)p[MSG_KEY_LEN] > len) {
        return VIGIL_ERR_PAYLOAD;
    }
    memcpy(m->key, p, MSG_KEY_LEN);
    m->name_len = p[MSG_KEY_LEN];
    m->name = &p[MSG_PAIR_MIN_LEN];
    return VIGIL_OK;
}

vigil_status_t msg_config_decode(const uint8_t *p, size_t len, msg_config_t *m)
{
    if (len < 1) {
        return VIGIL_ERR_PAYLOAD;
    }
    size_t pos = 1;
    for (size_t i = 0; i < p[0]; i++) {
        if (pos + 2u > len || pos + 2u + p[pos + 1] > len) {
            return VIGIL_ERR_PAYLOAD;
        }
        pos += 2u + p[pos + 1];
    }
    m->count = p[0];
    m->entries = &p[1];
    m->len = pos - 1u;
    return VIGIL_OK;
}

void msg_config_next(const msg_config_t *m, size_t *pos, msg_config_entry_t *e)
{
    const uint8_t *q = &m->entries[*pos];
    e->key = q[0];
    e->len = q[1];
    e->value = &q[2];
    *pos += 2u + q[1];
}

vigil_status_t msg_config_encode(const msg_config_entry_t *e, size_t n, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    if (n > 255u) {
        return VIGIL_ERR_ARG;
    }
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        total += 2u + e[i].len;
    }
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = (uint8_t)n;
    size_t pos = 1;
    for (size_t i = 0; i < n; i++) {
        out[pos] = e[i].key;
        out[pos + 1] = e[i].len;
        if (e[i].len != 0) {
            memcpy(&out[pos + 2], e[i].value, e[i].len);
        }
        pos += 2u + e[i].len;
    }
    *out_len = total;
    return VIGIL_OK;
}

vigil_status_t msg_stream_encode(const msg_stream_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_STREAM_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = m->mode;
    out[1] = m->raw_decimation;
    *out_len = MSG_STREAM_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_stream_decode(const uint8_t *p, size_t len, msg_stream_t *m)
{
    if (len < MSG_STREAM_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->mode = p[0];
    m->raw_decimation = p[1];
    return VIGIL_OK;
}

void msg_raw_block_header(const msg_raw_block_t *m, uint8_t out[MSG_RAW_HEADER_LEN])
{
    proto_put_u32le(&out[0], m->first_frame);
    out[4] = m->axis_count;
    out[5] = m->decimation;
    out[6] = m->format;
    out[7] = 0; /* reserved */
    proto_put_f32le(&out[8], m->scale_g);
    proto_put_u16le(&out[12], m->frame_count);
}

vigil_status_t msg_raw_block_encode(const msg_raw_block_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (m->axis_count < 1 || m->axis_count > MSG_AXES_MAX ||
        m->frame_count > MSG_RAW_FULL_FRAMES(m->axis_count) || (m->samples == NULL && m->frame_count != 0)) {
        return VIGIL_ERR_ARG;
    }
    const size_t n = 2u * m->axis_count * m->frame_count;
    if (MSG_RAW_HEADER_LEN + n > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    msg_raw_block_header(m, out);
    if (n != 0) {
        memmove(&out[MSG_RAW_HEADER_LEN], m->samples, n);
    }
    *out_len = MSG_RAW_HEADER_LEN + n;
    return VIGIL_OK;
}

vigil_status_t msg_raw_block_decode(const uint8_t *p, size_t len, msg_raw_block_t *m)
{
    if (len < MSG_RAW_HEADER_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    const size_t axes = p[4];
    const size_t frames = proto_get_u16le(&p[12]);
    if (axes < 1 || axes > MSG_AXES_MAX || p[5] < 1u || p[5] > MSG_RAW_DECIMATION_MAX ||
        p[6] != MSG_RAW_FORMAT_I16 || len < MSG_RAW_HEADER_LEN + 2u * axes * frames) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->first_frame = proto_get_u32le(&p[0]);
    m->axis_count = (uint8_t)axes;
    m->decimation = p[5];
    m->format = p[6];
    m->scale_g = proto_get_f32le(&p[8]);
    m->frame_count = (uint16_t)frames;
    m->samples = &p[MSG_RAW_HEADER_LEN];
    return VIGIL_OK;
}

int16_t msg_raw_block_sample(const msg_raw_block_t *m, size_t k, size_t a)
{
    return (int16_t)proto_get_u16le(&m->samples[2u * (k * m->axis_count + a)]);
}

vigil_status_t msg_time_req_encode(uint64_t host_time_us, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_TIME_REQ_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u64le(out, host_time_us);
    *out_len = MSG_TIME_REQ_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_time_req_decode(const uint8_t *p, size_t len, uint64_t *host_time_us)
{
    if (len < MSG_TIME_REQ_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    *host_time_us = proto_get_u64le(p);
    return VIGIL_OK;
}

vigil_status_t msg_time_encode(const msg_time_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_TIME_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u64le(&out[0], m->host_time_us);
    proto_put_u64le(&out[8], m->uptime_us);
    proto_put_u64le(&out[16], m->stream_t_us);
    *out_len = MSG_TIME_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_time_decode(const uint8_t *p, size_t len, msg_time_t *m)
{
    if (len < MSG_TIME_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->host_time_us = proto_get_u64le(&p[0]);
    m->uptime_us = proto_get_u64le(&p[8]);
    m->stream_t_us = proto_get_u64le(&p[16]);
    return VIGIL_OK;
}

vigil_status_t msg_ping_check(size_t len)
{
    return len > MSG_PING_MAX ? VIGIL_ERR_PAYLOAD : VIGIL_OK;
}

vigil_status_t msg_log_encode(const msg_log_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (m->text_len > MSG_LOG_TEXT_MAX || (m->text == NULL && m->text_len != 0)) {
        return VIGIL_ERR_ARG;
    }
    const size_t total = MSG_LOG_HEADER_LEN + m->text_len;
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    out[0] = m->level;
    proto_put_u16le(&out[1], m->code);
    out[3] = m->text_len;
    if (m->text_len != 0) {
        memcpy(&out[MSG_LOG_HEADER_LEN], m->text, m->text_len);
    }
    *out_len = total;
    return VIGIL_OK;
}

vigil_status_t msg_log_decode(const uint8_t *p, size_t len, msg_log_t *m)
{
    if (len < MSG_LOG_HEADER_LEN || p[3] > MSG_LOG_TEXT_MAX || MSG_LOG_HEADER_LEN + (size_t)p[3] > len) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->level = p[0];
    m->code = proto_get_u16le(&p[1]);
    m->text_len = p[3];
    m->text = &p[MSG_LOG_HEADER_LEN];
    return VIGIL_OK;
}

vigil_status_t msg_secure_decode(const uint8_t *p, size_t len, msg_secure_t *m)
{
    if (len < MSG_SECURE_MIN_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->counter = proto_get_u32le(p);
    m->inner_type = p[4];
    m->inner = &p[5];
    m->inner_len = len - MSG_SECURE_MIN_LEN;
    m->tag = &p[len - MSG_SECURE_TAG_LEN];
    return VIGIL_OK;
}

void msg_secure_tag(const uint8_t key[MSG_KEY_LEN], const uint8_t nonce[MSG_NONCE_LEN], uint16_t seq,
                    uint32_t counter, uint8_t inner_type, const uint8_t *inner, size_t inner_len,
                    uint8_t tag[MSG_SECURE_TAG_LEN])
{
    uint8_t head[6 + MSG_NONCE_LEN + 2 + 4 + 1] = {'V', 'G', 'S', 'E', 'C', '1'};
    memcpy(&head[6], nonce, MSG_NONCE_LEN);
    proto_put_u16le(&head[14], seq);
    proto_put_u32le(&head[16], counter);
    head[20] = inner_type;
    hmac_sha256_t h;
    uint8_t full[SHA256_DIGEST_LEN];
    hmac_sha256_init(&h, key, MSG_KEY_LEN);
    hmac_sha256_update(&h, head, sizeof head);
    hmac_sha256_update(&h, inner, inner_len);
    hmac_sha256_final(&h, full);
    memcpy(tag, full, MSG_SECURE_TAG_LEN);
}

vigil_status_t msg_secure_encode(const uint8_t key[MSG_KEY_LEN], const uint8_t nonce[MSG_NONCE_LEN], uint16_t seq,
                                 uint32_t counter, uint8_t inner_type, const uint8_t *inner, size_t inner_len,
                                 uint8_t *out, size_t cap, size_t *out_len)
{
    if (inner == NULL && inner_len != 0) {
        return VIGIL_ERR_ARG;
    }
    const size_t total = MSG_SECURE_MIN_LEN + inner_len;
    if (total > cap) {
        return VIGIL_ERR_NOSPACE;
    }
    proto_put_u32le(out, counter);
    out[4] = inner_type;
    if (inner_len != 0) {
        memmove(&out[5], inner, inner_len);
    }
    msg_secure_tag(key, nonce, seq, counter, inner_type, &out[5], inner_len, &out[5 + inner_len]);
    *out_len = total;
    return VIGIL_OK;
}
