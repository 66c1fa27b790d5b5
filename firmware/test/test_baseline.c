/*
 * The node's own baseline (src/nn/baseline.c, docs/detection.md §3): learning per speed within
 * the period, progress, detection between learned speeds, unseen conditions, the saved image.
 * The same scenarios as test/unit/models/detect.test.ts (node baseline learner), and the TS twin's
 * golden vectors window by window.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/nn/baseline.h"
#include "baseline_vectors.h" /* test/vectors, from scripts/gen-baseline-vectors.ts */

#define D 8u

/* Gaussian noise from xorshift32 (Box-Muller). */
static float gauss(uint32_t *rng)
{
    const float u1 = ((float)(test_rand_u32(rng) >> 8) + 0.5f) / 16777216.0f;
    const float u2 = ((float)(test_rand_u32(rng) >> 8) + 0.5f) / 16777216.0f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

/* Healthy log band energies whose mean moves with log rpm; `extra` adds to band 5 (a fault). */
static void window(float *x, float rpm, uint32_t *rng, float extra)
{
    for (unsigned b = 0; b < D; b++) {
        x[b] = -3.0f + (0.5f + 0.2f * (float)b) * logf(rpm / 1000.0f) + 0.1f * gauss(rng) + (b == 5 ? extra : 0.0f);
    }
}

static baseline_config_t config(void)
{
    baseline_config_t c;
    baseline_default_config(&c, D);
    c.period_windows = 1200;
    c.learn_windows = 250;
    c.calibrate_windows = 250;
    return c;
}

/* Learns 600 windows at 800 rpm then 600 at 1200 rpm; checks the progress it shows. */
static void learn_two_speeds(baseline_t *b)
{
    const baseline_config_t c = config();
    assert_int_equal(baseline_init(b, &c), VIGIL_OK);
    uint32_t rng = 11;
    float x[D];
    for (unsigned w = 0; w < 1200; w++) {
        const float rpm = w < 600 ? 800.0f : 1200.0f;
        window(x, rpm, &rng, 0.0f);
        const baseline_step_t s = baseline_step(b, x, rpm);
        assert_int_equal(s.state, BASELINE_LEARNING);
        assert_true(isnan(s.score));
        if (w == 0) {
            assert_int_equal(s.percent, 0);
        }
        if (w == 599) {
            assert_int_equal(s.percent, 50);
        }
        if (w == 1199) {
            assert_int_equal(s.percent, 99);
        }
    }
    assert_false(baseline_learning(b));
    assert_int_equal(b->slots, 2);
    assert_true(b->slot[0].rpm == 800.0f && b->slot[1].rpm == 1200.0f);
}

/* Windows over the threshold out of `n` at `rpm` (after the warm-up), counting unseen ones apart. */
static unsigned run(baseline_t *b, float rpm, float extra, uint32_t seed, unsigned n, unsigned *unseen)
{
    uint32_t rng = seed;
    float x[D];
    unsigned over = 0;
    *unseen = 0;
    baseline_restart(b);
    for (unsigned w = 0; w < n; w++) {
        window(x, rpm, &rng, extra);
        const baseline_step_t s = baseline_step(b, x, rpm);
        assert_int_equal(s.percent, 100);
        if (w < b->cfg.warmup) {
            continue;
        }
        over += s.state == BASELINE_OVER;
        *unseen += s.state == BASELINE_UNSEEN;
    }
    return over;
}

static void detects_between_learned_speeds(void **state)
{
    (void)state;
    static baseline_t b;
    learn_two_speeds(&b);
    unsigned unseen;
    assert_true(run(&b, 1000.0f, 0.0f, 13, 400, &unseen) <= 4u); /* healthy at an unlearned speed inside */
    assert_int_equal(unseen, 0);
    assert_true(run(&b, 1000.0f, 0.5f, 14, 400, &unseen) > 380u); /* a fault there */
    assert_int_equal(run(&b, 1600.0f, 2.0f, 15, 40, &unseen), 0); /* outside: never a fault */
    assert_int_equal(unseen, 32);
    assert_int_equal(run(&b, 0.0f, 2.0f, 16, 40, &unseen), 0); /* speed unknown */
    assert_int_equal(unseen, 32);
}

static void drops_a_speed_it_could_not_finish(void **state)
{
    (void)state;
    static baseline_t b;
    const baseline_config_t c = config();
    assert_int_equal(baseline_init(&b, &c), VIGIL_OK);
    uint32_t rng = 17;
    float x[D];
    for (unsigned w = 0; w < 1200; w++) {
        const float rpm = w < 700 ? 800.0f : 1200.0f;
        window(x, rpm, &rng, 0.0f);
        (void)baseline_step(&b, x, rpm);
    }
    assert_int_equal(b.slots, 1);
    window(x, 1200.0f, &rng, 0.0f);
    assert_int_equal(baseline_step(&b, x, 1200.0f).state, BASELINE_UNSEEN);
}

static void refuses_bad_configurations(void **state)
{
    (void)state;
    static baseline_t b;
    baseline_config_t c = config();
    c.dim = 0;
    assert_int_equal(baseline_init(&b, &c), VIGIL_ERR_ARG);
    c = config();
    c.dim = BASELINE_MAX_DIM + 1u;
    assert_int_equal(baseline_init(&b, &c), VIGIL_ERR_ARG);
    c = config();
    c.period_windows = 100;
    assert_int_equal(baseline_init(&b, &c), VIGIL_ERR_ARG);
    c = config();
    c.smoothing = 2.0f;
    assert_int_equal(baseline_init(&b, &c), VIGIL_ERR_ARG);
    assert_int_equal(baseline_init(NULL, &c), VIGIL_ERR_ARG);
}

static void saved_image_survives_a_power_cycle(void **state)
{
    (void)state;
    static baseline_t b, r;
    static uint8_t img[4096];
    const baseline_config_t c = config();
    size_t len = 0;
    assert_int_equal(baseline_init(&b, &c), VIGIL_OK);
    assert_int_equal(baseline_save(&b, img, sizeof img, &len), VIGIL_ERR_ARG); /* still learning */
    learn_two_speeds(&b);
    assert_int_equal(baseline_save(&b, img, 10, &len), VIGIL_ERR_NOSPACE);
    assert_int_equal(baseline_save(&b, img, sizeof img, &len), VIGIL_OK);
    assert_int_equal(len, baseline_image_len(&b));
    assert_int_equal(len, 16u + 2u * (8u + 8u * D) + 4u);
    assert_int_equal(baseline_load(&r, &c, img, len), VIGIL_OK);
    assert_false(baseline_learning(&r));
    unsigned u1, u2;
    assert_int_equal(run(&b, 1000.0f, 0.2f, 21, 300, &u1), run(&r, 1000.0f, 0.2f, 21, 300, &u2));
    assert_int_equal(u2, 0);

    baseline_config_t other = c;
    other.dim = D - 1u;
    assert_int_equal(baseline_load(&r, &other, img, len), VIGIL_ERR_SPEC);
    assert_int_equal(baseline_load(&r, &c, img, len - 1u), VIGIL_ERR_TRUNCATED);
    img[20] ^= 1u;
    assert_int_equal(baseline_load(&r, &c, img, len), VIGIL_ERR_CRC);
    assert_true(baseline_learning(&r)); /* refused: learns afresh */
    img[20] ^= 1u;
    img[0] = 'X';
    assert_int_equal(baseline_load(&r, &c, img, len), VIGIL_ERR_MAGIC);
    img[0] = 'V';
    img[4] = 2;
    assert_int_equal(baseline_load(&r, &c, img, len), VIGIL_ERR_VERSION);
}

/* models/detect/baseline.ts on the same float32 windows: same state and percent, score to float32 rounding. */
static void matches_the_typescript_twin(void **state)
{
    (void)state;
    static baseline_t b;
    const baseline_config_t c = {
        .dim = BV_DIM, .warmup = BV_WARMUP, .period_windows = BV_PERIOD, .learn_windows = BV_LEARN,
        .calibrate_windows = BV_CALIBRATE, .smoothing = BV_SMOOTHING, .span_tolerance = BV_TOLERANCE, .z = BV_Z,
    };
    assert_int_equal(baseline_init(&b, &c), VIGIL_OK);
    unsigned seen[4] = {0};
    for (unsigned w = 0; w < BV_WINDOWS; w++) {
        const bv_step_t *v = &bv_steps[w];
        if (v->restart) {
            baseline_restart(&b);
        }
        const baseline_step_t s = baseline_step(&b, v->bands, v->rpm);
        if ((unsigned)s.state != v->state || s.percent != v->percent) {
            print_error("window %u: state %d percent %u, the TS twin says %u and %u\n", w, (int)s.state, s.percent, v->state,
                        v->percent);
            fail();
        }
        if (isnan(v->score)) {
            assert_true(isnan(s.score));
        } else if (!(fabsf(s.score - v->score) <= 1e-3f * fabsf(v->score) + 1e-6f)) {
            print_error("window %u: score %.9g, the TS twin says %.9g\n", w, (double)s.score, (double)v->score);
            fail();
        }
        seen[v->state]++;
    }
    for (unsigned k = 0; k < 4; k++) {
        assert_true(seen[k] > 0); /* the vectors visit every state */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_between_learned_speeds),
        cmocka_unit_test(drops_a_speed_it_could_not_finish),
        cmocka_unit_test(refuses_bad_configurations),
        cmocka_unit_test(saved_image_survives_a_power_cycle),
        cmocka_unit_test(matches_the_typescript_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
