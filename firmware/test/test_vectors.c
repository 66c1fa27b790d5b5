/*
 * Golden vectors shared with the TypeScript codec: test/vectors/frames_vectors.h, generated from
 * test/vectors/frames.json by `npm run vectors`. Both codecs must reproduce them byte for byte.
 * Built only when the header exists (see the Makefile).
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/proto/cobs.h"
#include "../src/proto/crc32.h"
#include "../src/proto/frame.h"
#include "../src/proto/le.h"
#include "../src/proto/msg.h"
#include "../src/crypto/sha256.h"
#include "../src/node/node.h"

/* Generated data: a table this test does not read must not break the -Werror build. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "frames_vectors.h"
#pragma GCC diagnostic pop

static void crc32_vectors(void **state)
{
    (void)state;
    assert_true(VEC_CRC32_COUNT > 0);
    for (size_t i = 0; i < VEC_CRC32_COUNT; i++) {
        const vec_crc32_t *v = &VEC_CRC32[i];
        if (proto_crc32_u8(v->data, v->len) != v->crc) {
            fail_msg("crc32 vector '%s': got 0x%08X, want 0x%08X", v->name,
                     (unsigned)proto_crc32_u8(v->data, v->len), (unsigned)v->crc);
        }
    }
}

static void cobs_vectors(void **state)
{
    (void)state;
    static uint8_t out[4096];
    static cobs_decoder_t dec;
    assert_true(VEC_COBS_COUNT > 0);
    for (size_t i = 0; i < VEC_COBS_COUNT; i++) {
        const vec_cobs_t *v = &VEC_COBS[i];
        size_t n = 0;
        print_message("cobs: %s\n", v->name);
        assert_int_equal(cobs_encode(v->decoded, v->decoded_len, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->encoded_len);
        assert_memory_equal(out, v->encoded, n);
        assert_int_equal(cobs_decode(v->encoded, v->encoded_len, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->decoded_len);
        assert_memory_equal(out, v->decoded, n);
        if (v->encoded_len <= COBS_DECODER_MAX_ENCODED) {
            cobs_decoder_init(&dec);
            for (size_t k = 0; k < v->encoded_len; k++) {
                assert_int_equal(cobs_decoder_push_u8(&dec, v->encoded[k], &n), COBS_DEC_PENDING);
            }
            assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &n), COBS_DEC_FRAME);
            assert_int_equal(n, v->decoded_len);
            assert_memory_equal(dec.buf, v->decoded, n);
        }
    }
}

static void frame_vectors(void **state)
{
    (void)state;
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    static frame_deframer_t d;
    assert_true(VEC_FRAMES_COUNT > 0);
    for (size_t i = 0; i < VEC_FRAMES_COUNT; i++) {
        const vec_frame_t *v = &VEC_FRAMES[i];
        size_t n = 0;
        print_message("frame: %s\n", v->name);
        assert_int_equal(frame_build(v->type, v->seq, v->payload, v->payload_len, wire, sizeof wire, &n),
                         VIGIL_OK);
        assert_int_equal(n, v->wire_len);
        assert_memory_equal(wire, v->wire, n);

        frame_deframer_init(&d);
        size_t got = 0;
        for (size_t k = 0; k < v->wire_len; k++) {
            frame_view_t view;
            if (frame_deframer_push_u8(&d, v->wire[k], &view)) {
                got++;
                assert_int_equal(view.type, v->type);
                assert_int_equal(view.seq, v->seq);
                assert_int_equal(view.payload_len, v->payload_len);
                assert_memory_equal(view.payload, v->payload, v->payload_len);
            }
        }
        assert_int_equal(got, 1);
    }
}

static void hello_vectors(void **state)
{
    (void)state;
    assert_true(VEC_HELLO_COUNT > 0);
    for (size_t i = 0; i < VEC_HELLO_COUNT; i++) {
        const vec_hello_t *v = &VEC_HELLO[i];
        print_message("hello: %s\n", v->name);
        msg_hello_t h;
        memset(&h, 0, sizeof h);
        h.fw_major = v->fw_major;
        h.fw_minor = v->fw_minor;
        h.fw_patch = v->fw_patch;
        memcpy(h.uid, v->uid, MSG_UID_LEN);
        h.board = v->board;
        h.axis_count = v->axis_count;
        h.window_len = v->window_len;
        h.hop = v->hop;
        h.sample_rate_hz = v->sample_rate_hz;
        assert_true(strlen(v->node_name) <= MSG_NAME_MAX && strlen(v->channels) <= MSG_CHANNELS_MAX);
        strcpy(h.name, v->node_name);
        strcpy(h.channels, v->channels);

        uint8_t out[MSG_HELLO_MAX_LEN];
        size_t n = 0;
        assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);

        msg_hello_t d;
        assert_int_equal(msg_hello_decode(v->payload, v->payload_len, &d), VIGIL_OK);
        assert_int_equal(d.protocol_version, MSG_PROTOCOL_VERSION);
        assert_int_equal(d.fw_major, v->fw_major);
        assert_int_equal(d.fw_minor, v->fw_minor);
        assert_int_equal(d.fw_patch, v->fw_patch);
        assert_memory_equal(d.uid, v->uid, MSG_UID_LEN);
        assert_int_equal(d.board, v->board);
        assert_int_equal(d.axis_count, v->axis_count);
        assert_int_equal(d.window_len, v->window_len);
        assert_int_equal(d.hop, v->hop);
        assert_int_equal(d.sample_rate_hz, v->sample_rate_hz);
        assert_string_equal(d.name, v->node_name);
        assert_string_equal(d.channels, v->channels);
    }
}

static void features_vectors(void **state)
{
    (void)state;
    assert_true(VEC_FEATURES_COUNT > 0);
    for (size_t i = 0; i < VEC_FEATURES_COUNT; i++) {
        const vec_features_t *v = &VEC_FEATURES[i];
        print_message("features: %s\n", v->name);
        size_t n_values = (size_t)v->axis_count * v->fields_per_axis;
        assert_true(n_values <= MSG_FEATURES_VALUES_MAX);
        msg_features_t f;
        memset(&f, 0, sizeof f);
        f.window_index = v->window_index;
        f.t_us = v->t_us;
        f.shaft_hz = v->shaft_hz;
        f.axis_count = v->axis_count;
        f.fields_per_axis = v->fields_per_axis;
        memcpy(f.values, v->values, n_values * sizeof(float));

        uint8_t out[MSG_FEATURES_MAX_LEN];
        size_t n = 0;
        assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);

        msg_features_t d;
        assert_int_equal(msg_features_decode(v->payload, v->payload_len, &d), VIGIL_OK);
        assert_int_equal(d.window_index, v->window_index);
        assert_true(d.t_us == v->t_us);
        assert_memory_equal(&d.shaft_hz, &v->shaft_hz, sizeof(float)); /* bit-equal */
        assert_int_equal(d.axis_count, v->axis_count);
        assert_int_equal(d.fields_per_axis, v->fields_per_axis);
        assert_memory_equal(d.values, v->values, n_values * sizeof(float));
    }
}

