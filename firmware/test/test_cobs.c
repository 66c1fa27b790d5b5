#include "test_util.h"

#include <string.h>

#include "../src/proto/cobs.h"

typedef struct {
    uint8_t decoded[300];
    size_t decoded_len;
    uint8_t encoded[310];
    size_t encoded_len;
} example_t;

static void fill_run(uint8_t *dst, uint8_t first, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = (uint8_t)(first + i);
    }
}

/* The examples of the COBS article on Wikipedia ("Consistent Overhead Byte Stuffing", Encoding
 * examples 1-11), which follow Cheshire & Baker 1999. */
static size_t make_examples(example_t *ex)
{
    size_t n = 0;
#define SMALL(dec, enc)                                                                                \
    do {                                                                                               \
        static const uint8_t d_[] = dec, e_[] = enc;                                                   \
        memcpy(ex[n].decoded, d_, sizeof d_);                                                          \
        ex[n].decoded_len = sizeof d_;                                                                 \
        memcpy(ex[n].encoded, e_, sizeof e_);                                                          \
        ex[n].encoded_len = sizeof e_;                                                                 \
        n++;                                                                                           \
    } while (0)
#define B(...) {__VA_ARGS__}
    SMALL(B(0x00), B(0x01, 0x01));
    SMALL(B(0x00, 0x00), B(0x01, 0x01, 0x01));
    SMALL(B(0x00, 0x11, 0x00), B(0x01, 0x02, 0x11, 0x01));
    SMALL(B(0x11, 0x22, 0x00, 0x33), B(0x03, 0x11, 0x22, 0x02, 0x33));
    SMALL(B(0x11, 0x22, 0x33, 0x44), B(0x05, 0x11, 0x22, 0x33, 0x44));
    SMALL(B(0x11, 0x00, 0x00, 0x00), B(0x02, 0x11, 0x01, 0x01, 0x01));
#undef SMALL
#undef B
    /* 7: 01..FE (254 bytes) -> FF 01..FE */
    fill_run(ex[n].decoded, 0x01, 254);
    ex[n].decoded_len = 254;
    ex[n].encoded[0] = 0xFF;
    fill_run(&ex[n].encoded[1], 0x01, 254);
    ex[n].encoded_len = 255;
    n++;
    /* 8: 00 01..FE (255 bytes) -> 01 FF 01..FE */
    ex[n].decoded[0] = 0x00;
    fill_run(&ex[n].decoded[1], 0x01, 254);
    ex[n].decoded_len = 255;
    ex[n].encoded[0] = 0x01;
    ex[n].encoded[1] = 0xFF;
    fill_run(&ex[n].encoded[2], 0x01, 254);
    ex[n].encoded_len = 256;
    n++;
    /* 9: 01..FF (255 bytes) -> FF 01..FE 02 FF */
    fill_run(ex[n].decoded, 0x01, 255);
    ex[n].decoded_len = 255;
    ex[n].encoded[0] = 0xFF;
    fill_run(&ex[n].encoded[1], 0x01, 254);
    ex[n].encoded[255] = 0x02;
    ex[n].encoded[256] = 0xFF;
    ex[n].encoded_len = 257;
    n++;
    /* 10: 02..FF 00 (255 bytes) -> FF 02..FF 01 01 */
    fill_run(ex[n].decoded, 0x02, 254);
    ex[n].decoded[254] = 0x00;
    ex[n].decoded_len = 255;
    ex[n].encoded[0] = 0xFF;
    fill_run(&ex[n].encoded[1], 0x02, 254);
    ex[n].encoded[255] = 0x01;
    ex[n].encoded[256] = 0x01;
    ex[n].encoded_len = 257;
    n++;
    /* 11: 03..FF 00 01 (255 bytes) -> FE 03..FF 02 01 */
    fill_run(ex[n].decoded, 0x03, 253);
    ex[n].decoded[253] = 0x00;
    ex[n].decoded[254] = 0x01;
    ex[n].decoded_len = 255;
    ex[n].encoded[0] = 0xFE;
    fill_run(&ex[n].encoded[1], 0x03, 253);
    ex[n].encoded[254] = 0x02;
    ex[n].encoded[255] = 0x01;
    ex[n].encoded_len = 256;
    n++;
    /* empty input: one empty block */
    ex[n].decoded_len = 0;
    ex[n].encoded[0] = 0x01;
    ex[n].encoded_len = 1;
    n++;
    return n;
}

static example_t g_examples[16];

