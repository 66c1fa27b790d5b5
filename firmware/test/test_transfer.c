/*
 * The model transfer: the C codec against the golden vectors (test/vectors/transfer_vectors.h,
 * scripts/gen-transfer-vectors.ts), the receiver (src/ota/transfer.c) replaying the golden
 * exchanges byte for byte (lost, repeated and corrupted chunks, resume, every refusal with its
 * reason, trial, confirmation, revert, rollback), and a power cut at every flash erase and program
 * of a whole update: after each cut the node boots the old model or the new one, never none and
 * never a damaged one.
 */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "../src/crypto/sha256.h"
#include "../src/nn/infer.h"
#include "../src/nn/model.h"
#include "../src/ota/transfer.h"
#include "../src/proto/le.h"
#include "../src/proto/msg.h"
#include "../src/proto/msg_transfer.h"
#include "../src/store/flash_ram.h"
#include "../src/store/store.h"
#include "flash_cut.h"
#include "model_check.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "nn_vectors.h"
#include "transfer_vectors.h"
#pragma GCC diagnostic pop

#define SLOT_SIZE VEC_OTA_SLOT_SIZE
#define IMAGE_MAX 8192u

static _Alignas(4) uint8_t g_mem[STORE_SLOTS * SLOT_SIZE];
static _Alignas(4) uint8_t g_snapshot[STORE_SLOTS * SLOT_SIZE];
static store_flash_t g_ram_flash;
static flash_ram_t g_ram;
static flash_cut_t g_cut;
static _Alignas(4) uint8_t g_images[16][IMAGE_MAX];

/* ---- the node's acceptance test (what node_accept_model does): parse under the key, the node's
 * feature spec (the base model's), self-test ---- */
typedef struct {
    uint8_t key[32];
} node_t;

static vigil_status_t node_check(void *ctx, const uint8_t *blob, size_t len)
{
    const node_t *node = ctx;
    return model_check(node->key, VEC_NN_MODEL_BLOB + 48, blob, len);
}

/* The images in the order scripts/gen-transfer-vectors.ts writes them (setup checks their names). */
enum { IMG_V7, IMG_V8, IMG_V9, IMG_V5, IMG_WRONG_KEY, IMG_OTHER_SPEC, IMG_BAD_SELFTEST, IMG_TRUNCATED, IMG_COUNT };
static const char *const k_image_prefix[IMG_COUNT] = {"v7:", "v8:", "v9:", "v5:", "v8 signed with another key",
                                                       "v8 built for another hop", "v8 whose self-test",
                                                       "v8 truncated"};

