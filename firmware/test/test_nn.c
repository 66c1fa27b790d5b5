/*
 * The int8 inference and the model reader against the golden vectors of models/nn
 * (test/vectors/nn_vectors.h, scripts/gen-nn-vectors.ts): integer results must be equal, bit for
 * bit, in both kernels (reference and the one the node runs), and in the unfused form the
 * benchmark measures fusion against (nn/dense_unfused.c).
 */
#include "test_util.h"

#include <string.h>

#include "../src/crypto/sha256.h"
#include "../src/nn/default_model.h"
#include "../src/nn/dense_unfused.h"
#include "../src/nn/fixedpoint.h"
#include "../src/nn/infer.h"
#include "../src/nn/model.h"
#include "../src/proto/crc32.h"
#include "../src/proto/le.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "nn_vectors.h"
#pragma GCC diagnostic pop

static _Alignas(4) uint8_t g_blob[8192];
static nn_model_t g_model;
static nn_net_t g_net;
static nn_channel_t g_channels[512];
static _Alignas(8) uint8_t g_scratch[2048];

static const uint8_t k_zero_key[32] = {0};

static void load_vector_model(void)
{
    assert_true(VEC_NN_MODEL_LEN <= sizeof g_blob);
    memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN, VEC_NN_TEST_KEY), VIGIL_OK);
    assert_int_equal(nn_net_prepare(&g_net, &g_model, g_channels, 512), VIGIL_OK);
    assert_true(nn_net_scratch_bytes(&g_model) <= sizeof g_scratch);
}

static void fixed_point_primitives(void **state)
{
    (void)state;
    for (size_t i = 0; i < VEC_NN_SRDHM_COUNT; i++) {
        assert_int_equal(nn_srdhm_s32(VEC_NN_SRDHM[i].a, VEC_NN_SRDHM[i].b), VEC_NN_SRDHM[i].out);
    }
    for (size_t i = 0; i < VEC_NN_RDBPOT_COUNT; i++) {
        assert_int_equal(nn_rdbpot_s32(VEC_NN_RDBPOT[i].x, VEC_NN_RDBPOT[i].exponent), VEC_NN_RDBPOT[i].out);
    }
    for (size_t i = 0; i < VEC_NN_MBQM_COUNT; i++) {
        const vec_nn_mbqm_t *v = &VEC_NN_MBQM[i];
        assert_int_equal(nn_mbqm_s32(v->x, v->multiplier, v->shift), v->out);
    }
    for (size_t i = 0; i < VEC_NN_MBQM_SINGLE_COUNT; i++) {
        const vec_nn_mbqm_t *v = &VEC_NN_MBQM_SINGLE[i];
        assert_int_equal(nn_mbqm_single_s32(v->x, v->multiplier, v->shift), v->out);
    }
    /* Where the modes part: 1 x 0.25 is 0.5 after the high multiply, rounded up to 1 and kept by the
     * shift (double) or 0 (single, one rounding of 0.25); -2 x 0.25 = -0.5 is a tie that double
     * rounding takes away from zero and single rounding toward +infinity. */
    assert_int_equal(nn_mbqm_s32(1, 1 << 30, -1), 1);
    assert_int_equal(nn_mbqm_single_s32(1, 1 << 30, -1), 0);
    assert_int_equal(nn_mbqm_s32(-2, 1 << 30, -1), -1);
    assert_int_equal(nn_mbqm_single_s32(-2, 1 << 30, -1), 0);
    /* The one-shift form of SRDHM against gemmlowp's nudge-and-truncate form, exhaustively around
     * the rounding boundaries and randomly elsewhere. */
    uint32_t rng = 42;
    for (int i = 0; i < 200000; i++) {
        const int32_t a = (int32_t)test_rand_u32(&rng);
        const int32_t b = (int32_t)(test_rand_u32(&rng) | (i & 1 ? 0x40000000u : 0u));
        const int64_t ab = (int64_t)a * b;
        const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
        const int32_t want = (a == INT32_MIN && b == INT32_MIN) ? INT32_MAX : (int32_t)((ab + nudge) / (1ll << 31));
        assert_int_equal(nn_srdhm_s32(a, b), want);
    }
}