static void encode_known_examples(void **state)
{
    (void)state;
    size_t count = make_examples(g_examples);
    for (size_t i = 0; i < count; i++) {
        const example_t *e = &g_examples[i];
        uint8_t out[320];
        size_t len = 0;
        assert_int_equal(cobs_encode(e->decoded, e->decoded_len, out, sizeof out, &len), VIGIL_OK);
        assert_int_equal(len, e->encoded_len);
        assert_memory_equal(out, e->encoded, len);
        assert_true(len <= COBS_ENCODED_MAX(e->decoded_len));
    }
}

static void decode_known_examples(void **state)
{
    (void)state;
    size_t count = make_examples(g_examples);
    for (size_t i = 0; i < count; i++) {
        const example_t *e = &g_examples[i];
        uint8_t out[320];
        size_t len = 0;
        assert_int_equal(cobs_decode(e->encoded, e->encoded_len, out, sizeof out, &len), VIGIL_OK);
        assert_int_equal(len, e->decoded_len);
        assert_memory_equal(out, e->decoded, len);
    }
}

static void streaming_decodes_known_examples(void **state)
{
    (void)state;
    size_t count = make_examples(g_examples);
    static cobs_decoder_t dec;
    cobs_decoder_init(&dec);
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, NULL), COBS_DEC_PENDING); /* lone flush */
    for (size_t i = 0; i < count; i++) {
        const example_t *e = &g_examples[i];
        for (size_t k = 0; k < e->encoded_len; k++) {
            assert_int_equal(cobs_decoder_push_u8(&dec, e->encoded[k], NULL), COBS_DEC_PENDING);
        }
        size_t len = 0;
        assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_FRAME);
        assert_int_equal(len, e->decoded_len);
        assert_memory_equal(dec.buf, e->decoded, len);
    }
    assert_int_equal(dec.bad_cobs, 0);
    assert_int_equal(dec.oversize, 0);
}

/* protocol.md §1: senders write FF + 254 bytes at the end of a frame; receivers also accept the
 * non-canonical FF + 254 bytes + 01 that some encoders emit. */
static void decoders_accept_trailing_empty_block(void **state)
{
    (void)state;
    uint8_t enc[256], out[300];
    enc[0] = 0xFF;
    fill_run(&enc[1], 0x01, 254);
    enc[255] = 0x01;
    size_t len = 0;
    assert_int_equal(cobs_decode(enc, sizeof enc, out, sizeof out, &len), VIGIL_OK);
    assert_int_equal(len, 254);
    assert_int_equal(out[253], 0xFE);
    static cobs_decoder_t dec;
    cobs_decoder_init(&dec);
    for (size_t i = 0; i < sizeof enc; i++) {
        assert_int_equal(cobs_decoder_push_u8(&dec, enc[i], NULL), COBS_DEC_PENDING);
    }
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_FRAME);
    assert_int_equal(len, 254);
}

static void encode_reports_small_buffer(void **state)
{
    (void)state;
    const uint8_t in[] = {0x11, 0x22, 0x00, 0x33};
    uint8_t out[5];
    size_t len = 0;
    for (size_t cap = 0; cap < 5; cap++) {
        assert_int_equal(cobs_encode(in, sizeof in, out, cap, &len), VIGIL_ERR_NOSPACE);
    }
    assert_int_equal(cobs_encode(in, sizeof in, out, 5, &len), VIGIL_OK);
}

static void decode_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t len = 0;
    const uint8_t short_block[] = {0x03, 0x11};      /* code promises 2 data bytes, 1 present */
    const uint8_t has_zero[] = {0x02, 0x00};         /* a delimiter inside the frame */
    const uint8_t fits[] = {0x05, 0x11, 0x22, 0x33, 0x44};
    assert_int_equal(cobs_decode(short_block, sizeof short_block, out, sizeof out, &len), VIGIL_ERR_COBS);
    assert_int_equal(cobs_decode(has_zero, sizeof has_zero, out, sizeof out, &len), VIGIL_ERR_COBS);
    assert_int_equal(cobs_decode(fits, 0, out, sizeof out, &len), VIGIL_ERR_COBS);
    assert_int_equal(cobs_decode(fits, sizeof fits, out, 3, &len), VIGIL_ERR_NOSPACE);
}

static void push_all(cobs_decoder_t *dec, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cobs_decoder_push_u8(dec, bytes[i], NULL), COBS_DEC_PENDING);
    }
}

