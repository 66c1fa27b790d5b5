/*
 * The speed-aware detector in node form (src/nn/speed.c, docs/model-format.md §2.9): the model
 * reader takes a blob with a speed section (flag bit 8), the section's checks refuse damaged
 * fields, and the scorer reproduces the TypeScript twin's golden vectors window by window
 * (test/vectors/speed_vectors.h, scripts/gen-speed-vectors.ts): the same state at every window,
 * the same score within 1e-5 relative (binary32 on both sides, same operations: they are equal),
 * for both weight formats: int16 W (format 0, the first form, still read) and int8 W (format 1).
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/nn/model.h"
#include "../src/nn/speed.h"
#include "speed_vectors.h" /* test/vectors, from scripts/gen-speed-vectors.ts */

static const uint8_t TEST_KEY[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static unsigned replay(const nn_speed_t *s, const sv_step_t *steps, unsigned n, unsigned *bit_equal)
{
    static nn_speed_run_t run;
    memset(&run, 0, sizeof run);
    unsigned over = 0;
    *bit_equal = 0;
    for (unsigned w = 0; w < n; w++) {
        if (steps[w].restart) {
            nn_speed_restart(&run);
        }
        const nn_speed_step_t r = nn_speed_step(s, &run, steps[w].x, steps[w].rpm);
        if ((unsigned)r.state != steps[w].state) {
            fail_msg("window %u: state %d, the TypeScript twin says %u", w, (int)r.state, steps[w].state);
        }
        if (isnan(steps[w].score)) {
            assert_true(isnan(r.score));
        } else {
            const float tol = 1e-5f * fmaxf(1.0f, fabsf(steps[w].score));
            if (!(fabsf(r.score - steps[w].score) <= tol)) {
                fail_msg("window %u: score %.9g, the TypeScript twin says %.9g", w, (double)r.score, (double)steps[w].score);
            }
        }
        if (memcmp(&r.score, &steps[w].score, sizeof r.score) == 0 || (isnan(r.score) && isnan(steps[w].score))) {
            (*bit_equal)++;
        }
        over += r.state == NN_SPEED_OVER;
    }
    return over;
}

static void blob_with_speed_section_matches_typescript(void **state)
{
    (void)state;
    nn_model_t m;
    assert_int_equal(nn_model_parse(&m, sv_blob_bytes, SV_BLOB_LEN, TEST_KEY), VIGIL_OK);
    assert_non_null(m.speed_section);
    assert_int_equal(m.speed_len, nn_speed_section_size(SV_BLOB_DIM, 2, NN_SPEED_W_I16));
    nn_speed_t s;
    assert_int_equal(nn_speed_parse(&s, m.speed_section, m.speed_len, m.input_dim), VIGIL_OK);
    assert_int_equal(s.knots, 2);
    assert_int_equal(s.wfmt, NN_SPEED_W_I16);
    assert_true(s.threshold == SV_BLOB_THRESHOLD);
    unsigned equal;
    const unsigned over = replay(&s, sv_blob_steps, SV_BLOB_STEPS, &equal);
    assert_true(over > 0); /* the story has a fault: the vectors are not all quiet */
    assert_int_equal(equal, SV_BLOB_STEPS);
}

static void small_section_three_speeds_matches_typescript(void **state)
{
    (void)state;
    nn_speed_t s;
    assert_int_equal(nn_speed_parse(&s, sv_small_bytes, SV_SMALL_LEN, SV_SMALL_DIM), VIGIL_OK);
    assert_int_equal(s.knots, 3);
    unsigned equal;
    const unsigned over = replay(&s, sv_small_steps, SV_SMALL_STEPS, &equal);
    assert_true(over > 0);
    assert_int_equal(equal, SV_SMALL_STEPS);
}

/* int8 W, 64 features (the residual in SXTB16 order): a whole signed blob that fits the slot. */
static void blob_with_int8_section_matches_typescript(void **state)
{
    (void)state;
    assert_true(SV_BLOB8_LEN <= 16352u); /* the STM32F405 model slot; the int16 blob is not */
    assert_true(SV_BLOB_LEN > 16352u);
    nn_model_t m;
    assert_int_equal(nn_model_parse(&m, sv_blob8_bytes, SV_BLOB8_LEN, TEST_KEY), VIGIL_OK);
    assert_non_null(m.speed_section);
    assert_int_equal(m.speed_len, nn_speed_section_size(SV_BLOB8_DIM, 2, NN_SPEED_W_I8));
    assert_int_equal(m.speed_len, 5416u); /* docs/model-format.md §2.9 */
    nn_speed_t s;
    assert_int_equal(nn_speed_parse(&s, m.speed_section, m.speed_len, m.input_dim), VIGIL_OK);
    assert_int_equal(s.wfmt, NN_SPEED_W_I8);
    assert_true(s.qperm);
    assert_true(s.threshold == SV_BLOB8_THRESHOLD);
    unsigned equal;
    const unsigned over = replay(&s, sv_blob8_steps, SV_BLOB8_STEPS, &equal);
    assert_true(over > 0);
    assert_int_equal(equal, SV_BLOB8_STEPS);
}

/* int8 W, 6 features (not a multiple of 4: the plain order), three speeds. */
static void small_int8_section_matches_typescript(void **state)
{
    (void)state;
    nn_speed_t s;
    assert_int_equal(nn_speed_parse(&s, sv_small8_bytes, SV_SMALL8_LEN, SV_SMALL8_DIM), VIGIL_OK);
    assert_int_equal(s.wfmt, NN_SPEED_W_I8);
    assert_false(s.qperm);
    unsigned equal;
    const unsigned over = replay(&s, sv_small8_steps, SV_SMALL8_STEPS, &equal);
    assert_true(over > 0);
    assert_int_equal(equal, SV_SMALL8_STEPS);
}

static void refuses_damaged_int8_sections(void **state)
{
    (void)state;
    static uint8_t b[SV_SMALL8_LEN] __attribute__((aligned(4)));
    nn_speed_t s;
    const size_t w0 = 32u + 4u * SV_SMALL8_DIM + 3u * (4u + 4u * SV_SMALL8_DIM) + 8u * SV_SMALL8_DIM;
    memcpy(b, sv_small8_bytes, sizeof b);
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL8_DIM), VIGIL_OK);
    b[w0 + 5u] = 0x80; /* a weight of -128 */
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL8_DIM), VIGIL_ERR_INVALID);
    memcpy(b, sv_small8_bytes, sizeof b);
    b[7] = 0; /* read as int16 W: the length no longer matches */
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL8_DIM), VIGIL_ERR_INVALID);
    memcpy(b, sv_small8_bytes, sizeof b);
    b[7] = 2; /* an unknown weight format */
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL8_DIM), VIGIL_ERR_INVALID);
    /* non-zero padding after a block's 6 x 6 weights (8D + D^2 = 84: already 4-aligned, so none);
       the last byte of the section is a weight: any value but -128 is accepted */
    memcpy(b, sv_small8_bytes, sizeof b);
    b[sizeof b - 1u] = 0x7F;
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL8_DIM), VIGIL_OK);
}