static void stream_vectors(void **state)
{
    (void)state;
    static frame_deframer_t d;
    assert_true(VEC_STREAMS_COUNT > 0);
    for (size_t i = 0; i < VEC_STREAMS_COUNT; i++) {
        const vec_stream_t *v = &VEC_STREAMS[i];
        print_message("stream: %s\n", v->name);
        frame_deframer_init(&d);
        size_t got = 0;
        for (size_t k = 0; k < v->wire_len; k++) {
            frame_view_t view;
            if (frame_deframer_push_u8(&d, v->wire[k], &view)) {
                assert_true(got < v->n_frames);
                assert_int_equal(view.type, v->types[got]);
                assert_int_equal(view.seq, v->seqs[got]);
                got++;
            }
        }
        assert_int_equal(got, v->n_frames);
        frame_stats_t s = frame_deframer_stats(&d);
        assert_int_equal(s.frames, v->frames);
        assert_int_equal(s.bad_cobs, v->bad_cobs);
        assert_int_equal(s.bad_crc, v->bad_crc);
        assert_int_equal(s.bad_length, v->bad_length);
        assert_int_equal(s.bad_version, v->bad_version);
        assert_int_equal(s.oversize, v->oversize);
    }
}

/* ---- FEATURES trailer, EVENT, SAMPLES_IN ---- */

