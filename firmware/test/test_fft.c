/*
 * The real FFT against a direct DFT in double precision, for every compiled-in size, and the plan
 * tables against their definitions. Random input, so a wrong twiddle, permutation or split shows
 * up as an error far above float32 rounding.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/dsp/fft.h"

#define PI 3.14159265358979323846

static float g_y[DSP_FFT_MAX];
static float g_buf[DSP_FFT_MAX];
static float g_power[DSP_FFT_MAX / 2 + 1];
static double g_ref[DSP_FFT_MAX / 2 + 1];

static void fill_random(float *y, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = (float)(test_rand_u32(&seed) % 20001u) / 10000.0f - 1.0f;
    }
}

/* |Y_k|^2 of the real DFT, k = 0 .. n/2, in double. */
static void dft_power(const float *y, size_t n, double *out)
{
    for (size_t k = 0; k <= n / 2; k++) {
        double re = 0.0, im = 0.0;
        for (size_t t = 0; t < n; t++) {
            double a = 2.0 * PI * (double)((k * t) % n) / (double)n;
            re += y[t] * cos(a);
            im -= y[t] * sin(a);
        }
        out[k] = re * re + im * im;
    }
}

static void load(const dsp_fft_plan_t *p, const float *y)
{
    for (size_t c = 0; c < p->n / 2; c++) {
        g_buf[2 * p->perm[c]] = y[2 * c];
        g_buf[2 * p->perm[c] + 1] = y[2 * c + 1];
    }
}

static void power_matches_dft_for_every_size(void **state)
{
    (void)state;
    size_t sizes = 0;
    for (const dsp_fft_plan_t *const *pp = dsp_fft_plans; *pp != NULL; pp++, sizes++) {
        const dsp_fft_plan_t *p = *pp;
        const size_t n = p->n;
        fill_random(g_y, n, 1234u + (uint32_t)n);
        dft_power(g_y, n, g_ref);
        load(p, g_y);
        dsp_rfft_power_f32(p, g_buf, g_power, false, 0.0f);
        double peak = 0.0, worst = 0.0;
        for (size_t k = 0; k <= n / 2; k++) {
            peak = fmax(peak, g_ref[k]);
        }
        for (size_t k = 0; k <= n / 2; k++) {
            worst = fmax(worst, fabs(g_power[k] / 4.0 - g_ref[k]) / peak);
        }
        print_message("N=%zu stages %u+%ux8: worst |error| / peak power = %.2e\n", n, p->first_radix,
                      p->stages8, worst);
        /* float32 rounding over log2(N) stages: about 1e-7 * log2 N relative to the peak. */
        assert_true(worst < 2e-6);

        /* accumulate adds: a second pass doubles every bin (the same input gives the same bits). */
        load(p, g_y);
        dsp_rfft_power_f32(p, g_buf, g_power, true, 0.0f);
        for (size_t k = 0; k <= n / 2; k++) {
            assert_true(fabs(g_power[k] / 8.0 - g_ref[k]) / peak < 4e-6);
        }
    }
    assert_true(sizes >= 1);
}

/* A pure cosine on bin 5 puts all of its power in bins 5 (and nothing at DC or elsewhere). */
static void tone_lands_in_its_bin(void **state)
{
    (void)state;
    const dsp_fft_plan_t *p = dsp_fft_plan_find(1024);
    assert_non_null(p);
    for (size_t t = 0; t < 1024; t++) {
        g_y[t] = (float)cos(2.0 * PI * 5.0 * (double)t / 1024.0);
    }
    load(p, g_y);
    dsp_rfft_power_f32(p, g_buf, g_power, false, 0.0f);
    /* |Y_5| = N/2 = 512, so power = 4 * 512^2. */
    assert_true(fabs(g_power[5] - 4.0 * 512.0 * 512.0) < 1.0);
    for (size_t k = 0; k <= 512; k++) {
        if (k != 5) {
            assert_true(g_power[k] < 1e-3);
        }
    }
}

static void plan_tables_match_their_definitions(void **state)
{
    (void)state;
    for (const dsp_fft_plan_t *const *pp = dsp_fft_plans; *pp != NULL; pp++) {
        const dsp_fft_plan_t *p = *pp;
        const size_t n = p->n, m = n / 2;
        /* perm is a permutation */
        static uint8_t seen[DSP_FFT_MAX / 2];
        memset(seen, 0, sizeof seen);
        for (size_t c = 0; c < m; c++) {
            assert_true(p->perm[c] < m);
            assert_int_equal(seen[p->perm[c]], 0);
            seen[p->perm[c]] = 1;
        }
        double sum_sq = 0.0;
        for (size_t i = 0; i < n; i++) {
            double w = p->hann[i <= m ? i : n - i];
            assert_true(fabs(w - (0.5 - 0.5 * cos(2.0 * PI * (double)i / (double)n))) <= 6e-8);
            sum_sq += w * w;
        }
        assert_true(fabs(sum_sq - 3.0 * (double)n / 8.0) < 1e-5 * (double)n);
        assert_true(fabs(p->hann_sum_sq - sum_sq) <= 1e-6 * sum_sq);
        for (size_t k = 0; k <= m / 2; k++) {
            assert_true(fabs(p->split_tw[2 * k] - cos(2.0 * PI * (double)k / (double)n)) <= 6e-8);
            assert_true(fabs(p->split_tw[2 * k + 1] + sin(2.0 * PI * (double)k / (double)n)) <= 6e-8);
        }
    }
    assert_null(dsp_fft_plan_find(1000));
    assert_null(dsp_fft_plan_find(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(power_matches_dft_for_every_size),
        cmocka_unit_test(tone_lands_in_its_bin),
        cmocka_unit_test(plan_tables_match_their_definitions),
    };
    return cmocka_run_group_tests_name("fft", tests, NULL, NULL);
}
