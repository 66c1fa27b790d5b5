/* The small DSP pieces: log10, the feature-spec rules, the default band tables, the windower. */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/dsp/band_tables.h"
#include "../src/dsp/features.h"
#include "../src/dsp/log10.h"
#include "../src/dsp/windower.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "dsp_vectors.h"
#pragma GCC diagnostic pop

/* Every float from 1e-13 to 1e4 (the band energies' range): within 6e-7 of double log10; every
 * 97th float of the whole positive range within 4e-6. */
static void log10_accuracy(void **state)
{
    (void)state;
    double worst = 0.0;
    const float lo = 1e-13f, hi = 1e4f;
    uint32_t a, b;
    memcpy(&a, &lo, 4);
    memcpy(&b, &hi, 4);
    for (uint32_t bits = a; bits < b; bits += 3) {
        float x;
        memcpy(&x, &bits, 4);
        worst = fmax(worst, fabs((double)dsp_log10_f32(x) - log10((double)x)));
    }
    print_message("log10 worst absolute error on [1e-13, 1e4]: %.2e\n", worst);
    assert_true(worst < 6e-7);
    worst = 0.0;
    for (uint32_t bits = 1; bits < 0x7F800000u; bits += 97) {
        float x;
        memcpy(&x, &bits, 4);
        worst = fmax(worst, fabs((double)dsp_log10_f32(x) - log10((double)x)));
    }
    assert_true(worst < 4e-6);
    assert_true(dsp_log10_f32(0.0f) == -INFINITY);
    assert_true(isnan(dsp_log10_f32(-1.0f)));
    assert_true(isnan(dsp_log10_f32(NAN)));
    assert_true(dsp_log10_f32(INFINITY) == INFINITY);
    assert_true(dsp_log10_f32(1.0f) == 0.0f);
    assert_true(dsp_log10_f32(1e-12f) > -12.0000005f && dsp_log10_f32(1e-12f) < -11.9999995f);
}

static dsp_feature_spec_t good_spec(void)
{
    dsp_feature_spec_t s = {.sample_rate_hz = 26667, .window_len = 1024, .hop = 512, .segment_len = 1024,
                            .band_count = 32, .velocity_lo_hz = 10.0f, .velocity_hi_hz = 1000.0f};
    memcpy(s.band_edges, dsp_default_band_edges(1024), 33 * sizeof(uint16_t));
    return s;
}

static void spec_rules(void **state)
{
    (void)state;
    dsp_feature_spec_t s = good_spec();
    dsp_features_t f;
    assert_null(dsp_features_check(&s));
    assert_int_equal(dsp_features_init(&f, &s), VIGIL_OK);
    /* the velocity meter at 26667 Hz: blocks of 8 (3333 Hz >= 2.5 x 1000 Hz, 16 would give 1667) */
    assert_int_equal(f.vel.decim, 8);
#define BREAKS(change)                                                                 \
    do {                                                                               \
        s = good_spec();                                                               \
        change;                                                                        \
        assert_non_null(dsp_features_check(&s));                                       \
        assert_int_equal(dsp_features_init(&f, &s), VIGIL_ERR_ARG);                    \
    } while (0)
    BREAKS(s.sample_rate_hz = 0);
    BREAKS(s.window_len = 1000);
    BREAKS(s.window_len = 8192);
    BREAKS(s.hop = 0);
    BREAKS(s.hop = 1025);
    BREAKS(s.segment_len = 2048);
    BREAKS(s.segment_len = 96);
    BREAKS(s.band_count = 0);
    BREAKS(s.band_count = 65);
    BREAKS(s.band_edges[0] = 0);
    BREAKS(s.band_edges[32] = 514);
    BREAKS(s.band_edges[5] = s.band_edges[4]);
    BREAKS(s.velocity_lo_hz = 0.0f);
    BREAKS(s.velocity_hi_hz = 5.0f);
    BREAKS(s.velocity_hi_hz = NAN);
#undef BREAKS
    /* Block sizes: the block rate is the largest one at or above 2.5 x the high edge. */
    static const struct {
        uint32_t fs;
        float hi;
        uint32_t decim;
    } rates[] = {{48000, 1000.0f, 16}, {25600, 1000.0f, 8}, {20000, 1000.0f, 8}, {19999, 1000.0f, 4},
                 {12000, 1000.0f, 4}, {2500, 1000.0f, 1}, {1000, 100.0f, 4}};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        s = good_spec();
        s.sample_rate_hz = rates[i].fs;
        s.velocity_hi_hz = rates[i].hi;
        assert_int_equal(dsp_features_init(&f, &s), VIGIL_OK);
        assert_int_equal(f.vel.decim, rates[i].decim);
    }
}

