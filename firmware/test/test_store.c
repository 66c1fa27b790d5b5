/*
 * The model store on a simulated NOR flash, with the power cut at every flash operation of an
 * update (the MCUboot habit): after any cut, the next boot runs the old model or the complete new
 * one, never a damaged one and never none.
 */
#include "test_util.h"

#include <string.h>

#include "../src/nn/default_model.h"
#include "../src/nn/infer.h"
#include "../src/nn/model.h"
#include "../src/store/flash_ram.h"
#include "../src/proto/le.h"
#include "../src/store/store.h"
#include "flash_cut.h"
#include "model_check.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "nn_vectors.h"
#pragma GCC diagnostic pop

#define SLOT_SIZE 10240u

static _Alignas(4) uint8_t g_mem[STORE_SLOTS * SLOT_SIZE];
static _Alignas(4) uint8_t g_snapshot[STORE_SLOTS * SLOT_SIZE];
static store_flash_t g_ram_flash;
static flash_ram_t g_ram;

static flash_cut_t g_cut;

static store_flash_t cut_flash(long ops_left)
{
    return flash_cut(&g_cut, &g_ram_flash, g_mem, ops_left);
}

/* ---- the node's acceptance test: a valid blob whose self-test passes ---- */
static uint32_t g_reject_version; /* a model version the "node" refuses (spec mismatch stand-in) */

static vigil_status_t accept(void *ctx, const uint8_t *blob, size_t len)
{
    (void)ctx;
    if (len >= NN_MODEL_HEADER_LEN && proto_get_u32le(blob + 12) == g_reject_version) {
        return VIGIL_ERR_SPEC;
    }
    return model_check(NULL, NULL, blob, len);
}

static uint32_t booted_version(const store_flash_t *f, store_t *s)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    assert_int_equal(store_init(s, f), VIGIL_OK);
    const vigil_status_t st = store_boot(s, accept, NULL, &blob, &len);
    if (st == VIGIL_ERR_EMPTY) {
        return 0;
    }
    assert_int_equal(st, VIGIL_OK);
    nn_model_t m;
    assert_int_equal(nn_model_parse(&m, blob, len, NULL), VIGIL_OK);
    return m.model_version;
}

static int setup(void **state)
{
    (void)state;
    g_reject_version = 0;
    return flash_ram_init(&g_ram_flash, &g_ram, g_mem, SLOT_SIZE) == VIGIL_OK ? 0 : -1;
}

static void empty_store_boots_nothing(void **state)
{
    (void)state;
    store_t s;
    assert_int_equal(booted_version(&g_ram_flash, &s), 0);
    assert_int_equal(s.active, -1);
    assert_int_equal(store_slot_info(&s, 0).state, STORE_SLOT_EMPTY);
}

