/*
 * The node learning its own baseline (docs/detection.md §3), end to end through the node core:
 * a node without a model learns for the period CONFIG key 10 sets, at the speeds CONFIG key 4 tells,
 * then detects against what it learned (an EVENT on a fault, none on healthy data at a speed
 * between the learned ones), reports a speed outside them as an unseen condition (never a score,
 * never a fault), keeps what it learned across a power cycle (and across a power cut at every
 * flash operation of the record), and gives way to a deployed model.
 *
 * The signal (2 axes, 48 kHz): white noise and a 2 kHz resonance whose levels grow with speed as
 * rpm^1.5 (so every band's log energy is linear in log rpm, as the learner interpolates); the
 * fault adds a 6 kHz tone.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "../src/nn/default_model.h"
#include "../src/node/node.h"
#include "../src/proto/crc32.h"
#include "../src/proto/le.h"
#include "../src/store/baseline_store.h"
#include "../src/store/flash_ram.h"
#include "../src/store/store.h"
#include "flash_cut.h"

/* What the node sent, deframed as it arrives. */
typedef struct {
    frame_deframer_t d;
    uint32_t features, events_started, events_ended, acks, nacks, hellos;
    uint8_t detector, percent, hello_detector;
    float score;
    bool score_nan;            /* a FEATURES score was ever NaN */
    bool score_while_unscored; /* a score >= 0 while learning or unseen */
    float threshold, hello_threshold; /* the state's threshold (1.4) of the last FEATURES, HELLO */
    bool threshold_while_unscored;    /* a threshold >= 0 while learning or unseen */
    msg_event_t last_event;
} seen_t;

static seen_t g_seen;

static vigil_status_t seen_write(void *ctx, const uint8_t *data, size_t len)
{
    seen_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        frame_view_t v;
        if (!frame_deframer_push_u8(&s->d, data[i], &v)) {
            continue;
        }
        if (v.type == MSG_TYPE_FEATURES) {
            static msg_features_t f;
            assert_int_equal(msg_features_decode(v.payload, v.payload_len, &f), VIGIL_OK);
            assert_true(f.has_state);
            s->features++;
            s->detector = f.detector;
            s->percent = f.learn_percent;
            s->score = f.anomaly_score;
            s->score_nan |= isnan(f.anomaly_score);
            s->score_while_unscored |= (f.detector == MSG_DETECTOR_LEARNING || f.detector == MSG_DETECTOR_UNSEEN) &&
                                       f.anomaly_score >= 0.0f;
            assert_true(f.has_threshold);
            s->threshold = f.threshold;
            s->threshold_while_unscored |= (f.detector == MSG_DETECTOR_LEARNING || f.detector == MSG_DETECTOR_UNSEEN) &&
                                           f.threshold >= 0.0f;
        } else if (v.type == MSG_TYPE_EVENT) {
            assert_int_equal(msg_event_decode(v.payload, v.payload_len, &s->last_event), VIGIL_OK);
            s->events_started += s->last_event.state == MSG_EVENT_STARTED;
            s->events_ended += s->last_event.state == MSG_EVENT_ENDED;
        } else if (v.type == MSG_TYPE_ACK) {
            s->acks++;
        } else if (v.type == MSG_TYPE_NACK) {
            s->nacks++;
        } else if (v.type == MSG_TYPE_HELLO) {
            static msg_hello_t h;
            assert_int_equal(msg_hello_decode(v.payload, v.payload_len, &h), VIGIL_OK);
            assert_true(h.info.has_state);
            s->hellos++;
            s->hello_detector = h.info.detector;
            assert_true(h.info.has_threshold);
            s->hello_threshold = h.info.threshold;
        }
    }
    return VIGIL_OK;
}

static node_t g_node;
static _Alignas(4) uint8_t g_bl_mem[2 * 4096];
static store_flash_t g_bl_flash;
static flash_ram_t g_bl_ram;

