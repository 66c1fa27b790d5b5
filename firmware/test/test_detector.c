/* k-of-n debounce and event bookkeeping (docs/model-format.md §1.3, docs/protocol.md §3.3). */
#include "test_util.h"

#include <string.h>

#include "../src/nn/detector.h"

/* The rule as models/eval/threshold.ts debounceAlarms states it: a ring of the last n flags. */
static bool ref_active(const bool *over, size_t i, uint8_t k, uint8_t n)
{
    unsigned count = 0;
    for (size_t j = 0; j < n && j <= i; j++) {
        count += over[i - j];
    }
    return count >= k;
}

static void matches_the_reference_rule(void **state)
{
    (void)state;
    static bool over[5000];
    uint32_t rng = 3;
    for (int trial = 0; trial < 60; trial++) {
        const uint8_t n = (uint8_t)(1 + test_rand_u32(&rng) % 32);
        const uint8_t k = (uint8_t)(1 + test_rand_u32(&rng) % n);
        const unsigned p = test_rand_u32(&rng) % 100; /* percent of windows over */
        nn_detector_t d;
        assert_int_equal(nn_detector_init(&d, 1000, k, n), VIGIL_OK);
        bool active = false;
        uint32_t starts = 0, ends = 0;
        for (size_t i = 0; i < 5000; i++) {
            over[i] = test_rand_u32(&rng) % 100 < p;
            const uint32_t sumsq = over[i] ? 1001 + i : 1000 - (i % 7);
            const nn_detector_change_t c = nn_detector_push(&d, (uint32_t)i, sumsq);
            const bool want = ref_active(over, i, k, n);
            assert_int_equal(c, want && !active ? NN_DETECTOR_STARTED : !want && active ? NN_DETECTOR_ENDED : NN_DETECTOR_QUIET);
            if (c == NN_DETECTOR_STARTED) {
                assert_true(over[i]);
                assert_int_equal(d.event_id, starts);
                assert_true(over[d.start_window]);
                assert_true(i - d.start_window < n);
                for (size_t j = i - (n - 1u) <= i ? (i >= n - 1u ? i - (n - 1u) : 0) : 0; j < d.start_window; j++) {
                    assert_false(over[j]); /* nothing over before the start within the window */
                }
                assert_int_equal(d.peak_sumsq, 1001 + i); /* sumsq grows with i: the latest */
                starts++;
            }
            if (c == NN_DETECTOR_ENDED) {
                assert_true(over[d.last_over]);
                assert_true(d.last_over < i);
                ends++;
            }
            active = want;
        }
        assert_true(starts == ends || starts == ends + 1);
    }
}

static void three_of_five(void **state)
{
    (void)state;
    nn_detector_t d;
    assert_int_equal(nn_detector_init(&d, 10, 3, 5), VIGIL_OK);
    const uint32_t s[] = {0, 11, 0, 50, 0, 20, 0, 0, 0, 0, 0};
    const nn_detector_change_t want[] = {NN_DETECTOR_QUIET, NN_DETECTOR_QUIET, NN_DETECTOR_QUIET,
                                         NN_DETECTOR_QUIET, NN_DETECTOR_QUIET, NN_DETECTOR_STARTED,
                                         NN_DETECTOR_ENDED, NN_DETECTOR_QUIET, NN_DETECTOR_QUIET};
    /* windows 101, 103, 105 are over: 3 of the 5 ending at 105 start it; at 106 only 103 and 105
     * remain in the last five, so it ends there. */
    for (uint32_t i = 0; i < 9; i++) {
        assert_int_equal(nn_detector_push(&d, 100 + i, s[i]), want[i]);
        if (want[i] == NN_DETECTOR_STARTED) {
            assert_int_equal(d.start_window, 101);
            assert_int_equal(d.last_over, 105);
            assert_int_equal(d.peak_sumsq, 50);
        }
    }
    assert_int_equal(d.last_over, 105);
    /* A threshold equal to sumsq is not over (strictly greater). */
    assert_int_equal(nn_detector_init(&d, 10, 1, 1), VIGIL_OK);
    assert_int_equal(nn_detector_push(&d, 0, 10), NN_DETECTOR_QUIET);
    assert_int_equal(nn_detector_push(&d, 1, 11), NN_DETECTOR_STARTED);
    assert_int_equal(nn_detector_reset(&d), NN_DETECTOR_ENDED);
    assert_int_equal(nn_detector_reset(&d), NN_DETECTOR_QUIET);
    assert_int_equal(nn_detector_push(&d, 0, 11), NN_DETECTOR_STARTED);
    assert_int_equal(d.event_id, 1); /* ids keep counting across streams */

    assert_int_equal(nn_detector_init(&d, 0, 0, 5), VIGIL_ERR_ARG);
    assert_int_equal(nn_detector_init(&d, 0, 6, 5), VIGIL_ERR_ARG);
    assert_int_equal(nn_detector_init(&d, 0, 1, 33), VIGIL_ERR_ARG);
    assert_int_equal(nn_detector_init(&d, 0, 32, 32), VIGIL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_the_reference_rule),
        cmocka_unit_test(three_of_five),
    };
    return cmocka_run_group_tests_name("detector", tests, NULL, NULL);
}
