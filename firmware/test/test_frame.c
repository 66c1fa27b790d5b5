#include "test_util.h"

#include <string.h>

#include "../src/proto/crc32.h"
#include "../src/proto/frame.h"
#include "../src/proto/le.h"

/* A HELLO_REQ (type 1) with seq 0x1234 and no payload, by hand from protocol.md §1. */
static void build_matches_layout(void **state)
{
    (void)state;
    uint8_t wire[32];
    size_t n = 0;
    assert_int_equal(frame_build(0x01, 0x1234, NULL, 0, wire, sizeof wire, &n), VIGIL_OK);
    assert_int_equal(wire[n - 1], 0x00);
    assert_null(memchr(wire, 0, n - 1));

    uint8_t decoded[16];
    size_t len = 0;
    assert_int_equal(cobs_decode(wire, n - 1, decoded, sizeof decoded, &len), VIGIL_OK);
    assert_int_equal(len, 10);
    const uint8_t header[6] = {0x01, 0x01, 0x34, 0x12, 0x00, 0x00};
    assert_memory_equal(decoded, header, 6);
    assert_int_equal(proto_get_u32le(&decoded[6]), proto_crc32_u8(header, 6));
}

static void round_trip_lengths(void **state)
{
    (void)state;
    static const size_t lengths[] = {0, 1, 2, 243, 244, 245, 253, 254, 255, 500, 1023, 1024};
    static uint8_t payload[FRAME_MAX_PAYLOAD], wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    static frame_deframer_t d;
    frame_deframer_init(&d);
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t plen = lengths[k];
        for (size_t i = 0; i < plen; i++) {
            payload[i] = (uint8_t)(i % 7 == 0 ? 0 : i * 13u); /* zeros to stuff */
        }
        size_t n = 0;
        uint16_t seq = (uint16_t)(0xFFF0u + k); /* wraps through 0 */
        assert_int_equal(frame_build(0x10, seq, payload, plen, wire, sizeof wire, &n), VIGIL_OK);
        assert_true(n <= FRAME_WIRE_MAX(plen));
        frame_view_t v;
        for (size_t i = 0; i + 1 < n; i++) {
            assert_false(frame_deframer_push_u8(&d, wire[i], &v));
        }
        assert_true(frame_deframer_push_u8(&d, wire[n - 1], &v));
        assert_int_equal(v.version, 1);
        assert_int_equal(v.type, 0x10);
        assert_int_equal(v.seq, seq);
        assert_int_equal(v.payload_len, plen);
        assert_memory_equal(v.payload, payload, plen);
    }
    frame_stats_t s = frame_deframer_stats(&d);
    assert_int_equal(s.frames, sizeof lengths / sizeof lengths[0]);
    assert_int_equal(s.bad_cobs + s.bad_crc + s.bad_length + s.bad_version + s.oversize, 0);
}

