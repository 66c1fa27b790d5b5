#include "test_util.h"

#include <string.h>

#include "../src/crypto/sha256.h"
#include "../src/proto/le.h"
#include "../src/proto/msg.h"

static void le_writers_are_little_endian(void **state)
{
    (void)state;
    uint8_t b[8];
    proto_put_u16le(b, 0x1122);
    assert_memory_equal(b, ((const uint8_t[]){0x22, 0x11}), 2);
    proto_put_u32le(b, 0x11223344u);
    assert_memory_equal(b, ((const uint8_t[]){0x44, 0x33, 0x22, 0x11}), 4);
    proto_put_u64le(b, 0x1122334455667788ull);
    assert_memory_equal(b, ((const uint8_t[]){0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}), 8);
    proto_put_f32le(b, 1.0f); /* IEEE-754 binary32 1.0 = 0x3F800000 */
    assert_memory_equal(b, ((const uint8_t[]){0x00, 0x00, 0x80, 0x3F}), 4);
    assert_true(proto_get_f32le(b) == 1.0f);
    proto_put_u64le(b, 0x8000000000000001ull);
    assert_true(proto_get_u64le(b) == 0x8000000000000001ull);
}

static msg_hello_t sample_hello(void)
{
    msg_hello_t h = {
        .fw_major = 0, .fw_minor = 1, .fw_patch = 2,
        .uid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
        .board = MSG_BOARD_QEMU,
        .axis_count = 2,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = 48000,
    };
    strcpy(h.name, "ab");
    strcpy(h.channels, "X,Y");
    return h;
}

/* The layout of protocol.md §3.1, byte by byte. */
static void hello_encodes_documented_layout(void **state)
{
    (void)state;
    msg_hello_t h = sample_hello();
    static const uint8_t expect[] = {
        0x01, 0x00, 0x01, 0x02,                         /* protocol 1, fw 0.1.2 */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,          /* uid */
        0x01, 0x02,                                     /* board qemu, 2 axes */
        0x00, 0x04, 0x00, 0x02,                         /* window 1024, hop 512 */
        0x80, 0xBB, 0x00, 0x00,                         /* 48000 */
        0x02, 'a', 'b', 0x03, 'X', ',', 'Y',
    };
    uint8_t out[MSG_HELLO_MAX_LEN];
    size_t n = 0;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, sizeof expect);
    assert_memory_equal(out, expect, n);
    assert_int_equal(msg_hello_encode(&h, out, n - 1, &n), VIGIL_ERR_NOSPACE);

    msg_hello_t d;
    memset(&d, 0x55, sizeof d);
    assert_int_equal(msg_hello_decode(expect, sizeof expect, &d), VIGIL_OK);
    assert_int_equal(d.protocol_version, 1);
    assert_int_equal(d.fw_patch, 2);
    assert_memory_equal(d.uid, h.uid, MSG_UID_LEN);
    assert_int_equal(d.board, MSG_BOARD_QEMU);
    assert_int_equal(d.axis_count, 2);
    assert_int_equal(d.window_len, 1024);
    assert_int_equal(d.hop, 512);
    assert_int_equal(d.sample_rate_hz, 48000);
    assert_string_equal(d.name, "ab");
    assert_string_equal(d.channels, "X,Y");
}

static void hello_string_limits(void **state)
{
    (void)state;
    msg_hello_t h = sample_hello();
    uint8_t out[MSG_HELLO_MAX_LEN + 8];
    size_t n = 0;
    memset(h.name, 'n', MSG_NAME_MAX);
    h.name[MSG_NAME_MAX] = '\0';
    memset(h.channels, 'c', MSG_CHANNELS_MAX);
    h.channels[MSG_CHANNELS_MAX] = '\0';
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_HELLO_MAX_LEN - MSG_HELLO_INFO_LEN - MSG_STATE_LEN - MSG_THRESHOLD_LEN); /* 1.0: no INFO */
    h.has_info = true;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, 170); /* a 1.2 HELLO: INFO, no STATE */
    /* The node's own HELLO, longest strings and the 1.4 STATE block, fits MSG_HELLO_MAX_LEN. */
    h.info.has_state = true;
    h.info.has_threshold = true;
    h.info.threshold = 2.5f;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_HELLO_MAX_LEN); /* 176 */
    assert_int_equal(msg_hello_encode(&h, out, MSG_HELLO_MAX_LEN - 1, &n), VIGIL_ERR_NOSPACE);
    msg_hello_t d;
    assert_int_equal(msg_hello_decode(out, n, &d), VIGIL_OK);
    assert_string_equal(d.name, h.name);
    assert_string_equal(d.channels, h.channels);

    h.axis_count = 0;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_ERR_ARG);
    h.axis_count = 4;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_ERR_ARG);
}

