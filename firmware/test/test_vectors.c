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

/* ---- appended by the firmware issue: FEATURES trailer, EVENT, SAMPLES_IN ---- */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_vectors),   cmocka_unit_test(cobs_vectors),
        cmocka_unit_test(frame_vectors),   cmocka_unit_test(hello_vectors),
        cmocka_unit_test(features_vectors), cmocka_unit_test(stream_vectors),
        cmocka_unit_test(features_ext_vectors), cmocka_unit_test(event_vectors),
        cmocka_unit_test(samples_in_vectors),
    };
    return cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
}
