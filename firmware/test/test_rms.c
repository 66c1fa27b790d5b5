#include "test_util.h"

#include <math.h>

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
    /* Worst-case error of a sequential float32 sum is about n * 2^-24 * |x| = 6e-6 here; the mean
     * is off by that much at most, and so is the "rms" of the residue (measured: 9.7e-7). */
    assert_true(dsp_rms_f32(g_x, N) < 1e-5f);
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

static void window_init_checks_arguments(void **state)
{
    (void)state;
    dsp_window_f32_t w;
    float buf[8];
    assert_int_equal(dsp_window_init_f32(&w, NULL, 8, 4), VIGIL_ERR_ARG);
    assert_int_equal(dsp_window_init_f32(&w, buf, 0, 1), VIGIL_ERR_ARG);
    assert_int_equal(dsp_window_init_f32(&w, buf, 8, 0), VIGIL_ERR_ARG);
    assert_int_equal(dsp_window_init_f32(&w, buf, 8, 9), VIGIL_ERR_ARG);
    assert_int_equal(dsp_window_init_f32(&w, buf, 8, 8), VIGIL_OK);
    assert_int_equal(dsp_window_init_f32(&w, buf, 1, 1), VIGIL_OK);
}

/* Windows complete after window_len samples, then every hop, each holding the latest samples. */
static void window_slides_by_hop(void **state)
{
    (void)state;
    static const size_t cases[][2] = {{4, 2}, {4, 4}, {4, 1}, {5, 3}, {1, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = cases[c][0], hop = cases[c][1];
        float buf[8];
        dsp_window_f32_t w;
        assert_int_equal(dsp_window_init_f32(&w, buf, len, hop), VIGIL_OK);
        size_t windows = 0;
        for (size_t i = 1; i <= 40; i++) {
            bool complete = dsp_window_push_f32(&w, (float)i);
            bool expect = i >= len && (i - len) % hop == 0;
            assert_int_equal(complete, expect);
            if (complete) {
                for (size_t k = 0; k < len; k++) {
                    assert_true(w.buf[k] == (float)(i - len + 1 + k));
                }
                windows++;
            }
        }
        assert_int_equal(windows, (40 - len) / hop + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_is_zero),
        cmocka_unit_test(square_wave_is_amplitude),
        cmocka_unit_test(sine_is_amplitude_over_sqrt2),
        cmocka_unit_test(empty_window_is_zero),
        cmocka_unit_test(window_init_checks_arguments),
        cmocka_unit_test(window_slides_by_hop),
    };
    return cmocka_run_group_tests_name("rms", tests, NULL, NULL);
}
