/*
 * The self-test image: the golden vectors of test/vectors run on the emulated Cortex-M4F, so the
 * ARM build's own code is held to them: the SIMD dense kernel (SMLAD), the FMA-contracted FFT,
 * newlib instead of glibc. test/integration/qemu-selftest.test.ts runs it and reads
 *   SELFTEST <check> PASS|FAIL [detail]
 *   SELFTEST end <failures>
 * from USART1. The DSP cases read from files on the host are skipped here (no file system); the
 * QEMU node integration test covers the recordings.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../src/crypto/sha256.h"
#include "../../src/dsp/features.h"
#include "../../src/dsp/windower.h"
#include "../../src/nn/default_model.h"
#include "../../src/nn/fixedpoint.h"
#include "../../src/nn/infer.h"
#include "../../src/nn/model.h"
#include "../../src/nn/speed.h"
#include "../../src/proto/crc32.h"
#include "../../src/proto/frame.h"
#include "../../src/proto/le.h"
#include "../../test/dsp_tolerances.h"
#include "usart.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "dsp_vectors.h"
#include "frames_vectors.h"
#include "nn_vectors.h"
#include "speed_vectors.h"
#pragma GCC diagnostic pop

static unsigned g_failures;

static void put_str(const char *s)
{
    usart_write(USART_PORT_1, (const uint8_t *)s, strlen(s));
}

/* Non-negative value in scientific notation with 2 digits, e.g. 3.5e-07 (no printf in the image). */
static void put_sci(double v)
{
    char buf[16];
    int e = 0;
    if (v > 0) {
        while (v >= 10.0) {
            v /= 10.0;
            e++;
        }
        while (v < 1.0) {
            v *= 10.0;
            e--;
        }
    }
    int d = (int)(v * 10.0 + 0.5);
    if (d >= 100) {
        d = 10;
        e++;
    }
    size_t i = 0;
    buf[i++] = (char)('0' + d / 10);
    buf[i++] = '.';
    buf[i++] = (char)('0' + d % 10);
    buf[i++] = 'e';
    buf[i++] = e < 0 ? '-' : '+';
    const int ae = e < 0 ? -e : e;
    buf[i++] = (char)('0' + ae / 10);
    buf[i++] = (char)('0' + ae % 10);
    buf[i] = '\0';
    put_str(buf);
}

static void result(const char *check, int ok, const char *detail)
{
    put_str("SELFTEST ");
    put_str(check);
    put_str(ok ? " PASS" : " FAIL");
    if (detail != NULL) {
        put_str(" ");
        put_str(detail);
    }
    put_str("\n");
    g_failures += !ok;
}

/* ---- DSP: the synthetic cases through the windower and the features ---- */

static float g_storage[3 * 1024];
static float g_scratch[DSP_FEATURES_SCRATCH_FLOATS(1024)];

static double rel(double got, double want)
{
    return got == want ? 0.0 : fabs(got - want) / fmax(fabs(want), 1e-30);
}