static void build_rejects_bad_arguments(void **state)
{
    (void)state;
    static uint8_t payload[FRAME_MAX_PAYLOAD + 1], wire[2 * FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_int_equal(frame_build(0x10, 0, payload, FRAME_MAX_PAYLOAD + 1, wire, sizeof wire, &n),
                     VIGIL_ERR_ARG);
    assert_int_equal(frame_build(0x10, 0, NULL, 3, wire, sizeof wire, &n), VIGIL_ERR_ARG);
    memset(payload, 0xAB, 20);
    size_t need = 0;
    assert_int_equal(frame_build(0x10, 0, payload, 20, wire, sizeof wire, &need), VIGIL_OK);
    for (size_t cap = 0; cap < need; cap++) {
        assert_int_equal(frame_build(0x10, 0, payload, 20, wire, cap, &n), VIGIL_ERR_NOSPACE);
    }
}

/* Builds a decoded frame by hand, with a chosen version/length field and a correct or broken CRC. */
static size_t raw_frame(uint8_t *out, uint8_t version, uint16_t len_field, size_t real_len, bool good_crc)
{
    out[0] = version;
    out[1] = 0x02;
    proto_put_u16le(&out[2], 7);
    proto_put_u16le(&out[4], len_field);
    memset(&out[6], 0x42, real_len);
    uint32_t crc = proto_crc32_u8(out, 6 + real_len);
    proto_put_u32le(&out[6 + real_len], good_crc ? crc : crc ^ 1u);
    return 10 + real_len;
}

/* protocol.md "Receiver rules": badLength, then badCrc, then badVersion. */
static void parse_checks_in_order(void **state)
{
    (void)state;
    uint8_t f[64];
    frame_view_t v;
    assert_int_equal(frame_parse(f, raw_frame(f, 1, 3, 3, true), &v), VIGIL_OK);
    assert_int_equal(v.payload_len, 3);
    assert_int_equal(v.seq, 7);
    assert_int_equal(frame_parse(f, 9, &v), VIGIL_ERR_LENGTH);
    assert_int_equal(frame_parse(f, raw_frame(f, 1, 4, 3, true), &v), VIGIL_ERR_LENGTH);
    assert_int_equal(frame_parse(f, raw_frame(f, 2, 4, 3, false), &v), VIGIL_ERR_LENGTH);
    assert_int_equal(frame_parse(f, raw_frame(f, 1, 3, 3, false), &v), VIGIL_ERR_CRC);
    assert_int_equal(frame_parse(f, raw_frame(f, 2, 3, 3, false), &v), VIGIL_ERR_CRC);
    assert_int_equal(frame_parse(f, raw_frame(f, 2, 3, 3, true), &v), VIGIL_ERR_VERSION);

    /* Longer than the largest frame (1034) even with a consistent payload_len and CRC. */
    static uint8_t big[FRAME_MAX_DECODED + 1];
    assert_int_equal(frame_parse(big, raw_frame(big, 1, 1025, 1025, true), &v), VIGIL_ERR_LENGTH);
    assert_int_equal(frame_parse(big, raw_frame(big, 1, 1024, 1024, true), &v), VIGIL_OK);
}

typedef struct {
    uint8_t bytes[8192];
    size_t len;
} stream_t;

static void append(stream_t *s, const uint8_t *b, size_t n)
{
    assert_true(s->len + n <= sizeof s->bytes);
    memcpy(&s->bytes[s->len], b, n);
    s->len += n;
}

static void append_frame(stream_t *s, uint8_t type, uint16_t seq, const uint8_t *payload, size_t plen)
{
    uint8_t wire[FRAME_WIRE_MAX(64)];
    size_t n = 0;
    assert_int_equal(frame_build(type, seq, payload, plen, wire, sizeof wire, &n), VIGIL_OK);
    append(s, wire, n);
}

static void append_raw_encoded(stream_t *s, const uint8_t *decoded, size_t len)
{
    uint8_t enc[128];
    size_t n = 0;
    assert_int_equal(cobs_encode(decoded, len, enc, sizeof enc, &n), VIGIL_OK);
    append(s, enc, n);
    append(s, (const uint8_t[]){0x00}, 1);
}

/* Every kind of damage once, each followed by a good frame that must still arrive. */
static void stream_counts_and_skips_bad_frames(void **state)
{
    (void)state;
    static stream_t s;
    static frame_deframer_t d;
    s.len = 0;
    const uint8_t p[] = {0xDE, 0xAD, 0x00, 0xBE, 0xEF};
    uint8_t raw[64];

    /* Joined mid-stream: the tail of some frame, no leading delimiter. */
    append(&s, (const uint8_t[]){0x02, 0x44, 0x02, 0x55}, 4);
    append(&s, (const uint8_t[]){0x00}, 1);
    append_frame(&s, 0x10, 1, p, sizeof p);
    /* Garbage between frames: bytes of valid COBS that are far too short to be a frame. */
    append(&s, (const uint8_t[]){0x02, 0x99, 0x00}, 3);
    append_frame(&s, 0x10, 2, p, sizeof p);
    /* Bad CRC. */
    size_t n = raw_frame(raw, 1, 3, 3, false);
    append_raw_encoded(&s, raw, n);
    append_frame(&s, 0x10, 3, p, sizeof p);
    /* Bad version with a correct CRC. */
    n = raw_frame(raw, 9, 3, 3, true);
    append_raw_encoded(&s, raw, n);
    append_frame(&s, 0x10, 4, p, sizeof p);
    /* Oversized: 2000 non-zero bytes. */
    for (int i = 0; i < 2000; i++) {
        append(&s, (const uint8_t[]){0x01}, 1);
    }
    append(&s, (const uint8_t[]){0x00}, 1);
    append_frame(&s, 0x10, 5, p, sizeof p);
    /* Broken COBS: a block cut by the delimiter. */
    append(&s, (const uint8_t[]){0x05, 0x11, 0x00}, 3);
    append_frame(&s, 0x10, 6, p, sizeof p);
    /* Empty frames are ignored and not counted. */
    append(&s, (const uint8_t[]){0x00, 0x00}, 2);
    append_frame(&s, 0x99, 7, NULL, 0); /* unknown type: still delivered */

    frame_deframer_init(&d);
    uint16_t seqs[16];
    size_t got = 0;
    for (size_t i = 0; i < s.len; i++) {
        frame_view_t v;
        if (frame_deframer_push_u8(&d, s.bytes[i], &v)) {
            assert_true(got < 16);
            seqs[got++] = v.seq;
            if (v.seq != 7) {
                assert_int_equal(v.payload_len, sizeof p);
                assert_memory_equal(v.payload, p, sizeof p);
            } else {
                assert_int_equal(v.type, 0x99);
            }
        }
    }
    assert_int_equal(got, 7);
    for (size_t i = 0; i < got; i++) {
        assert_int_equal(seqs[i], i + 1);
    }
    frame_stats_t st = frame_deframer_stats(&d);
    assert_int_equal(st.frames, 7);
    assert_int_equal(st.bad_length, 2); /* mid-stream tail (decodes to 3 bytes) and the garbage */
    assert_int_equal(st.bad_crc, 1);
    assert_int_equal(st.bad_version, 1);
    assert_int_equal(st.oversize, 1);
    assert_int_equal(st.bad_cobs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_matches_layout),
        cmocka_unit_test(round_trip_lengths),
        cmocka_unit_test(build_rejects_bad_arguments),
        cmocka_unit_test(parse_checks_in_order),
        cmocka_unit_test(stream_counts_and_skips_bad_frames),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