static void refuses_damaged_sections(void **state)
{
    (void)state;
    static uint8_t b[SV_SMALL_LEN] __attribute__((aligned(4)));
    nn_speed_t s;
    const struct {
        size_t at;
        uint8_t value;
    } cases[] = {
        {0, 'X'},         /* magic */
        {6, 0},           /* no trained speed */
        {6, 9},           /* more than 8 */
        {7, 1},           /* int8 weight format: the length no longer matches */
        {7, 2},           /* unknown weight format */
        {11, 0xFF},       /* smoothing > 1 (sign/exponent byte) */
        {27, 0xFF},       /* threshold NaN */
        {35, 0x80},       /* in_mul[0] negative */
        {32 + 4 * SV_SMALL_DIM + 3, 0x80},                   /* first rpm negative */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(b, sv_small_bytes, sizeof b);
        b[cases[c].at] = cases[c].value;
        assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL_DIM), VIGIL_ERR_INVALID);
    }
    memcpy(b, sv_small_bytes, sizeof b);
    assert_int_equal(nn_speed_parse(&s, b, sizeof b - 4u, SV_SMALL_DIM), VIGIL_ERR_INVALID); /* length */
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL_DIM + 1u), VIGIL_ERR_INVALID); /* other model */
    assert_int_equal(nn_speed_parse(&s, b + 1, sizeof b - 1u, SV_SMALL_DIM), VIGIL_ERR_ARG);  /* misaligned */
    /* the knots out of order: swap the first two rpm */
    const size_t k0 = 32u + 4u * SV_SMALL_DIM, k1 = k0 + 4u + 4u * SV_SMALL_DIM;
    uint8_t tmp[4];
    memcpy(tmp, &b[k0], 4);
    memcpy(&b[k0], &b[k1], 4);
    memcpy(&b[k1], tmp, 4);
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL_DIM), VIGIL_ERR_INVALID);
    /* a weight of -32768 in the first block */
    memcpy(b, sv_small_bytes, sizeof b);
    const size_t w0 = 32u + 4u * SV_SMALL_DIM + 3u * (4u + 4u * SV_SMALL_DIM) + 8u * SV_SMALL_DIM;
    b[w0] = 0x00;
    b[w0 + 1u] = 0x80;
    assert_int_equal(nn_speed_parse(&s, b, sizeof b, SV_SMALL_DIM), VIGIL_ERR_INVALID);
}

