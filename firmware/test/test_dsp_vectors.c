/*
 * The float32 feature extractor against the TypeScript reference (test/vectors/dsp_vectors.h,
 * generated from models/features by scripts/gen-dsp-vectors.ts). The samples go through the same
 * windower the node uses, so ring seams (odd hops included) are exercised too.
 *
 * The tolerances, and the worst errors measured, are in dsp_tolerances.h (shared with the
 * on-target self-test, boards/qemu/selftest_main.c).
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../boards/host/csv.h"
#include "../src/dsp/features.h"
#include "../src/dsp/windower.h"
#include "dsp_tolerances.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "dsp_vectors.h"
#pragma GCC diagnostic pop


#define MAX_FRAMES 4096u

static float g_frames[MAX_FRAMES * 3];
static float g_storage[3 * DSP_FFT_MAX];
static float g_scratch[DSP_FEATURES_SCRATCH_FLOATS(DSP_FFT_MAX)];

typedef struct {
    double rms, peak, crest, kurtosis, velocity, bands;
} worst_t;

static double rel(double got, double want)
{
    if (got == want) {
        return 0.0;
    }
    return fabs(got - want) / fmax(fabs(want), 1e-30);
}

static size_t load_samples(const vec_dsp_case_t *c)
{
    assert_true(c->rows <= MAX_FRAMES);
    if (c->samples_bits != NULL) {
        memcpy(g_frames, c->samples_bits, (size_t)c->rows * c->axis_count * sizeof(float));
        return c->rows;
    }
    static csv_reader_t r;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", VIGIL_REPO_ROOT, c->csv);
    assert_int_equal(csv_open(&r, path, c->columns), VIGIL_OK);
    float row[3];
    for (uint32_t i = 0; i < c->start_row; i++) {
        assert_int_equal(csv_read_row(&r, row), 1);
    }
    for (uint32_t i = 0; i < c->rows; i++) {
        assert_int_equal(csv_read_row(&r, &g_frames[i * c->axis_count]), 1);
    }
    csv_close(&r);
    return c->rows;
}

static void spec_of(const vec_dsp_case_t *c, dsp_feature_spec_t *s)
{
    memset(s, 0, sizeof *s);
    s->sample_rate_hz = c->sample_rate_hz;
    s->window_len = c->window_len;
    s->hop = c->hop;
    s->segment_len = c->segment_len;
    s->band_count = c->band_count;
    memcpy(s->band_edges, c->band_edges, (c->band_count + 1u) * sizeof(uint16_t));
    s->velocity_lo_hz = c->velocity_lo_hz;
    s->velocity_hi_hz = c->velocity_hi_hz;
}

static void run_case(const vec_dsp_case_t *c, worst_t *w)
{
    dsp_feature_spec_t spec;
    spec_of(c, &spec);
    static dsp_features_t feat;
    assert_int_equal(dsp_features_init(&feat, &spec), VIGIL_OK);
    static dsp_velocity_t vel[3];
    for (size_t a = 0; a < 3; a++) {
        dsp_velocity_restart(&vel[a]);
    }
    static dsp_windower_t win;
    assert_int_equal(dsp_windower_init(&win, g_storage, sizeof g_storage / sizeof g_storage[0],
                                       c->axis_count, c->window_len, c->hop),
                     VIGIL_OK);
    const size_t rows = load_samples(c);
    size_t done = 0, k = 0;
    while (done < rows) {
        bool complete = false;
        done += dsp_windower_push(&win, &g_frames[done * c->axis_count], rows - done, &complete);
        if (!complete) {
            continue;
        }
        assert_true(k < c->n_windows);
        const vec_dsp_window_t *v = &c->windows[k];
        assert_int_equal(v->window_index, k);
        for (size_t a = 0; a < c->axis_count; a++) {
            const float *p0, *p1;
            size_t n0;
            dsp_windower_view(&win, a, &p0, &n0, &p1);
            dsp_axis_features_t got;
            float bands[DSP_BANDS_MAX];
            dsp_features_axis_f32(&feat, p0, n0, p1, g_scratch, &got, bands);
            const vec_dsp_axis_t *e = &v->axes[a];
            w->rms = fmax(w->rms, rel(got.rms, e->rms));
            w->peak = fmax(w->peak, rel(got.peak, e->peak));
            w->crest = fmax(w->crest, rel(got.crest, e->crest));
            w->kurtosis = fmax(w->kurtosis, rel(got.kurtosis, e->kurtosis));
            const float velocity = dsp_velocity_window_f32(&feat.vel, &vel[a], p0, n0, p1, c->window_len, c->hop, got.mean);
            w->velocity = fmax(w->velocity, rel(velocity, e->velocity_mm_s));
            for (size_t b = 0; b < c->band_count; b++) {
                w->bands = fmax(w->bands, fabs((double)bands[b] - v->log_bands[a * c->band_count + b]));
            }
        }
        k++;
    }
    assert_int_equal(k, c->n_windows);
}

static void features_match_typescript(void **state)
{
    (void)state;
    assert_true(VEC_DSP_CASES_COUNT > 0);
    worst_t all = {0};
    for (size_t i = 0; i < VEC_DSP_CASES_COUNT; i++) {
        const vec_dsp_case_t *c = &VEC_DSP_CASES[i];
        worst_t w = {0};
        run_case(c, &w);
        print_message("%-32s rms %.1e  peak %.1e  crest %.1e  kurtosis %.1e  velocity %.1e  "
                      "log-bands %.1e abs\n",
                      c->name, w.rms, w.peak, w.crest, w.kurtosis, w.velocity, w.bands);
        all.rms = fmax(all.rms, w.rms);
        all.peak = fmax(all.peak, w.peak);
        all.crest = fmax(all.crest, w.crest);
        all.kurtosis = fmax(all.kurtosis, w.kurtosis);
        all.velocity = fmax(all.velocity, w.velocity);
        all.bands = fmax(all.bands, w.bands);
    }
    assert_true(all.rms <= TOL_RMS_REL);
    assert_true(all.peak <= TOL_PEAK_REL);
    assert_true(all.crest <= TOL_CREST_REL);
    assert_true(all.kurtosis <= TOL_KURTOSIS_REL);
    assert_true(all.velocity <= TOL_VELOCITY_REL);
    assert_true(all.bands <= TOL_LOG_BANDS_ABS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(features_match_typescript),
    };
    return cmocka_run_group_tests_name("dsp_vectors", tests, NULL, NULL);
}