static void boot(const store_t *store)
{
    frame_deframer_init(&g_seen.d);
    node_config_t cfg = {
        .axis_count = 2,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = 48000,
        .name = "learn-node",
        .channels = "x,y",
        .board = MSG_BOARD_HOST,
        .send_bands = true,
        .samples_in = true,
        .link = {[NODE_LINK_WIRED] = {seen_write, &g_seen}},
        .store = store,
        .baseline_flash = &g_bl_flash,
    };
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
}

/* CONFIG_SET over the wired link: shaft speed (rpm; < 0: not sent) and a learning period (0: not sent). */
static void config_set(float rpm, uint32_t learn)
{
    uint8_t shaft[4], period[4];
    proto_put_f32le(shaft, rpm / 60.0f);
    proto_put_u32le(period, learn);
    msg_config_entry_t e[2];
    size_t n = 0;
    if (rpm >= 0.0f) {
        e[n++] = (msg_config_entry_t){MSG_CFG_SHAFT_HZ, 4, shaft};
    }
    if (learn != 0) {
        e[n++] = (msg_config_entry_t){MSG_CFG_LEARN_WINDOWS, 4, period};
    }
    uint8_t p[32], wire[FRAME_WIRE_MAX(32)];
    size_t plen = 0, wlen = 0;
    assert_int_equal(msg_config_encode(e, n, p, sizeof p, &plen), VIGIL_OK);
    assert_int_equal(frame_build(MSG_TYPE_CONFIG_SET, 7, p, plen, wire, sizeof wire, &wlen), VIGIL_OK);
    const uint32_t acks = g_seen.acks;
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, wlen);
    assert_int_equal(g_seen.acks, acks + 1);
}

static uint32_t g_rng = 12345u;

static float gauss(void)
{
    const float u1 = ((float)(test_rand_u32(&g_rng) >> 8) + 1.0f) / 16777217.0f;
    const float u2 = (float)(test_rand_u32(&g_rng) >> 8) / 16777216.0f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

/* `windows` hops of the machine at rpm, with the fault tone or not. */
static void run(float rpm, bool fault, uint32_t windows)
{
    static float frames[512 * 2];
    static uint64_t t;
    const float level = powf(rpm / 1000.0f, 1.5f);
    for (uint32_t w = 0; w < windows; w++) {
        for (size_t i = 0; i < 512; i++, t++) {
            const float s = (float)t / 48000.0f;
            const float reso = 0.1f * level * sinf(6.2831853f * 2000.0f * s);
            const float tone = fault ? 0.05f * sinf(6.2831853f * 6000.0f * s) : 0.0f;
            frames[2 * i] = 0.05f * level * gauss() + reso + tone;
            frames[2 * i + 1] = 0.03f * level * gauss() + 0.5f * reso + tone;
        }
        assert_int_equal(node_push_samples(&g_node, frames, 512), VIGIL_OK);
    }
}

static int setup(void **state)
{
    (void)state;
    memset(&g_seen, 0, sizeof g_seen);
    memset(g_bl_mem, 0xFF, sizeof g_bl_mem);
    return flash_ram_init(&g_bl_flash, &g_bl_ram, g_bl_mem, 4096) == VIGIL_OK ? 0 : -1;
}

#define PERIOD 1100u /* two speeds of (1100 - 16) / 5 = 216 learning and 216 calibration windows */

/* Learns at 800 and 1200 rpm. */
static void learn_two_speeds(void)
{
    config_set(800.0f, PERIOD);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_LEARNING);
    run(800.0f, false, PERIOD / 2);
    assert_int_equal(g_seen.detector, MSG_DETECTOR_LEARNING);
    assert_in_range(g_seen.percent, 45, 55);
    config_set(1200.0f, 0);
    run(1200.0f, false, PERIOD / 2 + 2); /* the first window needs two hops */
    assert_int_equal(g_seen.detector, MSG_DETECTOR_BASELINE);
    assert_int_equal(g_seen.percent, 100);
    assert_int_equal(g_node.run.bl.slots, 2);
    assert_int_equal(g_node.stats.baseline_saves, 1);
}