static void write_trial_confirm_and_alternate(void **state)
{
    (void)state;
    store_t s;
    assert_int_equal(store_init(&s, &g_ram_flash), VIGIL_OK);
    assert_int_equal(store_write(&s, nn_default_model_blob, nn_default_model_len), VIGIL_OK); /* v1 */
    assert_int_equal(store_slot_info(&s, 0).state, STORE_SLOT_PENDING);
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    assert_int_equal(store_slot_info(&s, 0).state, STORE_SLOT_CONFIRMED);
    const int first = s.active;

    assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK); /* v7 */
    assert_int_equal(booted_version(&g_ram_flash, &s), 7);
    assert_int_not_equal(s.active, first); /* written beside the running one */
    assert_int_equal(booted_version(&g_ram_flash, &s), 7); /* stable across boots */

    /* The next write replaces the older slot, never the running one. An older model written
     * after a newer one (a replay) is rejected without a trial: the newer keeps running. */
    const int running = s.active;
    assert_int_equal(store_write(&s, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_int_equal(store_slot_info(&s, (uint32_t)running).state, STORE_SLOT_CONFIRMED);
    assert_int_equal(store_slot_info(&s, (uint32_t)(1 - running)).state, STORE_SLOT_PENDING);
    assert_int_equal(store_slot_info(&s, (uint32_t)(1 - running)).version, 1);
    assert_int_equal(booted_version(&g_ram_flash, &s), 7); /* highest version, not newest write */
    assert_int_equal(s.active, running);
    assert_int_equal(store_slot_info(&s, (uint32_t)(1 - running)).state, STORE_SLOT_REJECTED);

    /* A model the node refuses at its trial is rejected for good; the other keeps running. */
    memset(g_mem, 0xFF, sizeof g_mem);
    assert_int_equal(store_write(&s, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    g_reject_version = 7;
    assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK);
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    g_reject_version = 0;
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    uint32_t rejected = 0;
    for (uint32_t i = 0; i < STORE_SLOTS; i++) {
        rejected += store_slot_info(&s, i).state == STORE_SLOT_REJECTED;
    }
    assert_int_equal(rejected, 1);

    /* Too big for a slot; a NULL blob. */
    static uint8_t big[SLOT_SIZE];
    assert_int_equal(store_write(&s, big, SLOT_SIZE - STORE_TRAILER_LEN + 1), VIGIL_ERR_LIMIT);
    assert_int_equal(store_write(&s, NULL, 10), VIGIL_ERR_ARG);
}

static void confirmed_but_no_longer_accepted_falls_back(void **state)
{
    (void)state;
    store_t s;
    assert_int_equal(store_init(&s, &g_ram_flash), VIGIL_OK);
    assert_int_equal(store_write(&s, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK);
    assert_int_equal(booted_version(&g_ram_flash, &s), 7);
    g_reject_version = 7; /* e.g. the node was reconfigured: the newest no longer fits */
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    g_reject_version = 0;
    assert_int_equal(booted_version(&g_ram_flash, &s), 7); /* not rejected for good */
    /* A damaged blob in a confirmed slot (flash bit rot) is skipped by its CRC. */
    g_mem[(size_t)s.active * SLOT_SIZE + 100] ^= 0x04;
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
}

static void power_cut_at_every_operation(void **state)
{
    (void)state;
    store_t s;
    /* Model v1 confirmed and running. */
    assert_int_equal(store_init(&s, &g_ram_flash), VIGIL_OK);
    assert_int_equal(store_write(&s, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_int_equal(booted_version(&g_ram_flash, &s), 1);
    memcpy(g_snapshot, g_mem, sizeof g_mem);

    /* How many operations an uncut update takes: write v7, then the boot that trials it. */
    store_flash_t f = cut_flash(-1);
    assert_int_equal(booted_version(&f, &s), 1);
    assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK);
    assert_int_equal(booted_version(&f, &s), 7);
    const long total = g_cut.ops;
    assert_true(total >= 8);

    unsigned old_runs = 0, new_runs = 0;
    for (long cut = 0; cut < total; cut++) {
        memcpy(g_mem, g_snapshot, sizeof g_mem);
        f = cut_flash(cut);
        if (booted_version(&f, &s) == 1 && !g_cut.dead) {
            vigil_status_t st = store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
            if (!g_cut.dead) {
                assert_int_equal(st, VIGIL_OK);
                const uint8_t *b;
                size_t l;
                st = store_boot(&s, accept, NULL, &b, &l);
                assert_true(st == VIGIL_OK || g_cut.dead);
            }
        }
        assert_true(g_cut.dead);
        /* Power back: boot twice on healthy flash. */
        const uint32_t v = booted_version(&g_ram_flash, &s);
        print_message("cut at operation %ld of %ld: boots model v%u\n", cut, total, (unsigned)v);
        assert_true(v == 1 || v == 7);
        assert_int_equal(booted_version(&g_ram_flash, &s), v);
        old_runs += v == 1;
        new_runs += v == 7;
        /* And the store still takes the update afterwards. */
        assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK);
        assert_int_equal(booted_version(&g_ram_flash, &s), 7);
    }
    assert_true(old_runs > 0);
    print_message("%ld cuts: %u kept the old model, %u ran the new one\n", total, old_runs, new_runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(empty_store_boots_nothing, setup),
        cmocka_unit_test_setup(write_trial_confirm_and_alternate, setup),
        cmocka_unit_test_setup(confirmed_but_no_longer_accepted_falls_back, setup),
        cmocka_unit_test_setup(power_cut_at_every_operation, setup),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