static int setup(void **state)
{
    (void)state;
    if (flash_ram_init(&g_ram_flash, &g_ram, g_mem, SLOT_SIZE) != VIGIL_OK) {
        return -1;
    }
    /* The images: patches of the base model, each checked against its SHA-256. */
    if (VEC_OTA_IMAGES_COUNT != IMG_COUNT) {
        return -1;
    }
    for (size_t i = 0; i < VEC_OTA_IMAGES_COUNT; i++) {
        const vec_ota_image_t *img = &VEC_OTA_IMAGES[i];
        if (img->length > IMAGE_MAX || strncmp(img->name, k_image_prefix[i], strlen(k_image_prefix[i])) != 0) {
            return -1;
        }
        memcpy(g_images[i], VEC_NN_MODEL_BLOB, img->length < VEC_NN_MODEL_LEN ? img->length : VEC_NN_MODEL_LEN);
        for (size_t j = 0; j < img->patch_count; j++) {
            memcpy(g_images[i] + img->patches[j].offset, img->patches[j].bytes, img->patches[j].len);
        }
        uint8_t h[32];
        sha256(g_images[i], img->length, h);
        if (memcmp(h, img->sha256, 32) != 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- codec ---- */
static void codec_matches_vectors(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < VEC_OTA_MSGS_COUNT; i++) {
        const vec_ota_msg_t *v = &VEC_OTA_MSGS[i];
        uint8_t out[64];
        size_t n = 0;
        switch (v->type) {
        case MSG_TYPE_MODEL_BEGIN: {
            msg_model_begin_t b;
            assert_int_equal(msg_model_begin_decode(v->payload, v->len, &b), VIGIL_OK);
            uint8_t tag[16];
            msg_model_begin_tag(VEC_NN_TEST_KEY, b.size, b.version, b.sha256, tag);
            assert_memory_equal(tag, b.tag, 16); /* the vector's BEGIN is signed with the test key */
            assert_int_equal(b.size, VEC_OTA_IMAGES[1].length);
            assert_int_equal(b.version, 8);
            assert_memory_equal(b.sha256, VEC_OTA_IMAGES[1].sha256, 32);
            break;
        }
        case MSG_TYPE_MODEL_CHUNK: {
            msg_model_chunk_t c;
            assert_int_equal(msg_model_chunk_decode(v->payload, v->len, &c), VIGIL_OK);
            assert_int_equal(c.len, v->len - 4);
            assert_int_equal(c.offset, proto_get_u32le(v->payload));
            assert_ptr_equal(c.data, v->payload + 4);
            break;
        }
        case MSG_TYPE_MODEL_COMMIT: {
            uint8_t h[32];
            assert_int_equal(msg_model_commit_decode(v->payload, v->len, h), VIGIL_OK);
            assert_memory_equal(h, VEC_OTA_IMAGES[1].sha256, 32);
            break;
        }
        case MSG_TYPE_MODEL_ROLLBACK: {
            uint32_t version = 0;
            assert_int_equal(msg_model_rollback_decode(v->payload, v->len, &version), VIGIL_OK);
            assert_int_equal(version, 7);
            break;
        }
        case MSG_TYPE_MODEL_STATUS: {
            msg_model_status_t s;
            assert_int_equal(msg_model_status_decode(v->payload, v->len, &s), VIGIL_OK);
            assert_int_equal(msg_model_status_encode(&s, out, sizeof out, &n), VIGIL_OK);
            assert_int_equal(n, v->len);
            assert_memory_equal(out, v->payload, n);
            break;
        }
        case MSG_TYPE_NACK: {
            msg_nack_t m;
            assert_int_equal(msg_nack_decode(v->payload, v->len, &m), VIGIL_OK);
            assert_in_range(m.reason, MSG_NACK_TOO_LARGE, MSG_NACK_NO_ROLLBACK);
            assert_int_equal(msg_nack_encode(&m, out, sizeof out, &n), VIGIL_OK);
            assert_memory_equal(out, v->payload, n);
            break;
        }
        case MSG_TYPE_ACK:
            assert_int_equal(msg_ack_encode(MSG_TYPE_MODEL_COMMIT, out, sizeof out, &n), VIGIL_OK);
            assert_memory_equal(out, v->payload, n);
            break;
        default:
            assert_int_equal(v->len, 0); /* ABORT, STATUS_REQ */
            assert_true(ota_handles(v->type));
            break;
        }
        checked++;
    }
    assert_int_equal(checked, VEC_OTA_MSGS_COUNT);
    for (size_t i = 0; i < VEC_OTA_TAGS_COUNT; i++) {
        const vec_ota_tag_t *t = &VEC_OTA_TAGS[i];
        uint8_t tag[16];
        msg_model_begin_tag(t->key, t->size, t->version, t->sha256, tag);
        assert_memory_equal(tag, t->tag, 16);
    }
    for (size_t i = 0; i < VEC_OTA_SHORT_COUNT; i++) {
        static const uint8_t zeros[64];
        const size_t len = VEC_OTA_SHORT[i].len;
        msg_model_begin_t b;
        msg_model_chunk_t c;
        msg_model_status_t s;
        uint8_t h[32];
        uint32_t v;
        vigil_status_t st = VIGIL_OK;
        switch (VEC_OTA_SHORT[i].type) {
        case MSG_TYPE_MODEL_BEGIN: st = msg_model_begin_decode(zeros, len, &b); break;
        case MSG_TYPE_MODEL_CHUNK: st = msg_model_chunk_decode(zeros, len, &c); break;
        case MSG_TYPE_MODEL_COMMIT: st = msg_model_commit_decode(zeros, len, h); break;
        case MSG_TYPE_MODEL_ROLLBACK: st = msg_model_rollback_decode(zeros, len, &v); break;
        default: st = msg_model_status_decode(zeros, len, &s); break;
        }
        assert_int_equal(st, VIGIL_ERR_PAYLOAD);
    }
    const uint8_t bad_state[MSG_MODEL_STATUS_LEN] = {3};
    msg_model_status_t s;
    assert_int_equal(msg_model_status_decode(bad_state, sizeof bad_state, &s), VIGIL_ERR_PAYLOAD);
}

/* ---- a node: store, receiver, the model it runs ---- */
typedef struct {
    node_t id;
    store_t store;
    ota_rx_t rx;
    uint32_t running; /* the version of the model the node has loaded */
} sim_t;

/* The node restarts: store_boot under its key, then the receiver with the booted version. */
static vigil_status_t sim_boot(sim_t *n, const store_flash_t *flash)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    vigil_status_t st = store_init(&n->store, flash);
    if (st == VIGIL_OK) {
        st = store_boot(&n->store, node_check, &n->id, &blob, &len);
    }
    if (st == VIGIL_OK) {
        nn_model_t m;
        assert_int_equal(nn_model_parse(&m, blob, len, n->id.key), VIGIL_OK); /* never a damaged one */
        n->running = m.model_version;
    } else if (st == VIGIL_ERR_EMPTY) {
        n->running = VEC_OTA_BUILTIN_VERSION;
        st = VIGIL_OK;
    }
    const ota_config_t cfg = {&n->store, n->id.key, node_check, &n->id, VEC_OTA_CONFIRM_AFTER, VEC_OTA_BUILTIN_VERSION};
    if (st == VIGIL_OK) {
        st = ota_init(&n->rx, &cfg, n->running);
    }
    return st;
}

/* What the node does with ota_take_run: load the slot's model (it must pass the node's test) or
 * the built-in one. Returns the run request for the vectors. */
static ota_run_t sim_load(sim_t *n, uint32_t *slot)
{
    const ota_run_t r = ota_take_run(&n->rx, slot);
    if (r == OTA_RUN_SLOT) {
        const store_slot_info_t info = store_slot_info(&n->store, *slot);
        assert_int_equal(node_check(&n->id, n->store.flash->read(n->store.flash, *slot), info.length), VIGIL_OK);
        n->running = info.version;
    } else if (r == OTA_RUN_BUILTIN) {
        n->running = VEC_OTA_BUILTIN_VERSION;
    }
    return r;
}

static void request(sim_t *n, uint8_t type, const uint8_t *p, size_t len, uint8_t *resp_type, uint8_t *resp,
                    size_t *resp_len)
{
    ota_handle(&n->rx, type, p, len, resp_type, resp, resp_len);
}

static void fresh_store(const uint8_t key[32], sim_t *n)
{
    memcpy(n->id.key, key, 32);
    memset(g_mem, 0xFF, sizeof g_mem);
    /* The running model: the base (v7), installed and confirmed under the test key. */
    store_t s;
    assert_int_equal(store_init(&s, &g_ram_flash), VIGIL_OK);
    assert_int_equal(store_write(&s, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN), VIGIL_OK);
    const node_t test_key = {{0}};
    node_t k = test_key;
    memcpy(k.key, VEC_NN_TEST_KEY, 32);
    const uint8_t *b;
    size_t l;
    assert_int_equal(store_boot(&s, node_check, &k, &b, &l), VIGIL_OK);
    assert_int_equal(sim_boot(n, &g_ram_flash), VIGIL_OK);
}

static void receiver_replays_golden_exchanges(void **state)
{
    (void)state;
    size_t steps = 0, nacks = 0;
    for (size_t si = 0; si < VEC_OTA_SCENARIOS_COUNT; si++) {
        const vec_ota_scenario_t *sc = &VEC_OTA_SCENARIOS[si];
        sim_t n;
        fresh_store(sc->key, &n);
        for (size_t k = 0; k < sc->step_count; k++) {
            const vec_ota_step_t *st = &sc->steps[k];
            uint8_t resp_type = 0, resp[OTA_RESPONSE_MAX];
            size_t resp_len = 0;
            static uint8_t chunk[4 + MSG_MODEL_CHUNK_DATA_MAX];
            switch (st->op) {
            case VEC_OTA_OP_REQ:
                request(&n, st->type, st->payload, st->payload_len, &resp_type, resp, &resp_len);
                break;
            case VEC_OTA_OP_CHUNK: {
                proto_put_u32le(chunk, st->offset);
                const uint32_t have = VEC_OTA_IMAGES[st->image].length;
                memset(chunk + 4, 0, st->len);
                memcpy(chunk + 4, g_images[st->image] + st->offset,
                       st->offset + st->len <= have ? st->len : have - st->offset);
                if (st->xor_at >= 0) {
                    chunk[4 + st->xor_at] ^= 0x01;
                }
                request(&n, MSG_TYPE_MODEL_CHUNK, chunk, 4u + st->len, &resp_type, resp, &resp_len);
                break;
            }
            case VEC_OTA_OP_WINDOW:
                ota_window(&n.rx, st->healthy != 0);
                break;
            default:
                assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
                break;
            }
            if (resp_type != st->resp_type || resp_len != st->resp_len ||
                (resp_len > 0 && memcmp(resp, st->resp, resp_len) != 0)) {
                print_error("scenario \"%s\", step %zu (op %u type 0x%02x): response type 0x%02x len %zu, expected "
                            "0x%02x len %zu (NACK reason %u, expected %u)\n",
                            sc->name, k, st->op, st->type, resp_type, resp_len, st->resp_type, st->resp_len,
                            resp_len > 1 ? resp[1] : 0u, st->resp_len > 1 ? st->resp[1] : 0u);
                fail();
            }
            uint32_t slot = 0;
            const ota_run_t run = sim_load(&n, &slot);
            assert_int_equal(run, st->run);
            if (run == OTA_RUN_SLOT) {
                assert_int_equal(slot, st->run_slot);
            }
            assert_int_equal(n.running, st->running_version);
            assert_int_equal(n.rx.running_version, st->running_version);
            nacks += resp_type == MSG_TYPE_NACK;
            steps++;
        }
    }
    print_message("%zu scenarios, %zu steps, %zu refusals replayed\n", VEC_OTA_SCENARIOS_COUNT, steps, nacks);
    assert_true(nacks >= 20);
}

/* ---- a whole update with the power cut at every flash operation ---- */
static bool send(sim_t *n, uint8_t type, const uint8_t *p, size_t len, uint8_t expect_type)
{
    uint8_t t, r[OTA_RESPONSE_MAX];
    size_t rl;
    request(n, type, p, len, &t, r, &rl);
    uint32_t slot;
    (void)sim_load(n, &slot);
    return t == expect_type;
}

/* BEGIN, every chunk (240 bytes), COMMIT of image i; false at the first refusal (a dead flash). */
static bool transfer(sim_t *n, size_t i)
{
    const vec_ota_image_t *img = &VEC_OTA_IMAGES[i];
    const uint32_t version = proto_get_u32le(g_images[i] + 12);
    uint8_t begin[MSG_MODEL_BEGIN_LEN];
    proto_put_u32le(begin, img->length);
    proto_put_u32le(begin + 4, version);
    memcpy(begin + 8, img->sha256, 32);
    msg_model_begin_tag(n->id.key, img->length, version, img->sha256, begin + 40);
    if (!send(n, MSG_TYPE_MODEL_BEGIN, begin, sizeof begin, MSG_TYPE_MODEL_STATUS)) {
        return false;
    }
    uint8_t chunk[4 + 240];
    for (uint32_t off = 0; off < img->length; off += 240) {
        const size_t len = img->length - off < 240 ? img->length - off : 240;
        proto_put_u32le(chunk, off);
        memcpy(chunk + 4, g_images[i] + off, len);
        if (!send(n, MSG_TYPE_MODEL_CHUNK, chunk, 4 + len, MSG_TYPE_MODEL_STATUS) || n->rx.offset != off + len) {
            return false;
        }
    }
    return send(n, MSG_TYPE_MODEL_COMMIT, img->sha256, 32, MSG_TYPE_ACK);
}

static void window(sim_t *n, bool healthy)
{
    ota_window(&n->rx, healthy);
    uint32_t slot;
    (void)sim_load(n, &slot);
}


/* Runs an update sequence on flash f from a boot, stopping at the power cut. `marks` receives the
 * operation count after the one flash write that changes what boots (-1 if not reached). */
typedef void (*sequence_fn)(sim_t *n, long *mark);

/* v8: transfer, commit, trial, confirmation (the mark); then v9: transfer, commit, trial, reverted
 * by an unhealthy window (v9 goes into slot 0, over v7). */
static void update_confirm_then_revert(sim_t *n, long *mark)
{
    if (!transfer(n, IMG_V8)) {
        return;
    }
    for (unsigned w = 0; w < VEC_OTA_CONFIRM_AFTER; w++) {
        window(n, true);
    }
    if (n->rx.flash_errors != 0) {
        return;
    }
    *mark = g_cut.ops;
    if (transfer(n, IMG_V9)) {
        window(n, true);
        window(n, false);
    }
}

/* From v8 confirmed beside v7: an explicit rollback to v7 (the mark), then v9 over v8, reverted. */
static void rollback_then_revert(sim_t *n, long *mark)
{
    uint8_t v7[4];
    proto_put_u32le(v7, 7);
    if (!send(n, MSG_TYPE_MODEL_ROLLBACK, v7, 4, MSG_TYPE_ACK)) {
        return;
    }
    *mark = g_cut.ops;
    if (transfer(n, IMG_V9)) {
        window(n, false);
    }
}

/*
 * Cuts the power at every flash operation of seq, starting from the flash in g_snapshot. After each
 * cut the node boots (twice) a valid model: `before` until the deciding write, `after` from then on;
 * the deciding write cut short may read either way. Then it still takes an update. Every operation
 * is cut twice: short and clean. Returns the number of cuts; counts the boots of each version.
 */
static long cut_everywhere(sequence_fn seq, uint32_t before, uint32_t after, unsigned runs[16])
{
    sim_t n;
    memcpy(g_mem, g_snapshot, sizeof g_mem);
    memcpy(n.id.key, VEC_NN_TEST_KEY, 32);
    long mark = -1;
    store_flash_t f = flash_cut(&g_cut, &g_ram_flash, g_mem, -1);
    assert_int_equal(sim_boot(&n, &f), VIGIL_OK);
    seq(&n, &mark);
    const long total = g_cut.ops;
    assert_true(mark > 0);
    assert_int_equal(n.rx.flash_errors, 0);
    assert_int_equal(n.running, after);
    for (long k = 0; k < 2 * total; k++) {
        /* Each operation twice: cut short (partly done), and cut clean (not started). */
        const long cut = k / 2;
        const bool clean = (k & 1) != 0;
        memcpy(g_mem, g_snapshot, sizeof g_mem);
        long m = -1;
        f = flash_cut_mode(&g_cut, &g_ram_flash, g_mem, cut, clean);
        if (sim_boot(&n, &f) == VIGIL_OK) {
            seq(&n, &m);
        }
        assert_true(g_cut.dead);
        assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK); /* power back */
        const uint32_t v = n.running;
        if (cut == mark - 1 && !clean) {
            assert_true(v == before || v == after);
        } else {
            assert_int_equal(v, cut < mark ? before : after);
        }
        assert_int_equal(n.store.active, v == 7 ? 0 : 1); /* v7 is in slot 0, v8 in slot 1 */
        assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
        assert_int_equal(n.running, v);
        runs[v]++;
        assert_true(transfer(&n, IMG_V9)); /* and the node still takes an update */
        assert_int_equal(n.running, 9);
    }
    return 2 * total;
}