static void dsp_case(const vec_dsp_case_t *c)
{
    dsp_feature_spec_t s;
    memset(&s, 0, sizeof s);
    s.sample_rate_hz = c->sample_rate_hz;
    s.window_len = c->window_len;
    s.hop = c->hop;
    s.segment_len = c->segment_len;
    s.band_count = c->band_count;
    memcpy(s.band_edges, c->band_edges, (c->band_count + 1u) * sizeof(uint16_t));
    s.velocity_lo_hz = c->velocity_lo_hz;
    s.velocity_hi_hz = c->velocity_hi_hz;
    static dsp_features_t f;
    static dsp_windower_t w;
    static dsp_velocity_t vel[3];
    for (size_t a = 0; a < 3; a++) {
        dsp_velocity_restart(&vel[a]);
    }
    if (dsp_features_init(&f, &s) != VIGIL_OK ||
        dsp_windower_init(&w, g_storage, 3 * 1024, c->axis_count, c->window_len, c->hop) != VIGIL_OK) {
        result(c->name, 0, "spec refused");
        return;
    }
    const float *frames = (const float *)(const void *)c->samples_bits;
    double worst[6] = {0};
    size_t done = 0, k = 0;
    int ok = 1;
    while (done < c->rows) {
        bool complete;
        done += dsp_windower_push(&w, &frames[done * c->axis_count], c->rows - done, &complete);
        if (!complete) {
            continue;
        }
        if (k >= c->n_windows) {
            ok = 0;
            break;
        }
        for (size_t a = 0; a < c->axis_count; a++) {
            const float *p0, *p1;
            size_t n0;
            dsp_windower_view(&w, a, &p0, &n0, &p1);
            dsp_axis_features_t got;
            float bands[DSP_BANDS_MAX];
            dsp_features_axis_f32(&f, p0, n0, p1, g_scratch, &got, bands);
            const vec_dsp_axis_t *e = &c->windows[k].axes[a];
            worst[0] = fmax(worst[0], rel(got.rms, e->rms));
            worst[1] = fmax(worst[1], rel(got.peak, e->peak));
            worst[2] = fmax(worst[2], rel(got.crest, e->crest));
            worst[3] = fmax(worst[3], rel(got.kurtosis, e->kurtosis));
            const float velocity = dsp_velocity_window_f32(&f.vel, &vel[a], p0, n0, p1, c->window_len, c->hop, got.mean);
            worst[4] = fmax(worst[4], rel(velocity, e->velocity_mm_s));
            for (size_t b = 0; b < c->band_count; b++) {
                worst[5] = fmax(worst[5], fabs((double)bands[b] - c->windows[k].log_bands[a * c->band_count + b]));
            }
        }
        k++;
    }
    ok = ok && k == c->n_windows && worst[0] <= TOL_RMS_REL && worst[1] <= TOL_PEAK_REL &&
         worst[2] <= TOL_CREST_REL && worst[3] <= TOL_KURTOSIS_REL && worst[4] <= TOL_VELOCITY_REL &&
         worst[5] <= TOL_LOG_BANDS_ABS;
    put_str("SELFTEST ");
    put_str(c->name);
    put_str(ok ? " PASS" : " FAIL");
    static const char *const names[6] = {" rms ", " peak ", " crest ", " kurtosis ", " velocity ", " log-bands "};
    for (int i = 0; i < 6; i++) {
        put_str(names[i]);
        put_sci(worst[i]);
    }
    put_str("\n");
    g_failures += !ok;
}

/* ---- int8 inference and the model reader ---- */

static _Alignas(4) uint8_t g_blob[8192];
static nn_model_t g_model;
static nn_net_t g_net;
static nn_channel_t g_ch[512];
static _Alignas(8) uint8_t g_nn_scratch[2048];