static void input_quantisation(void **state)
{
    (void)state;
    static _Alignas(4) uint8_t mean[32], mul[32];
    for (size_t i = 0; i < 8; i++) {
        proto_put_f32le(&mean[4 * i], VEC_NN_INPUTQ_MEAN[i]);
        proto_put_f32le(&mul[4 * i], VEC_NN_INPUTQ_MUL[i]);
    }
    nn_model_t m;
    memset(&m, 0, sizeof m);
    m.input_dim = 8;
    m.mean = mean;
    m.in_mul = mul;
    m.z_in = VEC_NN_INPUTQ_ZP;
    for (size_t i = 0; i < VEC_NN_INPUTQ_COUNT; i++) {
        int8_t q[8];
        nn_quantize_input(&m, VEC_NN_INPUTQ[i].x, q);
        assert_memory_equal(q, VEC_NN_INPUTQ[i].q, 8);
    }
}

static void spec_bytes_and_hash(void **state)
{
    (void)state;
    /* docs/features.md default at 48 kHz: window 1024, hop 512, 32 log bands of the 1024 segment. */
    dsp_feature_spec_t s = {.sample_rate_hz = 48000, .window_len = 1024, .hop = 512, .segment_len = 1024,
                            .band_count = 32, .velocity_lo_hz = 10.0f, .velocity_hi_hz = 1000.0f};
    for (size_t i = 0; i <= 32; i++) {
        s.band_edges[i] = proto_get_u16le(&VEC_NN_SPEC_BYTES[24 + 2 * i]);
    }
    uint8_t bytes[128];
    assert_int_equal(nn_spec_bytes(&s, bytes, sizeof bytes), sizeof VEC_NN_SPEC_BYTES);
    assert_memory_equal(bytes, VEC_NN_SPEC_BYTES, sizeof VEC_NN_SPEC_BYTES);
    uint8_t h[32];
    sha256(bytes, sizeof VEC_NN_SPEC_BYTES, h);
    assert_memory_equal(h, VEC_NN_SPEC_SHA256, 32);
    assert_int_equal(nn_spec_bytes(&s, bytes, 10), 0);

    load_vector_model();
    assert_int_equal(nn_model_check_node(&g_model, &s, 2, 0), VIGIL_OK);
    assert_int_equal(nn_model_check_node(&g_model, &s, 1, 0), VIGIL_ERR_SPEC); /* names axis 1 */
    assert_int_equal(nn_model_check_node(&g_model, &s, 3, g_model.model_version), VIGIL_ERR_ROLLBACK);
    s.hop = 256;
    assert_int_equal(nn_model_check_node(&g_model, &s, 2, 0), VIGIL_ERR_SPEC);
    s.hop = 512;
    s.sample_rate_hz = 26667;
    assert_int_equal(nn_model_check_node(&g_model, &s, 3, 0), VIGIL_ERR_SPEC);
}

static void model_blob_reads_and_authenticates(void **state)
{
    (void)state;
    load_vector_model();
    assert_int_equal(g_model.input_dim, VEC_NN_WIDTHS[0]);
    assert_int_equal(g_model.layer_count, 4);
    for (size_t l = 0; l < 4; l++) {
        assert_int_equal(g_model.layer[l].out_dim, VEC_NN_WIDTHS[l + 1]);
    }
    assert_int_equal(g_model.threshold_sumsq, VEC_NN_THRESHOLD_SUMSQ);
    assert_int_equal(proto_crc32_u8(g_blob, g_model.total_len - 36), VEC_NN_MODEL_CRC32);
    uint8_t tag[32];
    hmac_sha256(k_zero_key, 32, g_blob, g_model.total_len - 32, tag);
    assert_memory_equal(tag, VEC_NN_MODEL_TAG_UNPAIRED, 32);
    /* Signed with the test key: the unpaired key must not verify, no key skips the tag. */
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN, k_zero_key), VIGIL_ERR_AUTH);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN, NULL), VIGIL_OK);
    /* Trailing bytes after total_len are ignored (the .vgm app section). */
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN + 100, NULL), VIGIL_OK);
    assert_int_equal(nn_model_parse(&g_model, g_blob + 1, VEC_NN_MODEL_LEN, NULL), VIGIL_ERR_ARG);
}