static void power_cut_at_every_operation_of_an_update(void **state)
{
    (void)state;
    sim_t n;
    unsigned runs[16] = {0};
    fresh_store(VEC_NN_TEST_KEY, &n); /* v7 confirmed in slot 0 */
    memcpy(g_snapshot, g_mem, sizeof g_mem);
    long total = cut_everywhere(update_confirm_then_revert, 7, 8, runs);

    /* v8 confirmed in slot 1 beside v7, for the rollback. */
    memcpy(g_mem, g_snapshot, sizeof g_mem);
    assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
    assert_true(transfer(&n, IMG_V8));
    for (unsigned w = 0; w < VEC_OTA_CONFIRM_AFTER; w++) {
        window(&n, true);
    }
    assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
    assert_int_equal(n.running, 8);
    memcpy(g_snapshot, g_mem, sizeof g_mem);
    total += cut_everywhere(rollback_then_revert, 8, 7, runs);

    print_message("%ld cut points over whole updates (transfer, commit, trial, confirmation; transfer, commit, "
                  "trial, revert; rollback; transfer, commit, revert): %u booted v7, %u booted v8\n",
                  total, runs[7], runs[8]);
    assert_true(runs[7] > 0 && runs[8] > 0);
}

/* ---- the fault cases, each refused with its reason; the running model unchanged ---- */
typedef struct {
    const char *name;
    size_t image;
    uint32_t claim_version; /* BEGIN's version (0: the image's own) */
    long corrupt_chunk;     /* one bit flipped in this 240-byte chunk (-1: none) */
    uint32_t send_bytes;    /* bytes sent before COMMIT (0: all) */
    uint8_t reason;
    uint8_t refused_type;   /* the request that is refused */
} fault_t;