static void nn_checks(void)
{
    int ok = 1;
    for (size_t i = 0; i < VEC_NN_SRDHM_COUNT; i++) {
        ok &= nn_srdhm_s32(VEC_NN_SRDHM[i].a, VEC_NN_SRDHM[i].b) == VEC_NN_SRDHM[i].out;
    }
    for (size_t i = 0; i < VEC_NN_RDBPOT_COUNT; i++) {
        ok &= nn_rdbpot_s32(VEC_NN_RDBPOT[i].x, VEC_NN_RDBPOT[i].exponent) == VEC_NN_RDBPOT[i].out;
    }
    for (size_t i = 0; i < VEC_NN_MBQM_COUNT; i++) {
        ok &= nn_mbqm_s32(VEC_NN_MBQM[i].x, VEC_NN_MBQM[i].multiplier, VEC_NN_MBQM[i].shift) == VEC_NN_MBQM[i].out;
    }
    result("nn_fixed_point", ok, NULL);

    memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
    ok = nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_LEN, VEC_NN_TEST_KEY) == VIGIL_OK &&
         nn_net_prepare(&g_net, &g_model, g_ch, 512) == VIGIL_OK;
    result("nn_model_parse", ok, NULL);
    if (!ok) {
        return;
    }
    /* Every case, every layer, both kernels: bit for bit. */
    static int8_t a[1024], b[1024];
    static int16_t wide[1024];
    int simd_ok = 1, ref_ok = 1, run_ok = 1;
    for (size_t c = 0; c < VEC_NN_CASES_COUNT; c++) {
        const vec_nn_case_t *v = &VEC_NN_CASES[c];
        const int8_t *qi;
        const uint32_t sumsq = nn_net_run(&g_net, v->x, g_nn_scratch, &qi, NULL);
        run_ok &= sumsq == v->sumsq && memcmp(qi, v->q_in, 64) == 0 && (sumsq > VEC_NN_THRESHOLD_SUMSQ) == v->over;
        const int8_t *expect = v->layers;
        memcpy(a, v->q_in, 64);
        for (size_t l = 0; l < g_model.layer_count; l++) {
            const nn_dense_t *layer = &g_net.layer[l];
            nn_dense_s8_ref(layer, a, b);
            ref_ok &= memcmp(b, expect, layer->out_dim) == 0;
            nn_dense_s8(layer, a, b, wide);
            simd_ok &= memcmp(b, expect, layer->out_dim) == 0;
            memcpy(a, expect, layer->out_dim);
            expect += layer->out_dim;
        }
    }
    result("nn_dense_s8_ref_layers", ref_ok, NULL);
    result("nn_dense_s8_simd_layers", simd_ok, NULL);
    result("nn_run_sumsq_and_decision", run_ok, NULL);
    result("nn_model_selftest", nn_net_selftest(&g_net, g_nn_scratch) == VIGIL_OK, NULL);

    ok = 1;
    for (size_t i = 0; i < VEC_NN_MUTATIONS_COUNT; i++) {
        const vec_nn_mutation_t *v = &VEC_NN_MUTATIONS[i];
        memcpy(g_blob, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
        g_blob[v->offset] ^= v->xor_mask;
        ok &= nn_model_parse(&g_model, g_blob, v->truncate_to ? v->truncate_to : VEC_NN_MODEL_LEN,
                             VEC_NN_TEST_KEY) != VIGIL_OK;
    }
    result("nn_mutations_refused", ok, NULL);

    /* Single rounding (model flag bit 0, LiteRT's requantization) on the target: the primitive, then
     * the flagged model's cases through nn_net_run (its layers take the reference kernel). */
    ok = 1;
    for (size_t i = 0; i < VEC_NN_MBQM_SINGLE_COUNT; i++) {
        const vec_nn_mbqm_t *v = &VEC_NN_MBQM_SINGLE[i];
        ok &= nn_mbqm_single_s32(v->x, v->multiplier, v->shift) == v->out;
    }
    result("nn_single_rounding_fixed_point", ok, NULL);
    memcpy(g_blob, VEC_NN_MODEL_SINGLE_BLOB, VEC_NN_MODEL_SINGLE_LEN);
    ok &= nn_model_parse(&g_model, g_blob, VEC_NN_MODEL_SINGLE_LEN, VEC_NN_TEST_KEY) == VIGIL_OK &&
          g_model.single_rounding && nn_net_prepare(&g_net, &g_model, g_ch, 512) == VIGIL_OK;
    result("nn_single_rounding_parse", ok, NULL);
    for (size_t c = 0; ok && c < VEC_NN_CASES_SINGLE_COUNT; c++) {
        const vec_nn_case_t *v = &VEC_NN_CASES_SINGLE[c];
        const int8_t *qi, *qo;
        const uint32_t sumsq = nn_net_run(&g_net, VEC_NN_CASES[c].x, g_nn_scratch, &qi, &qo);
        const int8_t *last = v->layers + (32 + 8 + 32); /* the outputs of layers 0..2 come first */
        ok &= sumsq == v->sumsq && memcmp(qi, v->q_in, 64) == 0 && memcmp(qo, last, 64) == 0;
    }
    result("nn_single_rounding_cases", ok, NULL);
    ok &= nn_net_selftest(&g_net, g_nn_scratch) == VIGIL_OK;
    result("nn_single_rounding", ok, NULL);

    /* The pruned model stored block-sparse (§2.4.1), both rounding modes: nn_net_run and, for the
     * double-rounding one, every layer through the SIMD block-skipping kernel (nn_dense_sparse_m4),
     * equal to the TypeScript twin's dense computation of the same weights. */
    for (int single = 0; single < 2; single++) {
        const uint8_t *blob = single ? VEC_NN_MODEL_SPARSE_SINGLE_BLOB : VEC_NN_MODEL_SPARSE_BLOB;
        const size_t len = single ? VEC_NN_MODEL_SPARSE_SINGLE_LEN : VEC_NN_MODEL_SPARSE_LEN;
        const vec_nn_case_t *cases = single ? VEC_NN_CASES_SPARSE_SINGLE : VEC_NN_CASES_SPARSE;
        memcpy(g_blob, blob, len);
        ok = nn_model_parse(&g_model, g_blob, len, VEC_NN_TEST_KEY) == VIGIL_OK && g_model.layer[0].mask != NULL &&
             nn_net_prepare(&g_net, &g_model, g_ch, 512) == VIGIL_OK && nn_net_selftest(&g_net, g_nn_scratch) == VIGIL_OK;
        for (size_t c = 0; ok && c < VEC_NN_CASES_SPARSE_COUNT; c++) {
            const vec_nn_case_t *v = &cases[c];
            const int8_t *qi;
            ok &= nn_net_run(&g_net, VEC_NN_CASES[c].x, g_nn_scratch, &qi, NULL) == v->sumsq && memcmp(qi, v->q_in, 64) == 0;
            const int8_t *expect = v->layers;
            memcpy(a, v->q_in, 64);
            for (size_t l = 0; l < g_model.layer_count; l++) {
                const nn_dense_t *layer = &g_net.layer[l];
                nn_dense_s8(layer, a, b, wide);
                ok &= memcmp(b, expect, layer->out_dim) == 0;
                memcpy(a, expect, layer->out_dim);
                expect += layer->out_dim;
            }
        }
        result(single ? "nn_block_sparse_single_rounding" : "nn_block_sparse_simd_layers", ok, NULL);
    }
    ok = 1;
    for (size_t i = 0; i < VEC_NN_SPARSE_MUTATIONS_COUNT; i++) {
        const vec_nn_sparse_mutation_t *v = &VEC_NN_SPARSE_MUTATIONS[i];
        memcpy(g_blob, VEC_NN_MODEL_SPARSE_BLOB, VEC_NN_MODEL_SPARSE_LEN);
        g_blob[v->offset] = v->set >= 0 ? (uint8_t)v->set : (uint8_t)(g_blob[v->offset] ^ v->xor_mask);
        if (v->resign) {
            const size_t crc_off = VEC_NN_MODEL_SPARSE_LEN - 36u;
            proto_put_u32le(&g_blob[crc_off], proto_crc32_u8(g_blob, crc_off));
            hmac_sha256(VEC_NN_TEST_KEY, 32, g_blob, crc_off + 4u, &g_blob[crc_off + 4u]);
        }
        ok &= nn_model_parse(&g_model, g_blob, v->truncate_to ? v->truncate_to : VEC_NN_MODEL_SPARSE_LEN,
                             VEC_NN_TEST_KEY) != VIGIL_OK;
    }
    result("nn_block_sparse_malformed_refused", ok, NULL);

    static const uint8_t zero_key[32];
    ok = nn_model_parse(&g_model, nn_default_model_blob, nn_default_model_len, zero_key) == VIGIL_OK &&
         nn_net_prepare(&g_net, &g_model, g_ch, 512) == VIGIL_OK && nn_net_selftest(&g_net, g_nn_scratch) == VIGIL_OK;
    result("default_model_selftest", ok, NULL);
}