static void features_ext_vectors(void **state)
{
    (void)state;
    static msg_features_t f, d;
    assert_true(VEC_FEATURES_EXT_COUNT > 0);
    for (size_t i = 0; i < VEC_FEATURES_EXT_COUNT; i++) {
        const vec_features_ext_t *v = &VEC_FEATURES_EXT[i];
        print_message("features ext: %s\n", v->name);
        const size_t n_values = (size_t)v->axis_count * v->fields_per_axis;
        const size_t n_bands = (size_t)v->axis_count * v->band_count;
        memset(&f, 0, sizeof f);
        f.window_index = v->window_index;
        f.t_us = v->t_us;
        f.shaft_hz = v->shaft_hz;
        f.axis_count = v->axis_count;
        f.fields_per_axis = v->fields_per_axis;
        memcpy(f.values, v->values, n_values * sizeof(float));
        f.has_trailer = true;
        f.anomaly_score = v->anomaly_score;
        f.band_count = v->band_count;
        memcpy(f.log_bands, v->log_bands, n_bands * sizeof(float));
        uint8_t out[MSG_FEATURES_MAX_LEN];
        size_t n = 0;
        assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        assert_int_equal(msg_features_decode(v->payload, v->payload_len, &d), VIGIL_OK);
        assert_true(d.has_trailer);
        assert_int_equal(d.fields_per_axis, v->fields_per_axis);
        assert_memory_equal(d.values, v->values, n_values * sizeof(float));
        assert_memory_equal(&d.anomaly_score, &v->anomaly_score, sizeof(float)); /* NaN too */
        assert_int_equal(d.band_count, v->band_count);
        assert_memory_equal(d.log_bands, v->log_bands, n_bands * sizeof(float));
    }
}