static void faults_are_refused_with_their_reason(void **state)
{
    (void)state;
    const fault_t faults[] = {
        {"a corrupted chunk", IMG_V8, 0, 3, 0, MSG_NACK_IMAGE_HASH, MSG_TYPE_MODEL_COMMIT},
        {"a wrong key", IMG_WRONG_KEY, 0, -1, 0, MSG_NACK_MODEL_KEY, MSG_TYPE_MODEL_COMMIT},
        {"an older version", IMG_V5, 0, -1, 0, MSG_NACK_MODEL_OLDER, MSG_TYPE_MODEL_BEGIN},
        {"another feature spec", IMG_OTHER_SPEC, 0, -1, 0, MSG_NACK_MODEL_SPEC, MSG_TYPE_MODEL_COMMIT},
        {"a truncated image", IMG_TRUNCATED, 0, -1, 0, MSG_NACK_MODEL_CORRUPT, MSG_TYPE_MODEL_COMMIT},
        {"a transfer cut short", IMG_V8, 0, -1, 2400, MSG_NACK_INCOMPLETE, MSG_TYPE_MODEL_COMMIT},
        {"a replayed older image signed with the right key", IMG_V5, 8, -1, 0, MSG_NACK_MODEL_OLDER,
         MSG_TYPE_MODEL_COMMIT},
        {"the running image replayed", IMG_V7, 0, -1, 0, MSG_NACK_MODEL_OLDER, MSG_TYPE_MODEL_BEGIN},
        {"a failing self-test", IMG_BAD_SELFTEST, 0, -1, 0, MSG_NACK_MODEL_SELFTEST, MSG_TYPE_MODEL_COMMIT},
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        const fault_t *c = &faults[i];
        const vec_ota_image_t *img = &VEC_OTA_IMAGES[c->image];
        sim_t n;
        fresh_store(VEC_NN_TEST_KEY, &n);
        const uint32_t version = c->claim_version ? c->claim_version : proto_get_u32le(g_images[c->image] + 12);
        uint8_t begin[MSG_MODEL_BEGIN_LEN], t, r[OTA_RESPONSE_MAX];
        size_t rl;
        proto_put_u32le(begin, img->length);
        proto_put_u32le(begin + 4, version);
        memcpy(begin + 8, img->sha256, 32);
        msg_model_begin_tag(n.id.key, img->length, version, img->sha256, begin + 40);
        request(&n, MSG_TYPE_MODEL_BEGIN, begin, sizeof begin, &t, r, &rl);
        if (t == MSG_TYPE_MODEL_STATUS) {
            const uint32_t end = c->send_bytes ? c->send_bytes : img->length;
            uint8_t chunk[4 + 240];
            for (uint32_t off = 0; off < end; off += 240) {
                const size_t len = end - off < 240 ? end - off : 240;
                proto_put_u32le(chunk, off);
                memcpy(chunk + 4, g_images[c->image] + off, len);
                if ((long)(off / 240) == c->corrupt_chunk) {
                    chunk[4 + 17] ^= 0x10;
                }
                request(&n, MSG_TYPE_MODEL_CHUNK, chunk, 4 + len, &t, r, &rl);
                assert_int_equal(t, MSG_TYPE_MODEL_STATUS);
            }
            request(&n, MSG_TYPE_MODEL_COMMIT, img->sha256, 32, &t, r, &rl);
        }
        print_message("%s: NACK %u to 0x%02x\n", c->name, rl > 1 ? r[1] : 0u, rl > 0 ? r[0] : 0u);
        assert_int_equal(t, MSG_TYPE_NACK);
        assert_int_equal(rl, MSG_NACK_LEN);
        assert_int_equal(r[0], c->refused_type);
        assert_int_equal(r[1], c->reason);
        /* The running model unchanged: v7 in slot 0, confirmed, byte for byte; nothing to load. */
        uint32_t slot;
        assert_int_equal(ota_take_run(&n.rx, &slot), OTA_RUN_NONE);
        assert_int_equal(n.rx.running_version, 7);
        assert_int_equal(n.store.active, 0);
        assert_int_equal(store_slot_info(&n.store, 0).state, STORE_SLOT_CONFIRMED);
        assert_memory_equal(n.store.flash->read(n.store.flash, 0), VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN);
        assert_int_equal(store_slot_info(&n.store, 1).state, STORE_SLOT_EMPTY);
        assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK); /* and after a restart */
        assert_int_equal(n.running, 7);
    }
}