/* The SIMD kernel against the reference on random layers: odd widths (the C tail), shift 0, both
 * activation floors, extreme weights. */
static void random_layers(void)
{
    static int8_t w[64 * 67], x[67], y0[64], y1[64];
    static nn_channel_t ch[64];
    static int16_t wide[128];
    uint32_t rng = 7;
    int ok = 1;
    for (int round = 0; round < 300; round++) {
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        const uint16_t in = (uint16_t)(1 + rng % 67);
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        const uint16_t out = (uint16_t)(1 + rng % 64);
        for (size_t i = 0; i < (size_t)in * out; i++) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            w[i] = (int8_t)((int)(rng % 255) - 127);
        }
        for (size_t i = 0; i < in; i++) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            x[i] = (int8_t)(rng & 0xFF);
        }
        for (size_t o = 0; o < out; o++) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            ch[o].bias = (int32_t)(rng % 2000001) - 1000000;
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            ch[o].multiplier = (o % 5 == 4) ? 0 : (int32_t)(0x40000000u + rng % 0x40000000u);
            ch[o].shift = -(int32_t)(rng % 32u);
        }
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        nn_dense_t l = {.weights = w, .channel = ch, .in_dim = in, .out_dim = out,
                        .z_y = (int32_t)(rng % 256) - 128, .act_min = -128};
        if (round & 1) {
            l.act_min = l.z_y;
        }
        nn_dense_s8_ref(&l, x, y0);
        nn_dense_s8(&l, x, y1, wide);
        ok &= memcmp(y0, y1, out) == 0;
    }
    result("nn_dense_s8_simd_random_layers", ok, NULL);
}