static void hello_decode_distrusts_lengths(void **state)
{
    (void)state;
    msg_hello_t h = sample_hello(), d;
    h.name[0] = '\0';
    h.channels[0] = '\0';
    uint8_t out[MSG_HELLO_MAX_LEN + 4] = {0};
    size_t n = 0;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_HELLO_MIN_LEN);
    assert_int_equal(msg_hello_decode(out, n, &d), VIGIL_OK);
    assert_int_equal(msg_hello_decode(out, n - 1, &d), VIGIL_ERR_PAYLOAD);
    /* The INFO block is all or nothing: bytes after channels that do not hold all 46 are an error. */
    out[n] = 0xAA;
    out[n + 1] = 0xBB;
    assert_int_equal(msg_hello_decode(out, n + 2, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_hello_decode(out, n + MSG_HELLO_INFO_LEN - 1, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_hello_decode(out, n + MSG_HELLO_INFO_LEN, &d), VIGIL_OK);
    assert_true(d.has_info);
    /* name_len pointing past the end, or over the limit. */
    out[26] = 5;
    assert_int_equal(msg_hello_decode(out, n, &d), VIGIL_ERR_PAYLOAD);
    out[26] = 33;
    assert_int_equal(msg_hello_decode(out, sizeof out, &d), VIGIL_ERR_PAYLOAD);
    out[26] = 0;
    out[27] = 1; /* channels_len past the end */
    assert_int_equal(msg_hello_decode(out, n, &d), VIGIL_ERR_PAYLOAD);
    out[27] = 65;
    assert_int_equal(msg_hello_decode(out, sizeof out, &d), VIGIL_ERR_PAYLOAD);
}

/* The layout of protocol.md §3.2, byte by byte. */
static void features_encodes_documented_layout(void **state)
{
    (void)state;
    msg_features_t f = {
        .window_index = 0x01020304u,
        .t_us = 0x1122334455667788ull,
        .shaft_hz = 29.95f,
        .axis_count = 2,
        .fields_per_axis = 1,
        .values = {1.0f, -2.5f},
    };
    uint8_t expect[26] = {
        0x04, 0x03, 0x02, 0x01,
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        0, 0, 0, 0, /* shaft_hz, filled below */
        0x02, 0x01,
        0x00, 0x00, 0x80, 0x3F, /* 1.0f */
        0x00, 0x00, 0x20, 0xC0, /* -2.5f */
    };
    proto_put_f32le(&expect[12], 29.95f);
    uint8_t out[MSG_FEATURES_MAX_LEN];
    size_t n = 0;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, sizeof expect);
    assert_memory_equal(out, expect, n);
    assert_int_equal(msg_features_encode(&f, out, n - 1, &n), VIGIL_ERR_NOSPACE);

    msg_features_t d;
    assert_int_equal(msg_features_decode(expect, sizeof expect, &d), VIGIL_OK);
    assert_int_equal(d.window_index, f.window_index);
    assert_true(d.t_us == f.t_us);
    assert_memory_equal(&d.shaft_hz, &f.shaft_hz, sizeof(float));
    assert_int_equal(d.axis_count, 2);
    assert_int_equal(d.fields_per_axis, 1);
    assert_memory_equal(d.values, f.values, 2 * sizeof(float));
}

static void features_limits(void **state)
{
    (void)state;
    static msg_features_t f;
    memset(&f, 0, sizeof f);
    f.axis_count = 3;
    f.fields_per_axis = MSG_FEATURES_FIELDS;
    for (int i = 0; i < 15; i++) {
        f.values[i] = (float)i;
    }
    uint8_t out[256];
    size_t n = 0;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, 18 + 4 * 15);
    static msg_features_t d;
    assert_int_equal(msg_features_decode(out, n, &d), VIGIL_OK);
    assert_memory_equal(d.values, f.values, sizeof f.values);
    assert_false(d.has_trailer);
    assert_int_equal(msg_features_decode(out, n - 1, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_features_decode(out, 17, &d), VIGIL_ERR_PAYLOAD);

    f.fields_per_axis = 6;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_ERR_ARG);
    f.fields_per_axis = 0;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_ERR_ARG);
    f.fields_per_axis = 1;
    f.axis_count = 0;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_ERR_ARG);
}