/* ---- refusals: the running model unchanged, with a wrong key ---- */
static void wrong_key_node_refuses_and_keeps_running(void **state)
{
    (void)state;
    sim_t n;
    fresh_store(VEC_NN_TEST_KEY, &n);
    /* A node whose key differs from the signer's: BEGIN is refused (its tag); with a BEGIN tagged
     * under the node's key, the image's own tag is refused at COMMIT. */
    static const uint8_t other[32] = {0x20, 0x21};
    memcpy(n.id.key, other, 32);
    assert_false(transfer(&n, IMG_V8));
    assert_int_equal(n.rx.state, MSG_TRANSFER_IDLE);
    assert_int_equal(n.running, 7);
    assert_int_equal(n.store.active, 0);
    assert_int_equal(store_slot_info(&n.store, 1).state, STORE_SLOT_EMPTY);
    assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
    memcpy(n.id.key, VEC_NN_TEST_KEY, 32);
    assert_int_equal(sim_boot(&n, &g_ram_flash), VIGIL_OK);
    assert_int_equal(n.running, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(codec_matches_vectors, setup),
        cmocka_unit_test_setup(receiver_replays_golden_exchanges, setup),
        cmocka_unit_test_setup(power_cut_at_every_operation_of_an_update, setup),
        cmocka_unit_test_setup(faults_are_refused_with_their_reason, setup),
        cmocka_unit_test_setup(wrong_key_node_refuses_and_keeps_running, setup),
    };
    return cmocka_run_group_tests_name("transfer", tests, NULL, NULL);
}