/* The block-skipping SIMD kernel (nn_dense_sparse_m4) against the dense reference on random layers
 * with random all-zero 2x4 blocks: 1 to 3 mask words per row pair, both activation floors, nothing
 * to everything stored. */
static void random_sparse_layers(void)
{
    static int8_t w[64 * 264], blocks[64 * 264], x[264], y0[64], y1[64];
    static uint8_t mask[32 * 3 * 4];
    static nn_channel_t ch[64];
    static int16_t wide[264];
    uint32_t rng = 99;
#define NEXT() (rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5, rng)
    int ok = 1;
    for (int round = 0; round < 200; round++) {
        const uint16_t in = (uint16_t)(4u * (1u + NEXT() % 66u));
        const uint16_t out = (uint16_t)(2u * (1u + NEXT() % 32u));
        const uint32_t keep_pct = NEXT() % 101u;
        const uint32_t cols = in / 4u, words = (cols + 31u) / 32u;
        memset(mask, 0, sizeof mask);
        size_t nb = 0;
        for (size_t r = 0; r < out / 2u; r++) {
            for (size_t c = 0; c < cols; c++) {
                const int keep = NEXT() % 100u < keep_pct;
                for (size_t t = 0; t < 8u; t++) {
                    const size_t at = (2u * r + t / 4u) * in + 4u * c + t % 4u;
                    w[at] = keep ? (int8_t)((int)(NEXT() % 255u) - 127) : 0;
                    if (keep) {
                        blocks[8u * nb + t] = w[at];
                    }
                }
                if (keep) {
                    const size_t word = r * words + c / 32u;
                    proto_put_u32le(&mask[4u * word], proto_get_u32le(&mask[4u * word]) | (0x80000000u >> (c % 32u)));
                    nb++;
                }
            }
        }
        for (size_t i = 0; i < in; i++) {
            x[i] = (int8_t)(NEXT() & 0xFF);
        }
        for (size_t o = 0; o < out; o++) {
            ch[o].bias = (int32_t)(NEXT() % 2000001) - 1000000;
            ch[o].multiplier = (o % 5 == 4) ? 0 : (int32_t)(0x40000000u + NEXT() % 0x40000000u);
            ch[o].shift = -(int32_t)(NEXT() % 32u);
        }
        nn_dense_t dense = {.weights = w, .channel = ch, .in_dim = in, .out_dim = out,
                            .z_y = (int32_t)(NEXT() % 256) - 128, .act_min = -128};
        if (round & 1) {
            dense.act_min = dense.z_y > -128 ? dense.z_y : -128;
        }
        nn_dense_t sparse = dense;
        sparse.weights = blocks;
        sparse.mask = mask;
        sparse.mask_words = (uint16_t)words;
        nn_dense_s8_ref(&dense, x, y0);
        nn_dense_s8(&sparse, x, y1, wide);
        ok &= memcmp(y0, y1, out) == 0;
    }
#undef NEXT
    result("nn_block_sparse_simd_random_layers", ok, NULL);
}