/* A later firmware with 6 fields per axis: this receiver keeps the first 5 of each axis. */
static void features_decode_keeps_known_fields(void **state)
{
    (void)state;
    uint8_t p[18 + 4 * 3 * 6] = {0};
    p[16] = 3;
    p[17] = 6;
    for (int a = 0; a < 3; a++) {
        for (int k = 0; k < 6; k++) {
            proto_put_f32le(&p[18 + 4 * (a * 6 + k)], (float)(10 * a + k));
        }
    }
    static msg_features_t d;
    assert_int_equal(msg_features_decode(p, sizeof p, &d), VIGIL_OK);
    assert_int_equal(d.fields_per_axis, 5);
    for (int a = 0; a < 3; a++) {
        for (int k = 0; k < 5; k++) {
            assert_true(d.values[a * 5 + k] == (float)(10 * a + k));
        }
    }
    p[16] = 0;
    assert_int_equal(msg_features_decode(p, sizeof p, &d), VIGIL_ERR_PAYLOAD);
    p[16] = 4;
    assert_int_equal(msg_features_decode(p, sizeof p, &d), VIGIL_ERR_PAYLOAD);
    p[16] = 3;
    p[17] = 0;
    assert_int_equal(msg_features_decode(p, sizeof p, &d), VIGIL_ERR_PAYLOAD);
}

/* protocol.md §3.2 trailer: score, band count, bands axis-major; all or nothing. */
static void features_trailer_layout_and_limits(void **state)
{
    (void)state;
    static msg_features_t f, d;
    memset(&f, 0, sizeof f);
    f.axis_count = 2;
    f.fields_per_axis = 5;
    for (int i = 0; i < 10; i++) {
        f.values[i] = (float)i;
    }
    f.has_trailer = true;
    f.anomaly_score = 0.125f;
    f.band_count = 3;
    for (int i = 0; i < 6; i++) {
        f.log_bands[i] = -(float)i;
    }
    uint8_t out[MSG_FEATURES_MAX_LEN];
    size_t n = 0;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    const size_t v = 18 + 4 * 10;
    assert_int_equal(n, v + 5 + 4 * 6);
    assert_true(proto_get_f32le(&out[v]) == 0.125f);
    assert_int_equal(out[v + 4], 3);
    assert_true(proto_get_f32le(&out[v + 5 + 4 * 4]) == -4.0f); /* axis 1, band 1 */
    assert_int_equal(msg_features_decode(out, n, &d), VIGIL_OK);
    assert_true(d.has_trailer);
    assert_true(d.anomaly_score == 0.125f);
    assert_int_equal(d.band_count, 3);
    assert_memory_equal(d.log_bands, f.log_bands, 6 * sizeof(float));
    /* Cut anywhere inside the trailer: an error, never a partial read. */
    for (size_t len = v + 1; len < n; len++) {
        assert_int_equal(msg_features_decode(out, len, &d), VIGIL_ERR_PAYLOAD);
    }
    out[v + 4] = MSG_FEATURES_BANDS_MAX + 1;
    assert_int_equal(msg_features_decode(out, n, &d), VIGIL_ERR_PAYLOAD);
    f.band_count = MSG_FEATURES_BANDS_MAX + 1;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_ERR_ARG);
    /* The largest payload fits MSG_FEATURES_MAX_LEN and the 1024-byte protocol limit. */
    f.axis_count = 3;
    f.band_count = MSG_FEATURES_BANDS_MAX;
    f.has_state = true;
    f.detector = MSG_DETECTOR_BASELINE;
    f.learn_percent = 100;
    f.has_threshold = true;
    f.threshold = 3.75f;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_FEATURES_MAX_LEN);
    /* The 1.4 state closes the payload: detector, learn_percent, threshold; cut inside it: an error. */
    assert_int_equal(out[n - 6], MSG_DETECTOR_BASELINE);
    assert_int_equal(out[n - 5], 100);
    assert_true(proto_get_f32le(&out[n - 4]) == 3.75f);
    for (size_t cut = 1; cut <= 5; cut++) {
        if (cut != MSG_THRESHOLD_LEN) {
            assert_int_equal(msg_features_decode(out, n - cut, &d), VIGIL_ERR_PAYLOAD);
        }
    }
    assert_int_equal(msg_features_decode(out, n, &d), VIGIL_OK);
    assert_true(d.has_state && d.has_threshold);
    assert_int_equal(d.detector, MSG_DETECTOR_BASELINE);
    assert_true(d.threshold == 3.75f);
    /* A 1.3 state (no threshold) still decodes: threshold none. */
    assert_int_equal(msg_features_decode(out, n - MSG_THRESHOLD_LEN, &d), VIGIL_OK);
    assert_true(d.has_state);
    assert_false(d.has_threshold);
    assert_true(d.threshold == MSG_NO_THRESHOLD);
    f.has_threshold = false;
    f.detector = MSG_DETECTOR_UNSEEN;
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_FEATURES_MAX_LEN - MSG_THRESHOLD_LEN);
    /* The state (1.3) closes the payload; cut inside it: an error. */
    assert_int_equal(out[n - 2], MSG_DETECTOR_UNSEEN);
    assert_int_equal(out[n - 1], 100);
    assert_int_equal(msg_features_decode(out, n - 1, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_features_decode(out, n, &d), VIGIL_OK);
    assert_true(d.has_state);
    assert_int_equal(d.detector, MSG_DETECTOR_UNSEEN);
    assert_int_equal(d.learn_percent, 100);
    assert_int_equal(msg_features_decode(out, n - 2, &d), VIGIL_OK);
    assert_false(d.has_state);
    assert_true(MSG_FEATURES_MAX_LEN <= 1024);
}