static vigil_status_t expected_status(const char *expect)
{
    if (strcmp(expect, "truncated") == 0) return VIGIL_ERR_TRUNCATED;
    if (strcmp(expect, "magic") == 0) return VIGIL_ERR_MAGIC;
    if (strcmp(expect, "version") == 0) return VIGIL_ERR_VERSION;
    if (strcmp(expect, "crc") == 0) return VIGIL_ERR_CRC;
    if (strcmp(expect, "tag") == 0) return VIGIL_ERR_AUTH;
    fail_msg("unknown mutation outcome '%s'", expect);
    return VIGIL_OK;
}

static void mutations_are_refused(void **state)
{
    (void)state;
    assert_true(VEC_NN_MUTATIONS_COUNT > 0);
    for (size_t i = 0; i < VEC_NN_MUTATIONS_COUNT; i++) {
        const vec_nn_mutation_t *v = &VEC_NN_MUTATIONS[i];
        memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
        g_blob[v->offset] ^= v->xor_mask;
        const size_t len = v->truncate_to ? v->truncate_to : VEC_NN_MODEL_LEN;
        print_message("mutation: %s\n", v->name);
        assert_int_equal(nn_model_parse(&g_model, g_blob, len, VEC_NN_TEST_KEY), expected_status(v->expect));
    }
    /* Every truncation and every single-bit flip is refused, never read past the end. */
    for (size_t len = 0; len < VEC_NN_MODEL_LEN; len += 97) {
        memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
        assert_int_not_equal(nn_model_parse(&g_model, g_blob, len, VEC_NN_TEST_KEY), VIGIL_OK);
    }
    for (size_t off = 0; off < VEC_NN_MODEL_LEN; off += 13) {
        memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
        g_blob[off] ^= (uint8_t)(1u << (off % 8));
        assert_int_not_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN, VEC_NN_TEST_KEY), VIGIL_OK);
    }
}

static void inference_matches_typescript_bit_for_bit(void **state)
{
    (void)state;
    load_vector_model();
    static int8_t a[1024], b[1024];
    static int16_t wide[1024];
    static int32_t acc[1024];
    for (size_t c = 0; c < VEC_NN_CASES_COUNT; c++) {
        const vec_nn_case_t *v = &VEC_NN_CASES[c];
        print_message("case: %s\n", v->name);
        const int8_t *qi, *qo;
        const uint32_t sumsq = nn_net_run(&g_net, v->x, g_scratch, &qi, &qo);
        assert_memory_equal(qi, v->q_in, 64);
        assert_int_equal(sumsq, v->sumsq);
        assert_int_equal(sumsq > VEC_NN_THRESHOLD_SUMSQ, v->over);
        /* every layer, both kernels */
        const int8_t *expect = v->layers;
        memcpy(a, v->q_in, 64);
        for (size_t l = 0; l < g_model.layer_count; l++) {
            const nn_dense_t *layer = &g_net.layer[l];
            nn_dense_s8_ref(layer, a, b);
            assert_memory_equal(b, expect, layer->out_dim);
            nn_dense_s8(layer, a, b, wide);
            assert_memory_equal(b, expect, layer->out_dim);
            memset(b, 0x55, layer->out_dim);
            nn_dense_s8_unfused(layer, a, b, acc); /* the unfused passes: the same bytes */
            assert_memory_equal(b, expect, layer->out_dim);
            memcpy(a, b, layer->out_dim);
            expect += layer->out_dim;
        }
        assert_memory_equal(qo, a, 64);
    }
}

/* The single-rounding model (flag bit 0): parsed with its flag, self-test, every case and layer
 * equal to the TypeScript twin in both kernels (the SIMD one defers to the reference). */