/* frame_build (fused CRC-32 + COBS, cobs_m4.S) against the protocol vectors, byte for byte. */
static void frame_checks(void)
{
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    int ok = 1;
    for (size_t i = 0; i < VEC_FRAMES_COUNT + VEC_FRAMES_EXT_COUNT; i++) {
        const vec_frame_t *v = i < VEC_FRAMES_COUNT ? &VEC_FRAMES[i] : &VEC_FRAMES_EXT[i - VEC_FRAMES_COUNT];
        size_t n = 0;
        ok &= frame_build(v->type, v->seq, v->payload, v->payload_len, wire, sizeof wire, &n) == VIGIL_OK &&
              n == v->wire_len && memcmp(wire, v->wire, n) == 0;
    }
    for (size_t i = 0; i < VEC_CRC32_COUNT; i++) {
        ok &= proto_crc32_u8(VEC_CRC32[i].data, VEC_CRC32[i].len) == VEC_CRC32[i].crc;
    }
    result("frame_vectors", ok, NULL);
}

static void crypto_checks(void)
{
    static const uint8_t abc_digest[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[32];
    sha256((const uint8_t *)"abc", 3, d);
    result("sha256_fips180_abc", memcmp(d, abc_digest, 32) == 0, NULL);
    /* RFC 4231 test case 2 */
    static const uint8_t mac2[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *data = "what do ya want for nothing?";
    hmac_sha256((const uint8_t *)"Jefe", 4, (const uint8_t *)data, strlen(data), d);
    result("hmac_sha256_rfc4231_case2", memcmp(d, mac2, 32) == 0, NULL);
    uint8_t spec_hash[32];
    sha256(VEC_NN_SPEC_BYTES, sizeof VEC_NN_SPEC_BYTES, spec_hash);
    result("feature_spec_hash", memcmp(spec_hash, VEC_NN_SPEC_SHA256, 32) == 0, NULL);
}

/* The speed-aware detector in node form (nn/speed.c with its SMLALD loop) on its golden vectors:
   the same state at every window, the same score within 1e-5 relative. */
static nn_speed_run_t g_speed_run;
static void speed_case(const char *name, const uint8_t *sec, size_t len, uint16_t dim, const sv_step_t *steps, unsigned n)
{
    nn_speed_t s;
    int ok = nn_speed_parse(&s, sec, len, dim) == VIGIL_OK;
    unsigned bad = 0;
    memset(&g_speed_run, 0, sizeof g_speed_run);
    for (unsigned w = 0; ok && w < n; w++) {
        if (steps[w].restart) {
            nn_speed_restart(&g_speed_run);
        }
        const nn_speed_step_t r = nn_speed_step(&s, &g_speed_run, steps[w].x, steps[w].rpm);
        const int same_score = isnan(steps[w].score) ? isnan(r.score) : fabsf(r.score - steps[w].score) <= 1e-5f * fmaxf(1.0f, fabsf(steps[w].score));
        bad += !same_score || (unsigned)r.state != steps[w].state;
    }
    result(name, ok && bad == 0, ok ? (bad ? "windows differ from the TypeScript twin" : "") : "section refused");
}

static void speed_checks(void)
{
    nn_model_t m;
    const int parsed = nn_model_parse(&m, sv_blob_bytes, SV_BLOB_LEN, NULL) == VIGIL_OK && m.speed_section != NULL;
    result("speed_blob_parse", parsed, "");
    if (parsed) {
        speed_case("speed_blob_steps", m.speed_section, m.speed_len, m.input_dim, sv_blob_steps, SV_BLOB_STEPS);
    }
    speed_case("speed_small_steps", sv_small_bytes, SV_SMALL_LEN, SV_SMALL_DIM, sv_small_steps, SV_SMALL_STEPS);
    /* int8 W (weight format 1): SXTB16 + SMLAD on 64 features, the plain loop on 6 */
    const int parsed8 = nn_model_parse(&m, sv_blob8_bytes, SV_BLOB8_LEN, NULL) == VIGIL_OK && m.speed_section != NULL;
    result("speed_blob8_parse", parsed8, "");
    if (parsed8) {
        speed_case("speed_blob8_steps", m.speed_section, m.speed_len, m.input_dim, sv_blob8_steps, SV_BLOB8_STEPS);
    }
    speed_case("speed_small8_steps", sv_small8_bytes, SV_SMALL8_LEN, SV_SMALL8_DIM, sv_small8_steps, SV_SMALL8_STEPS);
}

/* ---- the speed scorer's M4 kernels (speed_m4.S) against their C definitions, bit for bit ---- */

static uint32_t g_srng = 12345u;
static uint32_t srng(void)
{
    g_srng ^= g_srng << 13, g_srng ^= g_srng >> 17, g_srng ^= g_srng << 5;
    return g_srng;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Values at the quantiser's edges: half-integers either side of 0, the clamps, -0, inf, NaN. */
static float edge_value(uint32_t k)
{
    static const float e[] = {0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f,
                              0.50000006f, -0.50000006f, 32766.5f, -32766.5f, 32767.0f, -32767.0f,
                              32767.25f, -32767.25f, 32767.5f, -32767.5f, 32768.0f, -32768.0f, 65535.5f,
                              -65535.5f, 65536.0f, -65536.0f, 1e9f, -1e9f, 3e38f, -3e38f, 1e-40f, -1e-40f};
    if (k < sizeof e / sizeof e[0]) {
        return e[k];
    }
    switch (k % 4u) {
    case 0:
        return bits_f32(0x7F800000u); /* +inf */
    case 1:
        return bits_f32(0xFF800000u);
    case 2:
        return bits_f32(0x7FC00000u | (srng() & 0x3FFFFFu)); /* NaN */
    default:
        return (float)((int32_t)(srng() % 131072u) - 65536) * 0.5f; /* every half step to +-32768 */
    }
}

/* The smoothing and the quantised residual: random rounds (any dim multiple of 4 up to 96, both
 * restart values, random t and smoothing, values of every magnitude), then the quantiser's edges
 * fed straight through (restart, mean 0, in_mul 1: v = x). y and q compared as bytes. */
static void speed_resid_m4_exact(void)
{
    static float x[96], y0[96], y1[96], mlo[96], mhi[96], mul[96];
    static int16_t q0[96] __attribute__((aligned(4))), q1[96] __attribute__((aligned(4)));
    int ok = 1;
    unsigned edges = 0;
    for (int round = 0; round < 400; round++) {
        const uint32_t d = 4u * (1u + srng() % 24u);
        const int edge = round >= 300;
        for (uint32_t i = 0; i < d; i++) {
            if (edge) {
                x[i] = edge_value(edges++ % 64u);
                mlo[i] = mhi[i] = 0.0f;
                mul[i] = 1.0f;
                y0[i] = y1[i] = 0.0f;
            } else {
                const float scale = (float)(1u << (srng() % 20u)) / 65536.0f;
                x[i] = (float)((int32_t)(srng() % 20001u) - 10000) * scale;
                mlo[i] = (float)((int32_t)(srng() % 20001u) - 10000) * scale;
                mhi[i] = (float)((int32_t)(srng() % 20001u) - 10000) * scale;
                mul[i] = (float)(1u + srng() % 4000u) * 0.125f;
                y0[i] = y1[i] = (float)((int32_t)(srng() % 20001u) - 10000) * scale;
            }
        }
        nn_speed_resid_t a = {.x = x, .y = y0, .q = q0, .mlo = (const uint8_t *)mlo, .mhi = (const uint8_t *)mhi,
                              .in_mul = (const uint8_t *)mul, .dim = d, .restart = edge || (round % 3 == 0),
                              .smoothing = (float)(1u + srng() % 1000u) / 1000.0f,
                              .t = (float)(srng() % 1001u) / 1000.0f};
        memset(q0, 0x55, sizeof q0);
        memset(q1, 0x55, sizeof q1);
        nn_speed_resid_ref(&a, true);
        a.y = y1;
        a.q = q1;
        nn_speed_resid_m4(&a);
        ok &= memcmp(y0, y1, sizeof y0) == 0 && memcmp(q0, q1, sizeof q0) == 0;
    }
    /* the edges really were reached: the clamps and a half step each way */
    ok &= nn_speed_quantise(-32767.5f) == -32767 && nn_speed_quantise(32767.5f) == 32767 &&
          nn_speed_quantise(-2.5f) == -3 && nn_speed_quantise(2.5f) == 3 && nn_speed_quantise(bits_f32(0x7FC00000u)) == 0;
    result("speed_resid_m4_exact", ok, NULL);
}

/* The score over an int8 block's rows: random blocks (dim a multiple of 8 up to 96, both an odd
 * and an even number of 8-weight blocks per row), extreme weights and q, lambda 0 and large, the
 * float sums compared as bits. */
static void speed_score_m4_exact(void)
{
    static _Alignas(4) uint8_t bl[8u * 96u + 96u * 96u];
    static int16_t q[96] __attribute__((aligned(4)));
    int ok = 1;
    for (int round = 0; round < 200; round++) {
        const uint32_t d = 8u * (1u + srng() % 12u);
        float *rs = (float *)(void *)bl;
        float *lam = rs + d;
        int8_t *w = (int8_t *)&bl[8u * d];
        const int extreme = round % 4 == 0;
        for (uint32_t k = 0; k < d; k++) {
            rs[k] = (float)(1u + srng() % 100000u) * 1e-7f;
            lam[k] = (k % 7u == 0u) ? 0.0f : (float)(srng() % 1000000u) * 1e-3f;
            q[k] = extreme ? (int16_t)((srng() & 1u) ? 32767 : -32767) : (int16_t)((int32_t)(srng() % 65535u) - 32767);
        }
        for (uint32_t i = 0; i < d * d; i++) {
            w[i] = extreme ? (int8_t)((srng() & 1u) ? 127 : -127) : (int8_t)((int32_t)(srng() % 255u) - 127);
        }
        const float f = (round % 5 == 0) ? 0.0f : (float)(srng() % 1000u) / 4000.0f;
        const float s0 = nn_speed_score_i8_ref((const uint8_t *)w, q, d, bl, f, true);
        const float s1 = nn_speed_score_i8_m4((const uint8_t *)w, q, d, bl, f);
        ok &= memcmp(&s0, &s1, sizeof s0) == 0 && s0 > 0.0f;
    }
    result("speed_score_m4_exact", ok, NULL);
}

int main(void)
{
    usart_init(USART_PORT_1, 16000000u, 115200u);
    for (size_t i = 0; i < VEC_DSP_CASES_COUNT; i++) {
        if (VEC_DSP_CASES[i].samples_bits != NULL) {
            dsp_case(&VEC_DSP_CASES[i]);
        }
    }
    nn_checks();
    random_layers();
    random_sparse_layers();
    frame_checks();
    crypto_checks();
    speed_checks();
    speed_resid_m4_exact();
    speed_score_m4_exact();
    put_str("SELFTEST end ");
    char n[4] = {(char)('0' + (g_failures / 10) % 10), (char)('0' + g_failures % 10), '\n', '\0'};
    put_str(n);
    for (;;) {
        __asm volatile("wfi");
    }
}