static void learns_detects_and_knows_what_it_has_not_seen(void **state)
{
    (void)state;
    boot(NULL);
    node_baseline_boot(&g_node); /* no model: learning from the start */
    (void)node_send_hello(&g_node);
    assert_int_equal(g_seen.hello_detector, MSG_DETECTOR_LEARNING);
    assert_true(g_seen.hello_threshold == MSG_NO_THRESHOLD); /* nothing to state while learning */
    learn_two_speeds();
    assert_int_equal(g_seen.events_started, 0);

    /* Healthy at 1000 rpm, between the learned speeds: no alarm. */
    config_set(1000.0f, 0);
    node_restart_stream(&g_node);
    run(1000.0f, false, 300);
    assert_int_equal(g_seen.detector, MSG_DETECTOR_BASELINE);
    assert_true(g_seen.score >= 0.0f);
    assert_int_equal(g_seen.events_started, 0);
    /* The node states its learned threshold before any alarm (protocol 1.4), in FEATURES and on
     * request; between the thresholds it learned at 800 and 1200 rpm. */
    const float t1000 = g_seen.threshold;
    assert_true(t1000 > 0.0f);
    (void)node_send_hello(&g_node);
    assert_true(g_seen.hello_threshold == t1000);
    {
        float lo = 1e30f, hi = 0.0f;
        for (size_t k = 0; k < g_node.run.bl.slots; k++) {
            const float t = powf(10.0f, g_node.run.bl.slot[k].log_threshold);
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
        }
        assert_true(t1000 >= lo * 0.999f && t1000 <= hi * 1.001f);
    }

    /* A fault at 1000 rpm: an EVENT from the baseline (model version 0). */
    run(1000.0f, true, 60);
    assert_int_equal(g_seen.events_started, 1);
    assert_int_equal(g_seen.last_event.model_version, 0);
    assert_int_equal(g_seen.last_event.debounce_k, NODE_BASELINE_K);
    assert_true(g_seen.last_event.peak_score > g_seen.last_event.threshold);
    assert_true(g_seen.last_event.threshold > 0.0f);
    assert_true(g_seen.last_event.threshold == t1000); /* the threshold it stated before */

    /* Healthy at 2400 rpm, outside the learned span: an unseen condition, not a fault. */
    config_set(2400.0f, 0);
    run(2400.0f, false, 100);
    assert_int_equal(g_seen.detector, MSG_DETECTOR_UNSEEN);
    assert_true(g_seen.score < 0.0f);
    assert_int_equal(g_seen.events_started, 1);
    assert_int_equal(g_seen.events_ended, 1); /* the fault's alarm ended, nothing new started */
    (void)node_send_hello(&g_node);
    assert_int_equal(g_seen.hello_detector, MSG_DETECTOR_UNSEEN);
    assert_true(g_seen.hello_threshold == MSG_NO_THRESHOLD);
    assert_false(g_seen.score_nan);
    assert_false(g_seen.score_while_unscored);
    assert_false(g_seen.threshold_while_unscored);

    /* Power cycle: the learned baseline comes back from its record, no learning again. */
    memset(&g_node, 0xA5, sizeof g_node);
    boot(NULL);
    node_baseline_boot(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_BASELINE);
    config_set(1000.0f, 0);
    run(1000.0f, false, 100);
    assert_int_equal(g_seen.detector, MSG_DETECTOR_BASELINE);
    assert_int_equal(g_seen.events_started, 1);
    run(1000.0f, true, 60);
    assert_int_equal(g_seen.events_started, 2);

    /* The built-in model does not outrank a baseline the technician asked for; a model set over
     * it replaces it (its FEATURES say "model"). */
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_MODEL);
    assert_false(g_node.bl_on);
    run(1000.0f, false, 3);
    assert_int_equal(g_seen.detector, MSG_DETECTOR_MODEL);
    assert_true(g_seen.score >= 0.0f);
    /* Now the model's threshold as a score, from its file (model-format §1). */
    const nn_model_t *m = &g_node.run.nn.model;