static void single_rounding_matches_typescript(void **state)
{
    (void)state;
    assert_true(VEC_NN_MODEL_SINGLE_LEN <= sizeof g_blob);
    memcpy(g_blob, VEC_NN_MODEL_SINGLE_BLOB, VEC_NN_MODEL_SINGLE_LEN);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_SINGLE_LEN, VEC_NN_TEST_KEY), VIGIL_OK);
    assert_true(g_model.single_rounding);
    assert_int_equal(nn_net_prepare(&g_net, &g_model, g_channels, 512), VIGIL_OK);
    assert_true(g_net.layer[0].single_rounding);
    assert_int_equal(g_model.selftest_sumsq, VEC_NN_SELFTEST_SINGLE_SUMSQ);
    assert_int_equal(nn_net_selftest(&g_net, g_scratch), VIGIL_OK);
    static int8_t a[1024], b[1024];
    static int16_t wide[1024];
    static int32_t acc[1024];
    size_t differing = 0;
    for (size_t c = 0; c < VEC_NN_CASES_SINGLE_COUNT; c++) {
        const vec_nn_case_t *v = &VEC_NN_CASES_SINGLE[c];
        const int8_t *qi, *qo;
        const uint32_t sumsq = nn_net_run(&g_net, VEC_NN_CASES[c].x, g_scratch, &qi, &qo);
        assert_memory_equal(qi, v->q_in, 64);
        assert_int_equal(sumsq, v->sumsq);
        const int8_t *expect = v->layers;
        memcpy(a, v->q_in, 64);
        for (size_t l = 0; l < g_model.layer_count; l++) {
            const nn_dense_t *layer = &g_net.layer[l];
            nn_dense_s8_ref(layer, a, b);
            assert_memory_equal(b, expect, layer->out_dim);
            nn_dense_s8(layer, a, b, wide);
            assert_memory_equal(b, expect, layer->out_dim);
            memset(b, 0x55, layer->out_dim);
            nn_dense_s8_unfused(layer, a, b, acc); /* the unfused passes: the same bytes */
            assert_memory_equal(b, expect, layer->out_dim);
            memcpy(a, b, layer->out_dim);
            expect += layer->out_dim;
        }
        assert_memory_equal(qo, a, 64);
        differing += memcmp(v->layers, VEC_NN_CASES[c].layers, 64 + 32 + 8 + 32) != 0;
    }
    assert_true(differing > 0); /* the vectors tell the two modes apart */

    /* An unknown flag bit is still refused (after the CRC and tag are made valid again). */
    g_blob[22] |= 0x02;
    const uint32_t crc = proto_crc32_u8(g_blob, VEC_NN_MODEL_SINGLE_LEN - 36u);
    proto_put_u32le(&g_blob[VEC_NN_MODEL_SINGLE_LEN - 36u], crc);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_SINGLE_LEN, NULL), VIGIL_ERR_INVALID);
}

static void self_test_and_default_model(void **state)
{
    (void)state;
    load_vector_model();
    assert_int_equal(nn_net_selftest(&g_net, g_scratch), VIGIL_OK);
    nn_model_t broken = g_model;
    broken.selftest_sumsq++;
    nn_net_t net2;
    assert_int_equal(nn_net_prepare(&net2, &broken, g_channels, 512), VIGIL_OK);
    assert_int_equal(nn_net_selftest(&net2, g_scratch), VIGIL_ERR_SELFTEST);
    assert_int_equal(nn_net_prepare(&net2, &g_model, g_channels, 10), VIGIL_ERR_LIMIT);

    /* The built-in model: tagged under the unpaired key, and its own self-test passes. */
    assert_int_equal(((uintptr_t)nn_default_model_blob & 3u), 0);
    assert_int_equal(nn_model_parse(&g_model, nn_default_model_blob, nn_default_model_len, k_zero_key), VIGIL_OK);
    assert_int_equal(nn_net_prepare(&g_net, &g_model, g_channels, 512), VIGIL_OK);
    assert_int_equal(nn_net_selftest(&g_net, g_scratch), VIGIL_OK);
    assert_int_equal(g_model.input_dim, 64);
    print_message("default model: version %u, %u bytes, threshold %u, debounce %u of %u\n",
                  (unsigned)g_model.model_version, (unsigned)g_model.total_len,
                  (unsigned)g_model.threshold_sumsq, g_model.debounce_k, g_model.debounce_n);
}