static void event_layout(void **state)
{
    (void)state;
    msg_event_t e = {
        .event_id = 7, .state = MSG_EVENT_ENDED, .debounce_k = 3, .debounce_n = 5,
        .start_window = 0x01020304u, .end_window = 0x05060708u,
        .start_t_us = 0x1122334455667788ull, .end_t_us = 42, .peak_score = 2.5f,
        .threshold = 0.5f, .model_version = 9,
    };
    uint8_t out[MSG_EVENT_LEN];
    size_t n = 0;
    assert_int_equal(msg_event_encode(&e, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, 44);
    assert_int_equal(out[4], 0);
    assert_int_equal(out[5], 3);
    assert_int_equal(out[8], 0x04);
    assert_int_equal(out[16], 0x88);
    assert_true(proto_get_f32le(&out[32]) == 2.5f);
    assert_int_equal(out[40], 9);
    msg_event_t d;
    assert_int_equal(msg_event_decode(out, n, &d), VIGIL_OK);
    assert_int_equal(d.end_window, e.end_window);
    assert_true(d.start_t_us == e.start_t_us);
    assert_int_equal(msg_event_decode(out, n - 1, &d), VIGIL_ERR_PAYLOAD);
    out[4] = 2;
    assert_int_equal(msg_event_decode(out, n, &d), VIGIL_ERR_PAYLOAD);
    e.state = 2;
    assert_int_equal(msg_event_encode(&e, out, sizeof out, &n), VIGIL_ERR_ARG);
    e.state = 1;
    assert_int_equal(msg_event_encode(&e, out, 43, &n), VIGIL_ERR_NOSPACE);
}

static void samples_in_round_trip_and_limits(void **state)
{
    (void)state;
    const float frames[6] = {1.0f, -2.0f, 0.5f, 3.0f, 4.0f, -0.25f};
    uint8_t out[1024];
    size_t n = 0;
    assert_int_equal(msg_samples_in_encode(512, 2, frames, 3, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, 8 + 24);
    msg_samples_in_t m;
    assert_int_equal(msg_samples_in_decode(out, n, &m), VIGIL_OK);
    assert_int_equal(m.first_frame, 512);
    assert_int_equal(m.axis_count, 2);
    assert_int_equal(m.frame_count, 3);
    assert_true(proto_get_f32le(&m.samples[4 * 5]) == -0.25f);
    assert_int_equal(msg_samples_in_decode(out, n - 1, &m), VIGIL_ERR_PAYLOAD);
    out[5] = 1; /* unknown format */
    assert_int_equal(msg_samples_in_decode(out, n, &m), VIGIL_ERR_PAYLOAD);
    out[5] = 0;
    out[4] = 4;
    assert_int_equal(msg_samples_in_decode(out, n, &m), VIGIL_ERR_PAYLOAD);
    assert_int_equal(MSG_SAMPLES_IN_MAX_FRAMES(3), 84);
    assert_int_equal(MSG_SAMPLES_IN_MAX_FRAMES(2), 127);
    static float many[3 * 85];
    assert_int_equal(msg_samples_in_encode(0, 3, many, 85, out, sizeof out, &n), VIGIL_ERR_ARG);
    assert_int_equal(msg_samples_in_encode(0, 3, many, 84, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, 1016);
}


/* ---- protocol 1.1 ---- */

/* HELLO INFO (protocol.md §3.1), byte by byte, and back. */
static void hello_info_layout(void **state)
{
    (void)state;
    msg_hello_t h = sample_hello();
    h.has_info = true;
    h.info = (msg_hello_info_t){
        .protocol_minor = 1, .capabilities = 0x000003FFu, .link = 1, .paired = 1,
        .key_id = {0xA1, 0xA2, 0xA3, 0xA4}, .link_nonce = {1, 2, 3, 4, 5, 6, 7, 8},
        .sensor = 1, .range_g = 4, .stream_mode = 3, .raw_decimation = 8,
        .model_version = 0x01020304u, .model_source = 2,
        .slot = {{3, 0x11121314u, 7}, {4, 0x21222324u, 0}},
    };
    uint8_t out[MSG_HELLO_MAX_LEN + 8];
    size_t n = 0;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n), VIGIL_OK);
    const size_t i = MSG_HELLO_MIN_LEN + 2 + 3; /* "ab", "X,Y" */
    assert_int_equal(n, i + MSG_HELLO_INFO_LEN);
    static const uint8_t expect[46] = {
        1, 0xFF, 0x03, 0, 0, 1, 1, 0xA1, 0xA2, 0xA3, 0xA4, 1, 2, 3, 4, 5, 6, 7, 8, 1, 4, 3, 8,
        0x04, 0x03, 0x02, 0x01, 2,
        3, 0x14, 0x13, 0x12, 0x11, 7, 0, 0, 0,
        4, 0x24, 0x23, 0x22, 0x21, 0, 0, 0, 0};
    assert_memory_equal(&out[i], expect, sizeof expect);
    msg_hello_t d;
    memset(&d, 0x55, sizeof d);
    /* A 1.2 HELLO ends with INFO: no STATE block. */
    assert_int_equal(msg_hello_decode(out, n, &d), VIGIL_OK);
    assert_false(d.info.has_state);
    /* The STATE block (1.3) is all or nothing: one byte of it is an error. */
    out[n] = MSG_DETECTOR_LEARNING;
    assert_int_equal(msg_hello_decode(out, n + 1, &d), VIGIL_ERR_PAYLOAD);
    /* A 1.3 STATE block: two bytes, no threshold. */
    out[n + 1] = 42;
    assert_int_equal(msg_hello_decode(out, n + 2, &d), VIGIL_OK);
    assert_true(d.info.has_state);
    assert_false(d.info.has_threshold);
    assert_true(d.info.threshold == MSG_NO_THRESHOLD);
    /* The 1.4 threshold after it is all or nothing too. */
    proto_put_f32le(&out[n + 2], 1.5f);
    for (size_t k = 3; k < 6; k++) {
        assert_int_equal(msg_hello_decode(out, n + k, &d), VIGIL_ERR_PAYLOAD);
    }
    /* Extension rule: bytes after the STATE block are ignored. */
    out[n + 6] = 0xEE;
    assert_int_equal(msg_hello_decode(out, n + 7, &d), VIGIL_OK);
    assert_true(d.info.has_state);
    assert_int_equal(d.info.detector, MSG_DETECTOR_LEARNING);
    assert_int_equal(d.info.learn_percent, 42);
    assert_true(d.info.has_threshold);
    assert_true(d.info.threshold == 1.5f);
    h.info.has_state = true;
    h.info.detector = MSG_DETECTOR_LEARNING;
    h.info.learn_percent = 42;
    size_t n3 = 0;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n3), VIGIL_OK);
    assert_int_equal(n3, n + MSG_STATE_LEN);
    assert_int_equal(out[n], MSG_DETECTOR_LEARNING);
    assert_int_equal(out[n + 1], 42);
    h.info.has_threshold = true;
    h.info.threshold = MSG_NO_THRESHOLD;
    assert_int_equal(msg_hello_encode(&h, out, sizeof out, &n3), VIGIL_OK);
    assert_int_equal(n3, n + MSG_STATE_LEN + MSG_THRESHOLD_LEN);
    assert_true(proto_get_f32le(&out[n + 2]) == -1.0f);
    h.info.has_threshold = false;
    h.info.has_state = false;
    assert_true(d.has_info);
    assert_int_equal(d.info.capabilities, h.info.capabilities);
    assert_memory_equal(d.info.link_nonce, h.info.link_nonce, 8);
    assert_memory_equal(d.info.key_id, h.info.key_id, 4);
    assert_int_equal(d.info.model_version, h.info.model_version);
    assert_int_equal(d.info.slot[0].seq, h.info.slot[0].seq);
    assert_int_equal(d.info.slot[1].state, 4);
    assert_int_equal(d.info.slot[0].model_version, 7);
    assert_int_equal(d.info.raw_decimation, 8);
    assert_int_equal(d.info.model_source, 2);
    assert_int_equal(msg_hello_decode(out, n - 1, &d), VIGIL_ERR_PAYLOAD);
}