#if NN_SPEED_SECTION
    const float tm = g_node.run.nn.speed_on ? g_node.run.nn.speed.threshold : nn_score_f32(m, m->threshold_sumsq);
#else
    const float tm = nn_score_f32(m, m->threshold_sumsq);
#endif
    assert_true(tm > 0.0f && tm != t1000);
    assert_true(g_seen.threshold == tm);
    /* Cleared again: the baseline is back from its record. */
    node_clear_model(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_BASELINE);
}

static void a_deployed_model_replaces_the_baseline_at_boot(void **state)
{
    (void)state;
    static _Alignas(4) uint8_t store_mem[2 * 10240];
    static store_flash_t sf;
    static flash_ram_t sram;
    static store_t store;
    memset(store_mem, 0xFF, sizeof store_mem);
    assert_int_equal(flash_ram_init(&sf, &sram, store_mem, 10240), VIGIL_OK);
    assert_int_equal(store_init(&store, &sf), VIGIL_OK);
    boot(&store);
    node_baseline_boot(&g_node);
    learn_two_speeds();

    /* A model deployed after the learning (a higher store sequence than the record's). */
    assert_int_equal(store_write(&store, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    boot(&store);
    const uint8_t *blob = NULL;
    size_t len = 0;
    assert_int_equal(store_boot(&store, node_accept_model, &g_node, &blob, &len), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, blob, len, MSG_MODEL_SOURCE_SLOT0 + (uint8_t)store.active), VIGIL_OK);
    node_baseline_boot(&g_node);
    assert_true(g_node.model_ok);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_MODEL);

    /* The technician resets the node (key 10): it learns again, and that choice outlives a reboot. */
    config_set(1000.0f, 200);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_LEARNING);
    assert_false(g_node.model_ok);
    boot(&store);
    assert_int_equal(store_boot(&store, node_accept_model, &g_node, &blob, &len), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, blob, len, MSG_MODEL_SOURCE_SLOT0 + (uint8_t)store.active), VIGIL_OK);
    node_baseline_boot(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_LEARNING);
    assert_int_equal(g_node.learn_windows, 200);
}

/*
 * The model store emptied under a record that counted its models (the STM32F405's store moved to
 * other sectors, docs/architecture.md "Flash layout"): the node keeps its learned baseline, and the
 * first model deployed afterwards (sequence 1 again) replaces it at boot, as any later model does.
 */
