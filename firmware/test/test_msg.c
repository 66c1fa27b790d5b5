#include "test_util.h"

#include <string.h>

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
    assert_int_equal(n, MSG_HELLO_MAX_LEN);
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
    /* Extension rule: trailing bytes of a later version are ignored. */
    out[n] = 0xAA;
    out[n + 1] = 0xBB;
    assert_int_equal(msg_hello_decode(out, n + 2, &d), VIGIL_OK);
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
    assert_int_equal(msg_features_encode(&f, out, sizeof out, &n), VIGIL_OK);
    assert_int_equal(n, MSG_FEATURES_MAX_LEN);
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
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