/* Random models: the SIMD kernel and the unfused passes equal the reference on odd sizes and
 * extreme values, in both rounding modes. */
static void kernels_agree_on_random_layers(void **state)
{
    (void)state;
    static int8_t w[64 * 67], x[67], y0[64], y1[64], y2[64];
    static nn_channel_t ch[64];
    static int16_t wide[128];
    static int32_t acc[64];
    uint32_t rng = 7;
    for (int round = 0; round < 200; round++) {
        const uint16_t in = (uint16_t)(1 + test_rand_u32(&rng) % 67);
        const uint16_t out = (uint16_t)(1 + test_rand_u32(&rng) % 64);
        for (size_t i = 0; i < (size_t)in * out; i++) {
            w[i] = (int8_t)((int)(test_rand_u32(&rng) % 255) - 127);
        }
        for (size_t i = 0; i < in; i++) {
            x[i] = (int8_t)(test_rand_u32(&rng) & 0xFF);
        }
        for (size_t o = 0; o < out; o++) {
            ch[o].bias = (int32_t)(test_rand_u32(&rng) % 200001) - 100000;
            ch[o].multiplier = (int32_t)(0x40000000u + test_rand_u32(&rng) % 0x40000000u);
            ch[o].shift = -(int32_t)(test_rand_u32(&rng) % 32);
        }
        nn_dense_t l = {.weights = w, .channel = ch, .in_dim = in, .out_dim = out,
                        .z_y = (int32_t)(test_rand_u32(&rng) % 256) - 128, .act_min = -128};
        if (round & 1) {
            l.act_min = l.z_y;
        }
        l.single_rounding = (round & 2) != 0;
        nn_dense_s8_ref(&l, x, y0);
        nn_dense_s8(&l, x, y1, wide);
        assert_memory_equal(y0, y1, out);
        nn_dense_s8_unfused(&l, x, y2, acc);
        assert_memory_equal(y0, y2, out);
    }
}

/* Runs one golden case through nn_net_run and every layer through both kernels. */
static void check_case(const vec_nn_case_t *v, const float *x)
{
    static int8_t a[1024], b[1024];
    static int16_t wide[1024];
    const int8_t *qi, *qo;
    const uint32_t sumsq = nn_net_run(&g_net, x, g_scratch, &qi, &qo);
    assert_memory_equal(qi, v->q_in, 64);
    assert_int_equal(sumsq, v->sumsq);
    const int8_t *expect = v->layers;
    memcpy(a, v->q_in, 64);
    for (size_t l = 0; l < g_model.layer_count; l++) {
        const nn_dense_t *layer = &g_net.layer[l];
        nn_dense_s8_ref(layer, a, b);
        assert_memory_equal(b, expect, layer->out_dim);
        memset(b, 0x55, layer->out_dim);
        nn_dense_s8(layer, a, b, wide);
        assert_memory_equal(b, expect, layer->out_dim);
        memcpy(a, b, layer->out_dim);
        expect += layer->out_dim;
    }
    assert_memory_equal(qo, a, 64);
}

/* The pruned model stored block-sparse (§2.4.1), both rounding modes: every layer is read as
 * block-sparse with the stated stored blocks, the self-test passes, and every case and layer equals
 * the TypeScript twin's DENSE computation of the same weights. */