static void a_record_outlives_an_emptied_store_and_gives_way_to_the_next_model(void **state)
{
    (void)state;
    static _Alignas(4) uint8_t store_mem[2 * 10240];
    static store_flash_t sf;
    static flash_ram_t sram;
    static store_t store;
    memset(store_mem, 0xFF, sizeof store_mem);
    assert_int_equal(flash_ram_init(&sf, &sram, store_mem, 10240), VIGIL_OK);
    assert_int_equal(store_init(&store, &sf), VIGIL_OK);
    const uint8_t *blob = NULL;
    size_t len = 0;

    /* A model deployed, then the technician asks the node to learn: the record counts sequence 1. */
    assert_int_equal(store_write(&store, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    boot(&store);
    assert_int_equal(store_boot(&store, node_accept_model, &g_node, &blob, &len), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, blob, len, MSG_MODEL_SOURCE_SLOT0 + (uint8_t)store.active), VIGIL_OK);
    node_baseline_boot(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_MODEL);
    learn_two_speeds();
    blstore_record_t r;
    assert_int_equal(blstore_read(&g_bl_flash, &r), VIGIL_OK);
    assert_int_equal(r.store_seq, 1);
    const uint32_t rec_seq = r.seq;

    /* The store is gone (new sectors, erased): the learned baseline runs, its record now counts 0. */
    memset(store_mem, 0xFF, sizeof store_mem);
    boot(&store);
    assert_int_equal(store_boot(&store, node_accept_model, &g_node, &blob, &len), VIGIL_ERR_EMPTY);
    node_baseline_boot(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_BASELINE);
    assert_int_equal(blstore_read(&g_bl_flash, &r), VIGIL_OK);
    assert_int_equal(r.store_seq, 0);
    assert_int_equal(r.kind, BLSTORE_LEARNED);
    assert_int_equal(r.seq, rec_seq + 1u);
    boot(&store); /* written once: a second boot leaves it */
    node_baseline_boot(&g_node);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_BASELINE);
    assert_int_equal(blstore_read(&g_bl_flash, &r), VIGIL_OK);
    assert_int_equal(r.seq, rec_seq + 1u);

    /* The model deployed again (sequence 1): it runs, and still after a reboot. */
    assert_int_equal(store_write(&store, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_int_equal(store_slot_info(&store, 0).seq, 1);
    boot(&store);
    assert_int_equal(store_boot(&store, node_accept_model, &g_node, &blob, &len), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, blob, len, MSG_MODEL_SOURCE_SLOT0 + (uint8_t)store.active), VIGIL_OK);
    node_baseline_boot(&g_node);
    assert_true(g_node.model_ok);
    assert_int_equal(g_node.detector_state, MSG_DETECTOR_MODEL);
}

/*
 * A power cut at every flash operation while a new learned baseline replaces an older one: after
 * each cut the node boots the old baseline or the new one, never a damaged one, never none.
 */
static void power_cut_at_every_record_write(void **state)
{
    (void)state;
    boot(NULL);
    node_baseline_boot(&g_node);
    learn_two_speeds();
    static uint8_t img[4096];
    size_t len = 0;
    assert_int_equal(baseline_save(&g_node.run.bl, img, sizeof img, &len), VIGIL_OK);
    img[16 + 4] ^= 0x01; /* the new record: another threshold (the CRC is recomputed below) */
    baseline_t tmp;
    baseline_config_t cfg = g_node.run.bl.cfg;
    proto_put_u32le(img + len - 4, proto_crc32_u8(img, len - 4));
    assert_int_equal(baseline_load(&tmp, &cfg, img, len), VIGIL_OK);
    const blstore_record_t next = {.kind = BLSTORE_LEARNED, .learn_windows = PERIOD, .image = img, .len = (uint32_t)len};
    static uint8_t before[sizeof g_bl_mem];
    memcpy(before, g_bl_mem, sizeof before);
    blstore_record_t old;
    assert_int_equal(blstore_read(&g_bl_flash, &old), VIGIL_OK);
    const uint32_t old_seq = old.seq;
    long points = 0;
    for (long cut = 0;; cut++) {
        for (int clean = 0; clean < 2; clean++) {
            memcpy(g_bl_mem, before, sizeof before);
            flash_cut_t c;
            const store_flash_t f = flash_cut_mode(&c, &g_bl_flash, g_bl_mem, cut, clean != 0);
            const vigil_status_t st = blstore_write(&f, &next);
            blstore_record_t r;
            assert_int_equal(blstore_read(&g_bl_flash, &r), VIGIL_OK); /* never none */
            assert_true(r.seq == old_seq || r.seq == old_seq + 1u);
            assert_true(st != VIGIL_OK || r.seq == old_seq + 1u);
            assert_int_equal(baseline_load(&tmp, &cfg, r.image, r.len), VIGIL_OK); /* never damaged */
            boot(NULL);
            node_baseline_boot(&g_node);
            assert_int_equal(g_node.detector_state, MSG_DETECTOR_BASELINE);
            if (st == VIGIL_OK) {
                assert_int_equal(c.ops, 4); /* erase, image, header, magic: all done */
                goto done;
            }
            points++;
        }
    }
done:
    print_message("power cuts tried: %ld\n", points);
    assert_int_equal(points, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(learns_detects_and_knows_what_it_has_not_seen, setup),
        cmocka_unit_test_setup(a_deployed_model_replaces_the_baseline_at_boot, setup),
        cmocka_unit_test_setup(a_record_outlives_an_emptied_store_and_gives_way_to_the_next_model, setup),
        cmocka_unit_test_setup(power_cut_at_every_record_write, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
