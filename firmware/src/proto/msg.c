#include "msg.h"

#include <string.h>

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

vigil_status_t msg_hello_encode(const msg_hello_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t name_len = bounded_len(m->name, MSG_NAME_MAX);
    size_t channels_len = bounded_len(m->channels, MSG_CHANNELS_MAX);
    if (name_len > MSG_NAME_MAX || channels_len > MSG_CHANNELS_MAX || m->axis_count < 1 ||
        m->axis_count > MSG_AXES_MAX) {
        return VIGIL_ERR_ARG;
    }
    size_t total = MSG_HELLO_MIN_LEN + name_len + channels_len;
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
    if (channels_len > MSG_CHANNELS_MAX || 28u + name_len + channels_len > len) {
        return VIGIL_ERR_PAYLOAD;
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
    size_t total = values_end + (m->has_trailer ? MSG_FEATURES_TRAILER_MIN + 4u * n_bands : 0u);
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
        if (bands > MSG_FEATURES_BANDS_MAX ||
            len < values_end + MSG_FEATURES_TRAILER_MIN + 4u * axes * bands) {
            return VIGIL_ERR_PAYLOAD;
        }
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