static void blob_without_flag_refuses_trailing_section(void **state)
{
    (void)state;
    /* Clearing flag bit 8 leaves a section the layout does not account for: refused (CRC first). */
    static uint8_t b[SV_BLOB_LEN] __attribute__((aligned(4)));
    memcpy(b, sv_blob_bytes, sizeof b);
    b[23] &= (uint8_t)~0x01u;
    nn_model_t m;
    assert_int_equal(nn_model_parse(&m, b, sizeof b, NULL), VIGIL_ERR_CRC);
}

static void unknown_speed_and_outside_span_are_unseen(void **state)
{
    (void)state;
    nn_speed_t s;
    assert_int_equal(nn_speed_parse(&s, sv_small_bytes, SV_SMALL_LEN, SV_SMALL_DIM), VIGIL_OK);
    static nn_speed_run_t run;
    memset(&run, 0, sizeof run);
    const float *x = sv_small_steps[0].x;
    assert_int_equal(nn_speed_step(&s, &run, x, 0.0f).state, NN_SPEED_UNSEEN);
    assert_int_equal(nn_speed_step(&s, &run, x, NAN).state, NN_SPEED_UNSEEN);
    assert_int_equal(nn_speed_step(&s, &run, x, 2000.0f).state, NN_SPEED_UNSEEN);
    assert_int_equal(nn_speed_step(&s, &run, x, 500.0f).state, NN_SPEED_UNSEEN);
    /* 3 % tolerance: 1400 x 1.02 is inside the widened span */
    assert_int_not_equal(nn_speed_step(&s, &run, x, 1428.0f).state, NN_SPEED_UNSEEN);
    /* the first windows after a restart never count as over, whatever the score */
    nn_speed_restart(&run);
    float far[SV_SMALL_DIM];
    for (unsigned i = 0; i < SV_SMALL_DIM; i++) {
        far[i] = x[i] + 5.0f;
    }
    for (unsigned w = 0; w < s.warmup; w++) {
        const nn_speed_step_t r = nn_speed_step(&s, &run, far, 1000.0f);
        assert_true(r.score > s.threshold);
        assert_int_equal(r.state, NN_SPEED_HEALTHY);
    }
    assert_int_equal(nn_speed_step(&s, &run, far, 1000.0f).state, NN_SPEED_OVER);
}

/* nn_speed_quantise (the C definition speed_m4.S is held to on the target): half away from zero
 * (libm's roundf), clamped at +-32767, NaN to 0; every half step to +-2^17 and random floats. */
static void quantiser_rounds_half_away_and_clamps(void **state)
{
    (void)state;
    assert_int_equal(nn_speed_quantise(0.5f), 1);
    assert_int_equal(nn_speed_quantise(-0.5f), -1);
    assert_int_equal(nn_speed_quantise(0.49999997f), 0);
    assert_int_equal(nn_speed_quantise(-2.5f), -3);
    assert_int_equal(nn_speed_quantise(32767.5f), 32767);
    assert_int_equal(nn_speed_quantise(-32767.5f), -32767);
    assert_int_equal(nn_speed_quantise(-1e30f), -32767);
    assert_int_equal(nn_speed_quantise(INFINITY), 32767);
    assert_int_equal(nn_speed_quantise(-INFINITY), -32767);
    assert_int_equal(nn_speed_quantise(NAN), 0);
    for (int32_t h = -262144; h <= 262144; h++) {
        const float v = (float)h * 0.5f;
        const float want = fmaxf(-32767.0f, fminf(32767.0f, roundf(v)));
        assert_int_equal(nn_speed_quantise(v), (int)want);
    }
    uint32_t x = 1u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        float v;
        const uint32_t bits = (x & 0x807FFFFFu) | ((120u + x % 30u) << 23); /* 2^-7 .. 2^22 */
        memcpy(&v, &bits, sizeof v);
        const float want = fmaxf(-32767.0f, fminf(32767.0f, roundf(v)));
        assert_int_equal(nn_speed_quantise(v), (int)want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blob_with_speed_section_matches_typescript),
        cmocka_unit_test(small_section_three_speeds_matches_typescript),
        cmocka_unit_test(blob_with_int8_section_matches_typescript),
        cmocka_unit_test(small_int8_section_matches_typescript),
        cmocka_unit_test(refuses_damaged_int8_sections),
        cmocka_unit_test(refuses_damaged_sections),
        cmocka_unit_test(blob_without_flag_refuses_trailing_section),
        cmocka_unit_test(unknown_speed_and_outside_span_are_unseen),
        cmocka_unit_test(quantiser_rounds_half_away_and_clamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