static void ack_nack_round_trip(void **state)
{
    (void)state;
    uint8_t b[8];
    size_t n = 0;
    uint8_t t = 0;
    assert_int_equal(msg_ack_encode(MSG_TYPE_STREAM, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(b[0], 0x0B);
    assert_int_equal(msg_ack_decode(b, 1, &t), VIGIL_OK);
    assert_int_equal(t, 0x0B);
    assert_int_equal(msg_ack_decode(b, 0, &t), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_ack_encode(1, b, 0, &n), VIGIL_ERR_NOSPACE);
    const msg_nack_t m = {.req_type = 0x0A, .reason = MSG_NACK_UNKNOWN_KEY, .detail = 0x1234};
    assert_int_equal(msg_nack_encode(&m, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(b, ((const uint8_t[]){0x0A, 5, 0x34, 0x12}), 4);
    msg_nack_t d;
    assert_int_equal(msg_nack_decode(b, 5, &d), VIGIL_OK); /* trailing byte ignored */
    assert_int_equal(d.req_type, 0x0A);
    assert_int_equal(d.reason, 5);
    assert_int_equal(d.detail, 0x1234);
    assert_int_equal(msg_nack_decode(b, 3, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_nack_encode(&m, b, 3, &n), VIGIL_ERR_NOSPACE);
}

static void pair_round_trip_and_limits(void **state)
{
    (void)state;
    msg_pair_t m = {.name_len = 3, .name = (const uint8_t *)"abc"};
    for (int i = 0; i < 32; i++) {
        m.key[i] = (uint8_t)(i + 1);
    }
    uint8_t b[80];
    size_t n = 0;
    assert_int_equal(msg_pair_encode(&m, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 36);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[31], 32);
    assert_int_equal(b[32], 3);
    assert_memory_equal(&b[33], "abc", 3);
    msg_pair_t d;
    assert_int_equal(msg_pair_decode(b, n, &d), VIGIL_OK);
    assert_memory_equal(d.key, m.key, 32);
    assert_int_equal(d.name_len, 3);
    assert_memory_equal(d.name, "abc", 3);
    assert_int_equal(msg_pair_decode(b, n + 5, &d), VIGIL_OK);          /* trailing bytes */
    assert_int_equal(msg_pair_decode(b, n - 1, &d), VIGIL_ERR_PAYLOAD); /* name overruns */
    assert_int_equal(msg_pair_decode(b, 32, &d), VIGIL_ERR_PAYLOAD);    /* shorter than 33 */
    b[32] = 33;
    memset(&b[33], 'x', 40);
    assert_int_equal(msg_pair_decode(b, sizeof b, &d), VIGIL_ERR_PAYLOAD); /* name_len > 32 */
    m.name_len = 33;
    assert_int_equal(msg_pair_encode(&m, b, sizeof b, &n), VIGIL_ERR_ARG);
    m.name_len = 0;
    assert_int_equal(msg_pair_encode(&m, b, 32, &n), VIGIL_ERR_NOSPACE);
    assert_int_equal(msg_pair_encode(&m, b, 33, &n), VIGIL_OK);
    assert_int_equal(n, 33);
}

static void config_round_trip_and_limits(void **state)
{
    (void)state;
    const uint8_t hop[2] = {0x00, 0x01};
    const msg_config_entry_t e[3] = {
        {MSG_CFG_NAME, 2, (const uint8_t *)"hi"}, {MSG_CFG_HOP, 2, hop}, {MSG_CFG_SEND_BANDS, 0, NULL}};
    uint8_t b[32];
    size_t n = 0;
    assert_int_equal(msg_config_encode(e, 3, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 1 + 4 + 4 + 2);
    assert_memory_equal(b, ((const uint8_t[]){3, 1, 2, 'h', 'i', 3, 2, 0, 1, 5, 0}), n);
    msg_config_t c;
    assert_int_equal(msg_config_decode(b, n, &c), VIGIL_OK);
    assert_int_equal(c.count, 3);
    assert_int_equal(c.len, n - 1);
    size_t pos = 0;
    msg_config_entry_t d;
    msg_config_next(&c, &pos, &d);
    assert_int_equal(d.key, 1);
    assert_int_equal(d.len, 2);
    assert_memory_equal(d.value, "hi", 2);
    msg_config_next(&c, &pos, &d);
    assert_int_equal(d.key, 3);
    assert_int_equal(proto_get_u16le(d.value), 256);
    msg_config_next(&c, &pos, &d);
    assert_int_equal(d.key, 5);
    assert_int_equal(d.len, 0);
    assert_int_equal(pos, c.len);
    assert_int_equal(msg_config_decode(b, n + 3, &c), VIGIL_OK); /* trailing bytes */
    assert_int_equal(msg_config_decode(b, 0, &c), VIGIL_ERR_PAYLOAD);
    for (size_t cut = 1; cut < n; cut++) {
        assert_int_equal(msg_config_decode(b, cut, &c), VIGIL_ERR_PAYLOAD); /* entries overrun */
    }
    assert_int_equal(msg_config_decode((const uint8_t[]){0}, 1, &c), VIGIL_OK);
    assert_int_equal(c.count, 0);
    assert_int_equal(msg_config_encode(e, 3, b, n - 1, &n), VIGIL_ERR_NOSPACE);
    assert_int_equal(msg_config_encode(e, 256, b, sizeof b, &n), VIGIL_ERR_ARG);
}

static void stream_time_ping_round_trip(void **state)
{
    (void)state;
    uint8_t b[32];
    size_t n = 0;
    const msg_stream_t s = {.mode = 3, .raw_decimation = 8};
    assert_int_equal(msg_stream_encode(&s, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 2);
    msg_stream_t sd;
    assert_int_equal(msg_stream_decode(b, 3, &sd), VIGIL_OK);
    assert_int_equal(sd.mode, 3);
    assert_int_equal(sd.raw_decimation, 8);
    assert_int_equal(msg_stream_decode(b, 1, &sd), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_stream_encode(&s, b, 1, &n), VIGIL_ERR_NOSPACE);

    uint64_t h = 0;
    assert_int_equal(msg_time_req_encode(0x0102030405060708ull, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 8);
    assert_int_equal(b[0], 0x08);
    assert_int_equal(msg_time_req_decode(b, 8, &h), VIGIL_OK);
    assert_true(h == 0x0102030405060708ull);
    assert_int_equal(msg_time_req_decode(b, 7, &h), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_time_req_encode(1, b, 7, &n), VIGIL_ERR_NOSPACE);
    const msg_time_t t = {.host_time_us = 1, .uptime_us = 0x1122334455667788ull, .stream_t_us = 3};
    assert_int_equal(msg_time_encode(&t, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 24);
    assert_int_equal(b[8], 0x88);
    msg_time_t td;
    assert_int_equal(msg_time_decode(b, 25, &td), VIGIL_OK);
    assert_true(td.host_time_us == 1 && td.uptime_us == t.uptime_us && td.stream_t_us == 3);
    assert_int_equal(msg_time_decode(b, 23, &td), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_time_encode(&t, b, 23, &n), VIGIL_ERR_NOSPACE);

    assert_int_equal(msg_ping_check(0), VIGIL_OK);
    assert_int_equal(msg_ping_check(64), VIGIL_OK);
    assert_int_equal(msg_ping_check(65), VIGIL_ERR_PAYLOAD);
}

static void raw_block_round_trip_and_limits(void **state)
{
    (void)state;
    assert_int_equal(MSG_RAW_FULL_FRAMES(1), 505);
    assert_int_equal(MSG_RAW_FULL_FRAMES(2), 252);
    assert_int_equal(MSG_RAW_FULL_FRAMES(3), 168);
    uint8_t samples[8];
    proto_put_u16le(&samples[0], (uint16_t)-2);
    proto_put_u16le(&samples[2], 32767);
    proto_put_u16le(&samples[4], (uint16_t)-32768);
    proto_put_u16le(&samples[6], 7);
    const msg_raw_block_t m = {.first_frame = 0x01020304u, .axis_count = 2, .decimation = 4,
                               .format = 0, .scale_g = 16.0f / 32768.0f, .frame_count = 2,
                               .samples = samples};
    uint8_t b[64];
    size_t n = 0;
    assert_int_equal(msg_raw_block_encode(&m, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 14 + 8);
    assert_memory_equal(b, ((const uint8_t[]){4, 3, 2, 1, 2, 4, 0, 0, 0, 0, 0, 0x3A, 2, 0}), 14);
    msg_raw_block_t d;
    assert_int_equal(msg_raw_block_decode(b, n + 1, &d), VIGIL_OK);
    assert_int_equal(d.first_frame, 0x01020304u);
    assert_int_equal(d.axis_count, 2);
    assert_int_equal(d.decimation, 4);
    assert_true(d.scale_g == 16.0f / 32768.0f);
    assert_int_equal(d.frame_count, 2);
    assert_int_equal(msg_raw_block_sample(&d, 0, 0), -2);
    assert_int_equal(msg_raw_block_sample(&d, 0, 1), 32767);
    assert_int_equal(msg_raw_block_sample(&d, 1, 0), -32768);
    assert_int_equal(msg_raw_block_sample(&d, 1, 1), 7);
    assert_int_equal(msg_raw_block_decode(b, n - 1, &d), VIGIL_ERR_PAYLOAD); /* samples overrun */
    assert_int_equal(msg_raw_block_decode(b, 13, &d), VIGIL_ERR_PAYLOAD);
    b[6] = 1; /* format */
    assert_int_equal(msg_raw_block_decode(b, n, &d), VIGIL_ERR_PAYLOAD);
    b[6] = 0;
    b[4] = 0; /* axes */
    assert_int_equal(msg_raw_block_decode(b, n, &d), VIGIL_ERR_PAYLOAD);
    b[4] = 4;
    assert_int_equal(msg_raw_block_decode(b, n, &d), VIGIL_ERR_PAYLOAD);
    msg_raw_block_t bad = m;
    bad.axis_count = 0;
    assert_int_equal(msg_raw_block_encode(&bad, b, sizeof b, &n), VIGIL_ERR_ARG);
    bad = m;
    bad.frame_count = 253;
    assert_int_equal(msg_raw_block_encode(&bad, b, sizeof b, &n), VIGIL_ERR_ARG);
    assert_int_equal(msg_raw_block_encode(&m, b, 21, &n), VIGIL_ERR_NOSPACE);
}

static void log_round_trip_and_limits(void **state)
{
    (void)state;
    const msg_log_t m = {.level = 2, .code = 0x0107, .text_len = 3, .text = (const uint8_t *)"abc"};
    uint8_t b[MSG_LOG_HEADER_LEN + MSG_LOG_TEXT_MAX + 4];
    size_t n = 0;
    assert_int_equal(msg_log_encode(&m, b, sizeof b, &n), VIGIL_OK);
    assert_memory_equal(b, ((const uint8_t[]){2, 7, 1, 3, 'a', 'b', 'c'}), 7);
    msg_log_t d;
    assert_int_equal(msg_log_decode(b, n + 1, &d), VIGIL_OK);
    assert_int_equal(d.level, 2);
    assert_int_equal(d.code, 0x0107);
    assert_int_equal(d.text_len, 3);
    assert_memory_equal(d.text, "abc", 3);
    assert_int_equal(msg_log_decode(b, n - 1, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_log_decode(b, 3, &d), VIGIL_ERR_PAYLOAD);
    b[3] = 97;
    memset(&b[4], 'x', MSG_LOG_TEXT_MAX);
    assert_int_equal(msg_log_decode(b, sizeof b, &d), VIGIL_ERR_PAYLOAD); /* text_len > 96 */
    msg_log_t big = m;
    big.text_len = 97;
    big.text = &b[4];
    assert_int_equal(msg_log_encode(&big, b, sizeof b, &n), VIGIL_ERR_ARG);
    assert_int_equal(msg_log_encode(&m, b, 6, &n), VIGIL_ERR_NOSPACE);
}

static void secure_round_trip_tag_and_limits(void **state)
{
    (void)state;
    uint8_t key[32], nonce[8];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)(0x40 + i);
    }
    for (int i = 0; i < 8; i++) {
        nonce[i] = (uint8_t)(0xF0 + i);
    }
    const uint8_t inner[2] = {3, 8};
    uint8_t b[64];
    size_t n = 0;
    assert_int_equal(msg_secure_encode(key, nonce, 0x1234, 7, MSG_TYPE_STREAM, inner, 2, b, sizeof b, &n), VIGIL_OK);
    assert_int_equal(n, 21 + 2);
    msg_secure_t d;
    assert_int_equal(msg_secure_decode(b, n, &d), VIGIL_OK);
    assert_int_equal(d.counter, 7);
    assert_int_equal(d.inner_type, MSG_TYPE_STREAM);
    assert_int_equal(d.inner_len, 2);
    assert_memory_equal(d.inner, inner, 2);
    assert_ptr_equal(d.tag, &b[7]);
    /* The tag is HMAC-SHA256 over "VGSEC1" || nonce || seq || counter || type || inner, cut to 16. */
    uint8_t m[6 + 8 + 2 + 4 + 1 + 2] = {'V', 'G', 'S', 'E', 'C', '1'};
    memcpy(&m[6], nonce, 8);
    proto_put_u16le(&m[14], 0x1234);
    proto_put_u32le(&m[16], 7);
    m[20] = MSG_TYPE_STREAM;
    memcpy(&m[21], inner, 2);
    uint8_t full[32];
    hmac_sha256(key, 32, m, sizeof m, full);
    assert_memory_equal(d.tag, full, 16);
    assert_int_equal(msg_secure_decode(b, 20, &d), VIGIL_ERR_PAYLOAD);
    assert_int_equal(msg_secure_decode(b, 21, &d), VIGIL_OK); /* no inner payload */
    assert_int_equal(d.inner_len, 0);
    assert_int_equal(msg_secure_encode(key, nonce, 1, 1, 0x0A, inner, 2, b, 22, &n), VIGIL_ERR_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(le_writers_are_little_endian),
        cmocka_unit_test(hello_encodes_documented_layout),
        cmocka_unit_test(hello_string_limits),
        cmocka_unit_test(hello_decode_distrusts_lengths),
        cmocka_unit_test(features_encodes_documented_layout),
        cmocka_unit_test(features_limits),
        cmocka_unit_test(features_decode_keeps_known_fields),
        cmocka_unit_test(features_trailer_layout_and_limits),
        cmocka_unit_test(event_layout),
        cmocka_unit_test(samples_in_round_trip_and_limits),
        cmocka_unit_test(hello_info_layout),
        cmocka_unit_test(ack_nack_round_trip),
        cmocka_unit_test(pair_round_trip_and_limits),
        cmocka_unit_test(config_round_trip_and_limits),
        cmocka_unit_test(stream_time_ping_round_trip),
        cmocka_unit_test(raw_block_round_trip_and_limits),
        cmocka_unit_test(log_round_trip_and_limits),
        cmocka_unit_test(secure_round_trip_tag_and_limits),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