static void block_sparse_model_matches_typescript(void **state)
{
    (void)state;
    assert_true(VEC_NN_MODEL_SPARSE_LEN < VEC_NN_MODEL_SPARSE_DENSE_LEN);
    memcpy(g_blob, VEC_NN_MODEL_SPARSE_BLOB, VEC_NN_MODEL_SPARSE_LEN);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_SPARSE_LEN, VEC_NN_TEST_KEY), VIGIL_OK);
    assert_false(g_model.single_rounding);
    for (size_t l = 0; l < g_model.layer_count; l++) {
        assert_non_null(g_model.layer[l].mask);
        assert_int_equal(g_model.layer[l].stored_blocks, VEC_NN_SPARSE_STORED_BLOCKS[l]);
    }
    assert_int_equal(nn_net_prepare(&g_net, &g_model, g_channels, 512), VIGIL_OK);
    assert_non_null(g_net.layer[0].mask);
    assert_int_equal(g_model.selftest_sumsq, VEC_NN_SPARSE_SELFTEST_SUMSQ);
    assert_int_equal(nn_net_selftest(&g_net, g_scratch), VIGIL_OK);
    for (size_t c = 0; c < VEC_NN_CASES_SPARSE_COUNT; c++) {
        print_message("sparse case: %s\n", VEC_NN_CASES_SPARSE[c].name);
        check_case(&VEC_NN_CASES_SPARSE[c], VEC_NN_CASES[c].x);
        const int8_t *qo;
        assert_int_equal(nn_net_run(&g_net, VEC_NN_CASES[c].x, g_scratch, NULL, &qo) > VEC_NN_SPARSE_THRESHOLD_SUMSQ,
                         VEC_NN_CASES_SPARSE[c].over);
    }

    memcpy(g_blob, VEC_NN_MODEL_SPARSE_SINGLE_BLOB, VEC_NN_MODEL_SPARSE_SINGLE_LEN);
    assert_int_equal(nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_SPARSE_SINGLE_LEN, VEC_NN_TEST_KEY), VIGIL_OK);
    assert_true(g_model.single_rounding);
    assert_non_null(g_model.layer[3].mask);
    assert_int_equal(nn_net_prepare(&g_net, &g_model, g_channels, 512), VIGIL_OK);
    assert_int_equal(g_model.selftest_sumsq, VEC_NN_SPARSE_SELFTEST_SINGLE_SUMSQ);
    assert_int_equal(nn_net_selftest(&g_net, g_scratch), VIGIL_OK);
    for (size_t c = 0; c < VEC_NN_CASES_SPARSE_SINGLE_COUNT; c++) {
        check_case(&VEC_NN_CASES_SPARSE_SINGLE[c], VEC_NN_CASES[c].x);
    }
}

static void block_sparse_malformed_is_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < VEC_NN_SPARSE_MUTATIONS_COUNT; i++) {
        const vec_nn_sparse_mutation_t *v = &VEC_NN_SPARSE_MUTATIONS[i];
        print_message("sparse mutation: %s\n", v->name);
        memcpy(g_blob, VEC_NN_MODEL_SPARSE_BLOB, VEC_NN_MODEL_SPARSE_LEN);
        if (v->set >= 0) {
            g_blob[v->offset] = (uint8_t)v->set;
        } else {
            g_blob[v->offset] ^= v->xor_mask;
        }
        if (v->resign) { /* the CRC and tag made valid again: the structure is what is refused */
            const size_t crc_off = VEC_NN_MODEL_SPARSE_LEN - 36u;
            proto_put_u32le(&g_blob[crc_off], proto_crc32_u8(g_blob, crc_off));
            hmac_sha256(VEC_NN_TEST_KEY, 32, g_blob, crc_off + 4u, &g_blob[crc_off + 4u]);
        }
        const size_t len = v->truncate_to ? v->truncate_to : VEC_NN_MODEL_SPARSE_LEN;
        const vigil_status_t want = strcmp(v->expect, "invalid") == 0 ? VIGIL_ERR_INVALID : expected_status(v->expect);
        assert_int_equal(nn_model_parse(&g_model, g_blob, len, VEC_NN_TEST_KEY), want);
    }
    /* Every truncation and every single-bit flip is refused, never read past the end. */
    for (size_t len = 0; len < VEC_NN_MODEL_SPARSE_LEN; len += 89) {
        memcpy(g_blob, VEC_NN_MODEL_SPARSE_BLOB, VEC_NN_MODEL_SPARSE_LEN);
        assert_int_not_equal(nn_model_parse(&g_model, g_blob, len, VEC_NN_TEST_KEY), VIGIL_OK);
    }
}

/* Property: a random layer with random all-zero 2x4 blocks, stored block-sparse, gives the dense
 * layer's outputs exactly: both kernels, both rounding modes, ReLU or not, 1 to 3 mask words. */