/* A constant window whose level is not exact in float32 (0.7 g): every deviation is the float32
 * mean's own rounding, and nothing moves: peak, crest and kurtosis 0 (as models/features). */
static void constant_window_has_no_shape(void **state)
{
    (void)state;
    dsp_feature_spec_t s = good_spec();
    static dsp_features_t f;
    assert_int_equal(dsp_features_init(&f, &s), VIGIL_OK);
    static float x[1024], scratch[DSP_FEATURES_SCRATCH_FLOATS(1024)];
    static const float levels[] = {0.7f, 0.1f, -9.81f, 1.0f, 0.0f};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        for (size_t i = 0; i < 1024; i++) {
            x[i] = levels[l];
        }
        dsp_axis_features_t out;
        float bands[32];
        dsp_features_axis_f32(&f, x, 1024, x, scratch, &out, bands);
        assert_true(out.peak == 0.0f);
        assert_true(out.crest == 0.0f);
        assert_true(out.kurtosis == 0.0f);
        assert_true(out.rms < 1e-6f);
    }
    /* One sample off the level is no constant window. */
    x[500] = 0.8f;
    dsp_axis_features_t out;
    float bands[32];
    dsp_features_axis_f32(&f, x, 1024, x, scratch, &out, bands);
    assert_true(out.peak > 0.09f && out.crest > 30.0f && out.kurtosis > 1000.0f);
}

/* The tables compiled into the node equal models/features logBandEdges (the vectors). */
static void default_band_tables_match_typescript(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < VEC_DSP_EDGES_COUNT; i++) {
        const vec_dsp_edges_t *v = &VEC_DSP_EDGES[i];
        if (v->band_count != DSP_DEFAULT_BANDS) {
            continue;
        }
        const uint16_t *e = dsp_default_band_edges(v->segment_len);
        assert_non_null(e);
        assert_memory_equal(e, v->edges, (DSP_DEFAULT_BANDS + 1) * sizeof(uint16_t));
        checked++;
    }
    assert_int_equal(checked, 7);
    assert_null(dsp_default_band_edges(1000));
}

static void windower_rules(void **state)
{
    (void)state;
    static float st[3 * 64];
    dsp_windower_t w;
    assert_int_equal(dsp_windower_init(&w, st, 3 * 64, 3, 64, 16), VIGIL_OK);
    assert_int_equal(dsp_windower_init(&w, st, 3 * 64 - 1, 3, 64, 16), VIGIL_ERR_ARG);
    assert_int_equal(dsp_windower_init(&w, st, 3 * 64, 4, 64, 16), VIGIL_ERR_ARG);
    assert_int_equal(dsp_windower_init(&w, st, 3 * 64, 1, 60, 16), VIGIL_ERR_ARG);
    assert_int_equal(dsp_windower_init(&w, st, 3 * 64, 1, 64, 65), VIGIL_ERR_ARG);
    assert_int_equal(dsp_windower_init(&w, NULL, 3 * 64, 1, 64, 16), VIGIL_ERR_ARG);
    /* One axis, window 64, hop 16: windows end at 64, 80, 96; the view reads oldest first. */
    assert_int_equal(dsp_windower_init(&w, st, 64, 1, 64, 16), VIGIL_OK);
    float x[200];
    for (int i = 0; i < 200; i++) {
        x[i] = (float)i;
    }
    size_t done = 0, windows = 0;
    while (done < 200) {
        bool c;
        done += dsp_windower_push(&w, &x[done], 200 - done, &c);
        if (c) {
            const float *p0, *p1;
            size_t n0;
            dsp_windower_view(&w, 0, &p0, &n0, &p1);
            for (size_t i = 0; i < 64; i++) {
                const float v = i < n0 ? p0[i] : p1[i - n0];
                assert_true(v == (float)(windows * 16 + i));
            }
            assert_int_equal(done, 64 + 16 * windows);
            windows++;
        }
    }
    assert_int_equal(windows, (200 - 64) / 16 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log10_accuracy),
        cmocka_unit_test(spec_rules),
        cmocka_unit_test(constant_window_has_no_shape),
        cmocka_unit_test(default_band_tables_match_typescript),
        cmocka_unit_test(windower_rules),
    };
    return cmocka_run_group_tests_name("dsp", tests, NULL, NULL);
}