static void streaming_counts_bad_cobs_and_recovers(void **state)
{
    (void)state;
    static cobs_decoder_t dec;
    cobs_decoder_init(&dec);
    const uint8_t bad[] = {0x04, 0x11, 0x22}; /* the delimiter arrives inside a block */
    const uint8_t good[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    size_t len = 0;
    push_all(&dec, bad, sizeof bad);
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_BAD_COBS);
    assert_int_equal(dec.bad_cobs, 1);
    push_all(&dec, good, sizeof good);
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_FRAME);
    const uint8_t expect[] = {0x11, 0x22, 0x00, 0x33};
    assert_int_equal(len, sizeof expect);
    assert_memory_equal(dec.buf, expect, len);
}

static void streaming_ignores_empty_frames(void **state)
{
    (void)state;
    static cobs_decoder_t dec;
    cobs_decoder_init(&dec);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, NULL), COBS_DEC_PENDING);
    }
    assert_int_equal(dec.bad_cobs, 0);
    assert_int_equal(dec.oversize, 0);
}

/* protocol.md "Receiver rules": more than 1039 encoded bytes before a delimiter is oversize; 1039
 * exactly is not. */
static void streaming_oversize_boundary(void **state)
{
    (void)state;
    static cobs_decoder_t dec;
    static uint8_t big[1034], enc[1100];
    memset(big, 0x5A, sizeof big);
    size_t enc_len = 0;
    assert_int_equal(cobs_encode(big, sizeof big, enc, sizeof enc, &enc_len), VIGIL_OK);
    assert_int_equal(enc_len, COBS_DECODER_MAX_ENCODED);

    cobs_decoder_init(&dec);
    size_t len = 0;
    push_all(&dec, enc, enc_len);
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_FRAME);
    assert_int_equal(len, sizeof big);
    assert_memory_equal(dec.buf, big, len);

    /* One more byte: dropped up to the delimiter, counted once, and the next frame still comes. */
    push_all(&dec, enc, enc_len);
    push_all(&dec, enc, 200); /* well past the limit */
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_OVERSIZE);
    assert_int_equal(dec.oversize, 1);
    const uint8_t good[] = {0x02, 0x77};
    push_all(&dec, good, sizeof good);
    assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &len), COBS_DEC_FRAME);
    assert_int_equal(len, 1);
    assert_int_equal(dec.buf[0], 0x77);
    assert_int_equal(dec.bad_cobs, 0);
}

/* Randomized round trip: lengths 0..1034, zero density from none to all. */
static void random_round_trip(void **state)
{
    (void)state;
    static uint8_t in[1034], enc[1100], out[1100];
    static cobs_decoder_t dec;
    cobs_decoder_init(&dec);
    uint32_t rng = 0x1234567u;
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = test_rand_u32(&rng) % (sizeof in + 1);
        uint32_t zero_per_256 = test_rand_u32(&rng) % 257;
        for (size_t i = 0; i < n; i++) {
            in[i] = (test_rand_u32(&rng) % 256 < zero_per_256) ? 0 : (uint8_t)(1 + test_rand_u32(&rng) % 255);
        }
        size_t enc_len = 0, out_len = 0;
        assert_int_equal(cobs_encode(in, n, enc, sizeof enc, &enc_len), VIGIL_OK);
        assert_true(enc_len <= COBS_ENCODED_MAX(n));
        assert_null(memchr(enc, 0, enc_len));
        assert_int_equal(cobs_decode(enc, enc_len, out, sizeof out, &out_len), VIGIL_OK);
        assert_int_equal(out_len, n);
        assert_memory_equal(out, in, n);
        push_all(&dec, enc, enc_len);
        assert_int_equal(cobs_decoder_push_u8(&dec, 0x00, &out_len), COBS_DEC_FRAME);
        assert_int_equal(out_len, n);
        assert_memory_equal(dec.buf, in, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_known_examples),
        cmocka_unit_test(decode_known_examples),
        cmocka_unit_test(streaming_decodes_known_examples),
        cmocka_unit_test(decoders_accept_trailing_empty_block),
        cmocka_unit_test(encode_reports_small_buffer),
        cmocka_unit_test(decode_rejects_bad_input),
        cmocka_unit_test(streaming_counts_bad_cobs_and_recovers),
        cmocka_unit_test(streaming_ignores_empty_frames),
        cmocka_unit_test(streaming_oversize_boundary),
        cmocka_unit_test(random_round_trip),
    };
    return cmocka_run_group_tests_name("cobs", tests, NULL, NULL);
}