static void block_sparse_equals_dense_on_random_layers(void **state)
{
    (void)state;
    static int8_t w[64 * 264], blocks[64 * 264], x[264], y0[64], y1[64], y2[64];
    static uint8_t mask[32 * 3 * 4];
    static nn_channel_t ch[64];
    static int16_t wide[264];
    uint32_t rng = 11;
    size_t skipped = 0;
    for (int round = 0; round < 300; round++) {
        const uint16_t in = (uint16_t)(4u * (1u + test_rand_u32(&rng) % 66u));
        const uint16_t out = (uint16_t)(2u * (1u + test_rand_u32(&rng) % 32u));
        const uint32_t keep_pct = test_rand_u32(&rng) % 101u; /* 0 % (nothing stored) .. 100 % */
        const uint16_t cols = in / 4u, words = (uint16_t)((cols + 31u) / 32u);
        memset(mask, 0, sizeof mask);
        size_t nb = 0;
        for (size_t r = 0; r < out / 2u; r++) {
            for (size_t c = 0; c < cols; c++) {
                const bool keep = test_rand_u32(&rng) % 100u < keep_pct;
                for (size_t t = 0; t < 8u; t++) {
                    const size_t at = (2u * r + t / 4u) * in + 4u * c + t % 4u;
                    /* extreme weights often; a stored block may still hold zeros */
                    w[at] = keep ? (int8_t)((int)(test_rand_u32(&rng) % 255u) - 127) : 0;
                    if (keep) {
                        blocks[8u * nb + t] = w[at];
                    }
                }
                if (keep) {
                    const size_t word = r * words + c / 32u;
                    const uint32_t bit = 0x80000000u >> (c % 32u);
                    uint32_t m = proto_get_u32le(&mask[4u * word]);
                    proto_put_u32le(&mask[4u * word], m | bit);
                    nb++;
                } else {
                    skipped++;
                }
            }
        }
        for (size_t i = 0; i < in; i++) {
            x[i] = (int8_t)(test_rand_u32(&rng) & 0xFF);
        }
        for (size_t o = 0; o < out; o++) {
            ch[o].bias = (int32_t)(test_rand_u32(&rng) % 200001) - 100000;
            ch[o].multiplier = (int32_t)(0x40000000u + test_rand_u32(&rng) % 0x40000000u);
            ch[o].shift = -(int32_t)(test_rand_u32(&rng) % 32);
        }
        nn_dense_t dense = {.weights = w, .channel = ch, .in_dim = in, .out_dim = out,
                            .z_y = (int32_t)(test_rand_u32(&rng) % 256) - 128, .act_min = -128};
        if (round & 1) {
            dense.act_min = dense.z_y > -128 ? dense.z_y : -128;
        }
        dense.single_rounding = (round & 2) != 0;
        nn_dense_t sparse = dense;
        sparse.weights = blocks;
        sparse.mask = mask;
        sparse.mask_words = words;
        nn_dense_s8_ref(&dense, x, y0);
        nn_dense_s8_ref(&sparse, x, y1);
        assert_memory_equal(y0, y1, out);
        nn_dense_s8(&sparse, x, y2, wide);
        assert_memory_equal(y0, y2, out);
    }
    assert_true(skipped > 1000); /* the rounds did skip blocks */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_point_primitives),
        cmocka_unit_test(input_quantisation),
        cmocka_unit_test(spec_bytes_and_hash),
        cmocka_unit_test(model_blob_reads_and_authenticates),
        cmocka_unit_test(mutations_are_refused),
        cmocka_unit_test(inference_matches_typescript_bit_for_bit),
        cmocka_unit_test(single_rounding_matches_typescript),
        cmocka_unit_test(self_test_and_default_model),
        cmocka_unit_test(kernels_agree_on_random_layers),
        cmocka_unit_test(block_sparse_model_matches_typescript),
        cmocka_unit_test(block_sparse_malformed_is_refused),
        cmocka_unit_test(block_sparse_equals_dense_on_random_layers),
    };
    return cmocka_run_group_tests_name("nn", tests, NULL, NULL);
}
