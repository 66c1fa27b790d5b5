#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/dsp/band_tables.h"
#include "../src/dsp/features.h"
#include "../src/dsp/rms.h"

#define N 1024
#define PI 3.14159265358979323846

static float g_x[N];

static void constant_is_zero(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        g_x[i] = 3.0f;
    }
    assert_true(dsp_rms_f32(g_x, N) == 0.0f); /* exact: the mean removes the DC completely */
    for (int i = 0; i < N; i++) {
        g_x[i] = 0.1f; /* not exact in binary: the float32 running sum rounds */
    }
    /* The float32 mean misses 0.1 by a few ulps; the sum of the deviations takes that out, so the
     * constant window reads 0 (it read 9.7e-7 before the correction). */
    assert_true(dsp_rms_f32(g_x, N) < 1e-7f);
}

/*
 * float32 against float64 on the same float32 samples (docs/features.md, "Agreement"): within
 * n 2^-25 + 2^-22 relative (the float32 sum of n squares rounds n times; sqrt halves it), on
 * noise, tones, impulses and square waves, with and without a large DC level, n = 64 .. 4096.
 * The square wave (n equal squares: the roundings do not cancel) is the worst case measured.
 */
static float g_w[4096];
static void rms_within_stated_bound_of_float64(void **state)
{
    (void)state;
    uint32_t rng = 3;
    double worst_ratio = 0.0;
    for (size_t n = 64; n <= 4096; n *= 2) {
        for (int t = 0; t < 64; t++) {
            const double amp = (t & 3) == 0 ? 0.05 : (t & 3) == 1 ? 1.0 : (t & 3) == 2 ? 4.0 : 0.3;
            const double dc = ((t >> 2) & 3) == 0 ? 0.0 : ((t >> 2) & 3) == 1 ? 1.0 : ((t >> 2) & 3) == 2 ? -9.81 : 0.7;
            const int kind = (t >> 4) & 3;
            for (size_t i = 0; i < n; i++) {
                const double u = (double)(int32_t)(test_rand_u32(&rng) % 20001u - 10000u) / 20000.0;
                const double v = kind == 0 ? u : kind == 1 ? sin(0.0123 * (double)i * (1 + t % 7)) : kind == 2 ? ((i % 97u) == 0 ? 5.0 : 0.1 * u) : (sin(0.1 * (double)i) >= 0 ? 1.0 : -1.0);
                g_w[i] = (float)(dc + amp * v);
            }
            double m = 0.0, a = 0.0;
            for (size_t i = 0; i < n; i++) {
                m += g_w[i];
            }
            m /= (double)n;
            for (size_t i = 0; i < n; i++) {
                a += (g_w[i] - m) * (g_w[i] - m);
            }
            const double want = sqrt(a / (double)n);
            const double err = fabs(dsp_rms_f32(g_w, n) - want) / want;
            const double bound = (double)n * 0x1p-25 + 0x1p-22;
            if (err > bound) {
                print_error("n %zu amp %g dc %g kind %d: error %.3g, bound %.3g\n", n, amp, dc, kind, err, bound);
            }
            assert_true(err <= bound);
            worst_ratio = fmax(worst_ratio, err / bound);
        }
    }
    print_message("float32 RMS: worst error %.2f of the stated bound\n", worst_ratio);
}

static void square_wave_is_amplitude(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        g_x[i] = (i & 1) ? 1.0f : -1.0f;
    }
    assert_true(dsp_rms_f32(g_x, N) == 1.0f);
    for (int i = 0; i < N; i++) {
        g_x[i] = ((i / 16) & 1) ? 6.0f : 4.0f; /* +-1 around a DC offset of 5 g */
    }
    assert_true(dsp_rms_f32(g_x, N) == 1.0f);
}

static void sine_is_amplitude_over_sqrt2(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        g_x[i] = (float)sin(2.0 * PI * 8.0 * i / N); /* 8 whole periods */
    }
    float rms = dsp_rms_f32(g_x, N);
    assert_true(fabs((double)rms - 1.0 / sqrt(2.0)) < 1e-6);
    for (int i = 0; i < N; i++) {
        g_x[i] = 0.25f + 2.0f * (float)sin(2.0 * PI * 37.0 * i / N);
    }
    rms = dsp_rms_f32(g_x, N);
    assert_true(fabs((double)rms - 2.0 / sqrt(2.0)) < 2e-6);
}

static void empty_window_is_zero(void **state)
{
    (void)state;
    assert_true(dsp_rms_f32(g_x, 0) == 0.0f);
}

/* The node's RMS comes from the fused feature pass (dsp/features.c, in assembly on the Cortex-M4F);
 * dsp_rms_f32 is its definition. Equal to the bit, on random windows and every ring seam. */
static void feature_pass_rms_is_dsp_rms_f32(void **state)
{
    (void)state;
    dsp_feature_spec_t s = {.sample_rate_hz = 25600, .window_len = 256, .hop = 128, .segment_len = 256,
                            .band_count = 32, .velocity_lo_hz = 10.0f, .velocity_hi_hz = 1000.0f};
    memcpy(s.band_edges, dsp_default_band_edges(256), 33 * sizeof(uint16_t));
    static dsp_features_t f;
    assert_int_equal(dsp_features_init(&f, &s), VIGIL_OK);
    static float ring[256], window[256], scratch[DSP_FEATURES_SCRATCH_FLOATS(256)];
    uint32_t rng = 11;
    for (int round = 0; round < 200; round++) {
        const float dc = (float)(test_rand_u32(&rng) % 2000) / 1000.0f - 1.0f;
        for (size_t i = 0; i < 256; i++) {
            ring[i] = dc + (float)(int32_t)(test_rand_u32(&rng) % 20001u - 10000u) / 20000.0f;
        }
        const size_t seam = test_rand_u32(&rng) % 256; /* the oldest sample's place in the ring */
        for (size_t i = 0; i < 256; i++) {
            window[i] = ring[(seam + i) % 256];
        }
        dsp_axis_features_t out;
        float bands[32];
        dsp_features_axis_f32(&f, ring + seam, 256 - seam, ring, scratch, &out, bands);
        const float want = dsp_rms_f32(window, 256);
        assert_memory_equal(&out.rms, &want, sizeof want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_is_zero),
        cmocka_unit_test(rms_within_stated_bound_of_float64),
        cmocka_unit_test(square_wave_is_amplitude),
        cmocka_unit_test(sine_is_amplitude_over_sqrt2),
        cmocka_unit_test(empty_window_is_zero),
        cmocka_unit_test(feature_pass_rms_is_dsp_rms_f32),
    };
    return cmocka_run_group_tests_name("rms", tests, NULL, NULL);
}