static void event_vectors(void **state)
{
    (void)state;
    assert_true(VEC_EVENTS_COUNT > 0);
    for (size_t i = 0; i < VEC_EVENTS_COUNT; i++) {
        const vec_event_t *v = &VEC_EVENTS[i];
        print_message("event: %s\n", v->name);
        msg_event_t e = {
            .event_id = v->event_id, .state = v->state, .debounce_k = v->debounce_k,
            .debounce_n = v->debounce_n, .start_window = v->start_window, .end_window = v->end_window,
            .start_t_us = v->start_t_us, .end_t_us = v->end_t_us, .peak_score = v->peak_score,
            .threshold = v->threshold, .model_version = v->model_version,
        };
        uint8_t out[MSG_EVENT_LEN];
        size_t n = 0;
        assert_int_equal(msg_event_encode(&e, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        msg_event_t d;
        assert_int_equal(msg_event_decode(v->payload, v->payload_len, &d), VIGIL_OK);
        assert_memory_equal(&d, &e, sizeof d);
    }
}

static void samples_in_vectors(void **state)
{
    (void)state;
    assert_true(VEC_SAMPLES_IN_COUNT > 0);
    for (size_t i = 0; i < VEC_SAMPLES_IN_COUNT; i++) {
        const vec_samples_in_t *v = &VEC_SAMPLES_IN[i];
        print_message("samples_in: %s\n", v->name);
        uint8_t out[FRAME_MAX_PAYLOAD];
        size_t n = 0;
        assert_int_equal(msg_samples_in_encode(v->first_frame, v->axis_count, v->samples, v->frame_count,
                                               out, sizeof out, &n),
                         VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        msg_samples_in_t m;
        assert_int_equal(msg_samples_in_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.first_frame, v->first_frame);
        assert_int_equal(m.axis_count, v->axis_count);
        assert_int_equal(m.frame_count, v->frame_count);
        for (size_t k = 0; k < (size_t)v->frame_count * v->axis_count; k++) {
            float x = proto_get_f32le(&m.samples[4 * k]);
            assert_memory_equal(&x, &v->samples[k], sizeof x);
        }
    }
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    for (size_t i = 0; i < VEC_FRAMES_EXT_COUNT; i++) {
        const vec_frame_t *v = &VEC_FRAMES_EXT[i];
        size_t n = 0;
        print_message("frame ext: %s\n", v->name);
        assert_int_equal(frame_build(v->type, v->seq, v->payload, v->payload_len, wire, sizeof wire, &n),
                         VIGIL_OK);
        assert_int_equal(n, v->wire_len);
        assert_memory_equal(wire, v->wire, n);
    }
}


/* ---- protocol 1.1 messages: decode each vector and check its fields, re-encode and compare ---- */

static void frame_is(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len, const uint8_t *wire,
                     size_t wire_len)
{
    static uint8_t out[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    size_t n = 0;
    assert_int_equal(frame_build(type, seq, payload, len, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, wire_len);
    assert_memory_equal(out, wire, n);
}

static void hello_info_vectors(void **state)
{
    (void)state;
    assert_true(VEC_HELLO_INFO_COUNT > 0);
    for (size_t i = 0; i < VEC_HELLO_INFO_COUNT; i++) {
        const vec_hello_info_t *v = &VEC_HELLO_INFO[i];
        print_message("hello_info: %s\n", v->name);
        msg_hello_t h;
        assert_int_equal(msg_hello_decode(v->payload, v->payload_len, &h), VIGIL_OK);
        assert_int_equal(h.has_info, v->has_info);
        assert_string_equal(h.name, v->node_name);
        assert_string_equal(h.channels, v->channels);
        assert_int_equal(h.hop, v->hop);
        if (v->has_info) {
            const msg_hello_info_t *f = &h.info;
            assert_int_equal(f->protocol_minor, v->protocol_minor);
            assert_int_equal(f->capabilities, v->capabilities);
            assert_int_equal(f->link, v->link);
            assert_int_equal(f->paired, v->paired);
            assert_memory_equal(f->key_id, v->key_id, 4);
            assert_memory_equal(f->link_nonce, v->link_nonce, 8);
            assert_int_equal(f->sensor, v->sensor);
            assert_int_equal(f->range_g, v->range_g);
            assert_int_equal(f->stream_mode, v->stream_mode);
            assert_int_equal(f->raw_decimation, v->raw_decimation);
            assert_int_equal(f->model_version, v->model_version);
            assert_int_equal(f->model_source, v->model_source);
            for (size_t k = 0; k < 2; k++) {
                assert_int_equal(f->slot[k].state, v->slots[k].state);
                assert_int_equal(f->slot[k].seq, v->slots[k].seq);
                assert_int_equal(f->slot[k].model_version, v->slots[k].model_version);
            }
        }
        uint8_t out[MSG_HELLO_MAX_LEN];
        size_t n = 0;
        assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
}

static void ack_nack_pair_vectors(void **state)
{
    (void)state;
    uint8_t out[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_true(VEC_ACKS_COUNT > 0 && VEC_NACKS_COUNT > 0 && VEC_PAIRS_COUNT > 0);
    for (size_t i = 0; i < VEC_ACKS_COUNT; i++) {
        const vec_ack_t *v = &VEC_ACKS[i];
        uint8_t t = 0;
        assert_int_equal(msg_ack_decode(v->payload, v->payload_len, &t), VIGIL_OK);
        assert_int_equal(t, v->req_type);
        assert_int_equal(msg_ack_encode(t, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_NACKS_COUNT; i++) {
        const vec_nack_t *v = &VEC_NACKS[i];
        msg_nack_t m;
        assert_int_equal(msg_nack_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.req_type, v->req_type);
        assert_int_equal(m.reason, v->reason);
        assert_int_equal(m.detail, v->detail);
        assert_int_equal(msg_nack_encode(&m, out, sizeof out, &n), VIGIL_OK);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_PAIRS_COUNT; i++) {
        const vec_pair_t *v = &VEC_PAIRS[i];
        print_message("pair: %s\n", v->name);
        msg_pair_t m;
        assert_int_equal(msg_pair_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_memory_equal(m.key, v->key, 32);
        assert_int_equal(m.name_len, strlen(v->node_name));
        assert_memory_equal(m.name, v->node_name, m.name_len);
        uint8_t acc = 0;
        for (size_t k = 0; k < 32; k++) {
            acc |= m.key[k];
        }
        assert_int_equal(acc == 0, v->unpair);
        assert_int_equal(msg_pair_encode(&m, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
}

static void config_stream_vectors(void **state)
{
    (void)state;
    uint8_t out[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_true(VEC_CONFIGS_COUNT > 0 && VEC_STREAM_MSGS_COUNT > 0);
    for (size_t i = 0; i < VEC_CONFIGS_COUNT; i++) {
        const vec_config_t *v = &VEC_CONFIGS[i];
        print_message("config: %s\n", v->name);
        msg_config_t c;
        assert_int_equal(msg_config_decode(v->payload, v->payload_len, &c), VIGIL_OK);
        assert_int_equal(c.count, v->n_entries);
        msg_config_entry_t e[16];
        size_t pos = 0;
        uint32_t present = 0;
        for (size_t k = 0; k < c.count; k++) {
            msg_config_next(&c, &pos, &e[k]);
            assert_int_equal(e[k].key, v->entries[k].key);
            assert_int_equal(e[k].len, v->entries[k].len);
            assert_memory_equal(e[k].value, v->entries[k].value, e[k].len);
            present |= 1u << e[k].key;
            switch (e[k].key) {
            case MSG_CFG_NAME: assert_memory_equal(e[k].value, v->node_name, e[k].len); break;
            case MSG_CFG_RANGE_G: assert_int_equal(e[k].value[0], v->range_g); break;
            case MSG_CFG_HOP: assert_int_equal(proto_get_u16le(e[k].value), v->hop); break;
            case MSG_CFG_SHAFT_HZ: assert_true(proto_get_f32le(e[k].value) == v->shaft_hz); break;
            case MSG_CFG_SEND_BANDS: assert_int_equal(e[k].value[0], v->send_bands); break;
            case MSG_CFG_AXIS_COUNT: assert_int_equal(e[k].value[0], v->axis_count); break;
            case MSG_CFG_WINDOW_LEN: assert_int_equal(proto_get_u16le(e[k].value), v->window_len); break;
            case MSG_CFG_SAMPLE_RATE_HZ: assert_int_equal(proto_get_u32le(e[k].value), v->sample_rate_hz); break;
            default: break;
            }
        }
        assert_int_equal(present, v->present);
        assert_int_equal(msg_config_encode(e, c.count, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_STREAM_MSGS_COUNT; i++) {
        const vec_stream_msg_t *v = &VEC_STREAM_MSGS[i];
        msg_stream_t m;
        assert_int_equal(msg_stream_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.mode, v->mode);
        assert_int_equal(m.raw_decimation, v->raw_decimation);
        assert_int_equal(msg_stream_encode(&m, out, sizeof out, &n), VIGIL_OK);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
}

static void raw_time_ping_log_vectors(void **state)
{
    (void)state;
    static uint8_t out[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_true(VEC_RAW_BLOCKS_COUNT > 0);
    for (size_t i = 0; i < VEC_RAW_BLOCKS_COUNT; i++) {
        const vec_raw_block_t *v = &VEC_RAW_BLOCKS[i];
        print_message("raw_block: %s\n", v->name);
        msg_raw_block_t m;
        assert_int_equal(msg_raw_block_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.first_frame, v->first_frame);
        assert_int_equal(m.axis_count, v->axis_count);
        assert_int_equal(m.decimation, v->decimation);
        assert_true(m.scale_g == v->scale_g);
        assert_true(v->scale_g == (float)v->range_g / 32768.0f);
        assert_int_equal(m.frame_count, v->frame_count);
        for (size_t k = 0; k < (size_t)v->frame_count * v->axis_count; k++) {
            const int16_t q = msg_raw_block_sample(&m, k / v->axis_count, k % v->axis_count);
            assert_int_equal(q, v->samples[k]);
            /* the quantizer of §3.9 on the vector's float32 means */
            double e = floor((double)v->means[k] / (double)v->scale_g + 0.5);
            e = e > 32767.0 ? 32767.0 : e < -32768.0 ? -32768.0 : e;
            assert_int_equal(q, (int16_t)e);
        }
        assert_int_equal(msg_raw_block_encode(&m, out, sizeof out, &n), VIGIL_OK);
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_TIME_REQS_COUNT; i++) {
        const vec_time_req_t *v = &VEC_TIME_REQS[i];
        uint64_t t = 0;
        assert_int_equal(msg_time_req_decode(v->payload, v->payload_len, &t), VIGIL_OK);
        assert_true(t == v->host_time_us);
        assert_int_equal(msg_time_req_encode(t, out, sizeof out, &n), VIGIL_OK);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_TIMES_COUNT; i++) {
        const vec_time_t *v = &VEC_TIMES[i];
        msg_time_t t;
        assert_int_equal(msg_time_decode(v->payload, v->payload_len, &t), VIGIL_OK);
        assert_true(t.host_time_us == v->host_time_us && t.uptime_us == v->uptime_us &&
                    t.stream_t_us == v->stream_t_us);
        assert_int_equal(msg_time_encode(&t, out, sizeof out, &n), VIGIL_OK);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_PINGS_COUNT; i++) {
        const vec_ping_t *v = &VEC_PINGS[i];
        assert_int_equal(msg_ping_check(v->payload_len), VIGIL_OK);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
    for (size_t i = 0; i < VEC_LOGS_COUNT; i++) {
        const vec_log_t *v = &VEC_LOGS[i];
        msg_log_t m;
        assert_int_equal(msg_log_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.level, v->level);
        assert_int_equal(m.code, v->code);
        assert_int_equal(m.text_len, strlen(v->text));
        assert_memory_equal(m.text, v->text, m.text_len);
        assert_int_equal(msg_log_encode(&m, out, sizeof out, &n), VIGIL_OK);
        assert_memory_equal(out, v->payload, n);
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
}

static void secure_vectors(void **state)
{
    (void)state;
    static uint8_t out[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_true(VEC_SECURES_COUNT > 0);
    for (size_t i = 0; i < VEC_SECURES_COUNT; i++) {
        const vec_secure_t *v = &VEC_SECURES[i];
        print_message("secure: %s\n", v->name);
        msg_secure_t m;
        assert_int_equal(msg_secure_decode(v->payload, v->payload_len, &m), VIGIL_OK);
        assert_int_equal(m.counter, v->counter);
        assert_int_equal(m.inner_type, v->inner_type);
        assert_int_equal(m.inner_len, v->inner_len);
        assert_memory_equal(m.inner, v->inner_payload, v->inner_len);
        /* the MAC input of §3.13, and the key id */
        uint8_t mac[FRAME_MAX_PAYLOAD] = {'V', 'G', 'S', 'E', 'C', '1'};
        memcpy(&mac[6], v->nonce, 8);
        proto_put_u16le(&mac[14], v->seq);
        proto_put_u32le(&mac[16], v->counter);
        mac[20] = v->inner_type;
        memcpy(&mac[21], v->inner_payload, v->inner_len);
        assert_int_equal(21 + v->inner_len, v->mac_input_len);
        assert_memory_equal(mac, v->mac_input, v->mac_input_len);
        uint8_t d[32];
        sha256(v->key, 32, d);
        assert_memory_equal(d, v->key_id, 4);
        uint8_t tag[16];
        msg_secure_tag(v->key, v->nonce, v->seq, v->counter, v->inner_type, m.inner, m.inner_len, tag);
        /* v->tag is the tag the payload carries: ours when valid, a tampered one otherwise. */
        assert_memory_equal(m.tag, v->tag, 16);
        assert_int_equal(crypto_equal_ct(tag, m.tag, 16), v->valid);
        if (v->valid) {
            assert_int_equal(msg_secure_encode(v->key, v->nonce, v->seq, v->counter, v->inner_type, v->inner_payload,
                                               v->inner_len, out, sizeof out, &n),
                             VIGIL_OK);
            assert_int_equal(n, v->payload_len);
            assert_memory_equal(out, v->payload, n);
        }
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
    }
}

static uint8_t g_sink_bytes[8192];
static size_t g_sink_len;

static vigil_status_t sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (g_sink_len + len <= sizeof g_sink_bytes) {
        memcpy(&g_sink_bytes[g_sink_len], data, len);
        g_sink_len += len;
    }
    return VIGIL_OK;
}

/* Decoders accept or refuse each payload as the vector says; requests get the vector's NACK. */
/* The detector state (1.3) and its threshold (1.4) in HELLO and FEATURES: the fields, and the bytes
 * again when the decoded message is encoded. */
static void state_vectors(void **state)
{
    (void)state;
    assert_true(VEC_STATES_COUNT > 0);
    for (size_t i = 0; i < VEC_STATES_COUNT; i++) {
        const vec_state_t *v = &VEC_STATES[i];
        print_message("state: %s\n", v->name);
        static uint8_t out[1024];
        static msg_hello_t h;
        static msg_features_t f;
        size_t n = 0;
        bool has_state, has_threshold;
        uint8_t detector, learn_percent;
        float threshold;
        if (v->type == MSG_TYPE_HELLO) {
            assert_int_equal(msg_hello_decode(v->payload, v->payload_len, &h), VIGIL_OK);
            assert_true(h.has_info);
            has_state = h.info.has_state;
            detector = h.info.detector;
            learn_percent = h.info.learn_percent;
            has_threshold = h.info.has_threshold;
            threshold = h.info.threshold;
            assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
        } else {
            assert_int_equal(v->type, MSG_TYPE_FEATURES);
            assert_int_equal(msg_features_decode(v->payload, v->payload_len, &f), VIGIL_OK);
            has_state = f.has_state;
            detector = f.detector;
            learn_percent = f.learn_percent;
            has_threshold = f.has_threshold;
            threshold = f.threshold;
            assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
        }
        assert_true(has_state);
        assert_int_equal(detector, v->detector);
        assert_int_equal(learn_percent, v->learn_percent);
        assert_int_equal(has_threshold, v->has_threshold);
        assert_true(threshold == v->threshold); /* bit for bit; a 1.3 state reads as none (-1) */
        assert_int_equal(n, v->payload_len);
        assert_memory_equal(out, v->payload, n);
    }
}

static void payload_check_vectors(void **state)
{
    (void)state;
    static node_t node;
    static frame_deframer_t d;
    assert_true(VEC_PAYLOAD_CHECKS_COUNT > 0);
    for (size_t i = 0; i < VEC_PAYLOAD_CHECKS_COUNT; i++) {
        const vec_payload_check_t *v = &VEC_PAYLOAD_CHECKS[i];
        print_message("payload check: %s\n", v->name);
        const uint8_t *p = v->payload;
        const size_t len = v->payload_len;
        union {
            msg_hello_t h;
            msg_nack_t nack;
            msg_pair_t pair;
            msg_config_t c;
            msg_stream_t s;
            msg_time_t t;
            msg_log_t log;
            msg_secure_t sec;
            msg_raw_block_t raw;
            msg_features_t f;
            uint64_t u;
            uint8_t b;
        } m;
        vigil_status_t st = VIGIL_OK;
        bool request = false;
        switch (v->type) {
        case MSG_TYPE_HELLO: st = msg_hello_decode(p, len, &m.h); break;
        case MSG_TYPE_FEATURES: st = msg_features_decode(p, len, &m.f); break;
        case MSG_TYPE_ACK: st = msg_ack_decode(p, len, &m.b); break;
        case MSG_TYPE_NACK: st = msg_nack_decode(p, len, &m.nack); break;
        case MSG_TYPE_CONFIG: st = msg_config_decode(p, len, &m.c); break;
        case MSG_TYPE_TIME: st = msg_time_decode(p, len, &m.t); break;
        case MSG_TYPE_LOG: st = msg_log_decode(p, len, &m.log); break;
        case MSG_TYPE_RAW_BLOCK: st = msg_raw_block_decode(p, len, &m.raw); break;
        default: request = true; break; /* PAIR, PING, CONFIG_SET, STREAM, TIME_REQ, SECURE */
        }
        if (!request) {
            assert_int_equal(st == VIGIL_OK, v->ok);
            continue;
        }
        /* The node on its wired link: 2 axes, window 1024, unpaired. */
        node_config_t cfg = {.axis_count = 2, .window_len = 1024, .hop = 512, .sample_rate_hz = 48000,
                             .name = "v", .channels = "", .link = {[NODE_LINK_WIRED] = {sink, NULL}}};
        assert_int_equal(node_init(&node, &cfg), VIGIL_OK);
        static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
        size_t n = 0;
        assert_int_equal(frame_build(v->type, 77, p, len, wire, sizeof wire, &n), VIGIL_OK);
        g_sink_len = 0;
        node_rx_bytes(&node, NODE_LINK_WIRED, wire, n);
        frame_deframer_init(&d);
        frame_view_t fv;
        size_t k = 0;
        while (k < g_sink_len && !frame_deframer_push_u8(&d, g_sink_bytes[k], &fv)) {
            k++;
        }
        assert_true(k < g_sink_len);
        assert_int_equal(fv.seq, 77);
        if (v->ok) {
            assert_int_not_equal(fv.type, MSG_TYPE_NACK);
        } else {
            assert_int_equal(fv.type, MSG_TYPE_NACK);
            msg_nack_t nack;
            assert_int_equal(msg_nack_decode(fv.payload, fv.payload_len, &nack), VIGIL_OK);
            assert_int_equal(nack.req_type, v->type);
            assert_int_equal(nack.reason, v->nack_reason);
            assert_int_equal(nack.detail, v->nack_detail);
        }
    }
}

static void link_frame_vectors(void **state)
{
    (void)state;
    static frame_deframer_t d;
    assert_true(VEC_FRAMES_LINK_COUNT > 0);
    for (size_t i = 0; i < VEC_FRAMES_LINK_COUNT; i++) {
        const vec_frame_t *v = &VEC_FRAMES_LINK[i];
        frame_is(v->type, v->seq, v->payload, v->payload_len, v->wire, v->wire_len);
        frame_deframer_init(&d);
        frame_view_t fv;
        size_t got = 0;
        for (size_t k = 0; k < v->wire_len; k++) {
            got += frame_deframer_push_u8(&d, v->wire[k], &fv);
        }
        assert_int_equal(got, 1);
        assert_int_equal(fv.type, v->type);
        assert_int_equal(fv.payload_len, v->payload_len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_vectors),   cmocka_unit_test(cobs_vectors),
        cmocka_unit_test(frame_vectors),   cmocka_unit_test(hello_vectors),
        cmocka_unit_test(features_vectors), cmocka_unit_test(stream_vectors),
        cmocka_unit_test(features_ext_vectors), cmocka_unit_test(event_vectors),
        cmocka_unit_test(samples_in_vectors),
        cmocka_unit_test(hello_info_vectors), cmocka_unit_test(ack_nack_pair_vectors),
        cmocka_unit_test(config_stream_vectors), cmocka_unit_test(raw_time_ping_log_vectors),
        cmocka_unit_test(secure_vectors), cmocka_unit_test(state_vectors), cmocka_unit_test(payload_check_vectors),
        cmocka_unit_test(link_frame_vectors),
    };
    return cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
}
