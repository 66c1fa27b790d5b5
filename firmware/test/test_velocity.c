/*
 * The velocity meter (dsp/velocity.h, docs/features.md "Velocity RMS") on a sweep of tones: 13
 * log-spaced tones from 10 Hz to 1 kHz, three amplitudes on 1 g of gravity, every rate the project
 * meets and windows of 256, 1024 and 4096 samples (hop half a window), each read after four
 * averaging times against the analytic a / (2 pi f) / sqrt 2. The same sweep runs in TypeScript
 * (test/unit/models/velocity.test.ts); the two agree bit for bit on the golden vectors
 * (test_dsp_vectors.c).
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/dsp/velocity.h"

#define G_MM_S2 9806.65
#define PI 3.14159265358979323846
#define MAX_WINDOW 4096u

static float g_x[MAX_WINDOW + 2048u];

static double true_velocity(double amp_g, double f0)
{
    return amp_g * G_MM_S2 / (2.0 * PI * f0) / sqrt(2.0);
}

/* Window k of a tone, fed as a node feeds it; returns the last reading after `seconds`. */
static double reading(uint32_t fs, size_t window_len, size_t hop, double f0, double amp, float lo, double seconds)
{
    dsp_velocity_plan_t plan;
    assert_int_equal(dsp_velocity_plan_init(&plan, fs, (uint32_t)hop, lo, 1000.0f), VIGIL_OK);
    dsp_velocity_t v;
    dsp_velocity_restart(&v);
    const size_t windows = (size_t)((seconds * fs - (double)window_len) / (double)hop) + 1u;
    const double w = 2.0 * PI * f0 / fs;
    float out = 0.0f;
    for (size_t k = 0; k < windows; k++) {
        /* The window as one piece: samples k hop .. k hop + window_len. */
        const size_t base = k * hop;
        float sum = 0.0f;
        for (size_t i = 0; i < window_len; i++) {
            g_x[i] = (float)(1.0 + amp * sin(w * (double)(base + i) + 0.3));
            sum += g_x[i];
        }
        out = dsp_velocity_window_f32(&plan, &v, g_x, window_len, g_x, window_len, hop, sum / (float)window_len);
    }
    return out;
}

static void tone_sweep_within_ten_percent(void **state)
{
    (void)state;
    static const uint32_t rates[] = {12000, 20480, 25600, 26667, 48000};
    static const size_t windows[] = {256, 1024, 4096};
    static const double amps[] = {0.01, 1.0, 8.0};
    double worst = 0.0;
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
            for (int t = 0; t < 13; t++) {
                const double f0 = 10.0 * pow(100.0, t / 12.0);
                for (size_t a = 0; a < sizeof amps / sizeof amps[0]; a++) {
                    const double got = reading(rates[r], windows[wi], windows[wi] / 2u, f0, amps[a], 10.0f, 4.0);
                    const double err = fabs(got / true_velocity(amps[a], f0) - 1.0);
                    if (err >= 0.1) {
                        print_error("%u Hz window %zu: %.1f Hz %.2f g reads %.4g mm/s, true %.4g\n", rates[r],
                                    windows[wi], f0, amps[a], got, true_velocity(amps[a], f0));
                    }
                    assert_true(err < 0.1);
                    worst = fmax(worst, err);
                }
            }
        }
    }
    print_message("velocity sweep: worst %.2f %% of true (585 tones)\n", 100.0 * worst);
    assert_true(worst < 0.04); /* measured 3.4 % (10 Hz: the high-pass at 5 Hz, -2.6 %, and the reading ripple) */
}

static void slow_machines_and_odd_hops(void **state)
{
    (void)state;
    for (int t = 0; t < 9; t++) {
        const double f0 = 2.0 * pow(500.0, t / 8.0);
        const double got = reading(26667, 1024, 512, f0, 1.0, 2.0f, 20.0);
        assert_true(fabs(got / true_velocity(1.0, f0) - 1.0) < 0.05);
    }
    for (int t = 0; t < 13; t++) {
        const double f0 = 10.0 * pow(100.0, t / 12.0);
        const double got = reading(26667, 1024, 333, f0, 1.0, 10.0f, 4.0);
        assert_true(fabs(got / true_velocity(1.0, f0) - 1.0) < 0.05);
    }
}

static void plan_rules(void **state)
{
    (void)state;
    dsp_velocity_plan_t p;
    assert_int_equal(dsp_velocity_plan_init(&p, 48000, 512, 10.0f, 1000.0f), VIGIL_OK);
    assert_int_equal(p.decim, 16);
    assert_int_equal(dsp_velocity_plan_init(&p, 26667, 333, 10.0f, 1000.0f), VIGIL_OK);
    assert_int_equal(p.decim, 1); /* the block must divide the hop */
    assert_int_equal(dsp_velocity_plan_init(&p, 0, 512, 10.0f, 1000.0f), VIGIL_ERR_ARG);
    assert_int_equal(dsp_velocity_plan_init(&p, 48000, 0, 10.0f, 1000.0f), VIGIL_ERR_ARG);
    assert_int_equal(dsp_velocity_plan_init(&p, 48000, 512, 0.0f, 1000.0f), VIGIL_ERR_ARG);
    assert_int_equal(dsp_velocity_plan_init(&p, 48000, 512, 10.0f, 10.0f), VIGIL_ERR_ARG);
    assert_int_equal(dsp_velocity_plan_init(&p, 48000, 512, NAN, 1000.0f), VIGIL_ERR_ARG);
}

/* The ring's two pieces give the same bits as one piece. */
static void ring_pieces_change_nothing(void **state)
{
    (void)state;
    dsp_velocity_plan_t p;
    assert_int_equal(dsp_velocity_plan_init(&p, 26667, 512, 10.0f, 1000.0f), VIGIL_OK);
    static float ring[1024], line[1024];
    dsp_velocity_t a, b;
    dsp_velocity_restart(&a);
    dsp_velocity_restart(&b);
    uint32_t rng = 5;
    for (size_t k = 0; k < 200; k++) {
        /* window k: ring position k * 512 mod 1024 holds its oldest sample */
        const size_t pos = (k * 512u) % 1024u;
        for (size_t i = 0; i < 512; i++) {
            const float x = 1.0f + (float)(int32_t)(test_rand_u32(&rng) % 2001u - 1000u) / 1000.0f;
            ring[(pos + 512u + i) % 1024u] = x;
        }
        for (size_t i = 0; i < 1024; i++) {
            line[i] = ring[(pos + i) % 1024u];
        }
        const float va = dsp_velocity_window_f32(&p, &a, ring + pos, 1024 - pos, ring, 1024, 512, 1.0f);
        const float vb = dsp_velocity_window_f32(&p, &b, line, 1024, line, 1024, 512, 1.0f);
        assert_memory_equal(&va, &vb, sizeof va);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tone_sweep_within_ten_percent),
        cmocka_unit_test(slow_machines_and_odd_hops),
        cmocka_unit_test(plan_rules),
        cmocka_unit_test(ring_pieces_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
