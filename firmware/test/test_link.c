/*
 * The node's side of the link protocol 1.1 (docs/protocol.md §2 - §4): every request and NACK
 * reason, SECURE, PAIR on the wired and the Bluetooth LE link, STREAM per link, RAW_BLOCK content,
 * TIME, the identity record kept in a file (the host board's store), and a model transfer (§3.14)
 * through node_rx_bytes: update, trial, confirmation, rollback, refusals, SECURE over BLE.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../boards/host/identity_file.h"
#include "../src/crypto/sha256.h"
#include "../src/nn/default_model.h"
#include "../src/node/node.h"
#include "../src/node/node_priv.h" /* node_apply_identity */
#include "../src/proto/crc32.h"
#include "../src/proto/le.h"
#include "../src/store/flash_ram.h"
#include "../src/store/store.h"

typedef struct {
    uint8_t bytes[256 * 1024];
    size_t len;
    size_t start; /* parse from here: what earlier steps produced is skipped */
} capture_t;

static vigil_status_t capture_write(void *ctx, const uint8_t *data, size_t len)
{
    capture_t *c = ctx;
    assert_true(c->len + len <= sizeof c->bytes);
    memcpy(&c->bytes[c->len], data, len);
    c->len += len;
    return VIGIL_OK;
}

typedef struct {
    uint8_t type;
    uint16_t seq;
    uint8_t payload[FRAME_MAX_PAYLOAD];
    size_t payload_len;
    size_t wire_len; /* COBS bytes + delimiter */
} rx_frame_t;

static capture_t g_wired, g_ble;
static node_t g_node;
static rx_frame_t g_rx[64];
static uint64_t g_uptime = 123456789u;
static int g_save_fails;
static char g_id_path[256];

static uint64_t uptime_cb(void *ctx)
{
    (void)ctx;
    return g_uptime;
}

static vigil_status_t save_cb(void *ctx, const uint8_t *rec, size_t len)
{
    (void)ctx;
    if (g_save_fails) {
        return VIGIL_ERR_IO;
    }
    return identity_file_save(g_id_path, rec, len);
}

/* Frames captured on c since the last call (c->start), at most max. */
static size_t take(capture_t *c, rx_frame_t *out, size_t max)
{
    static frame_deframer_t d;
    frame_deframer_init(&d);
    size_t n = 0, begin = c->start;
    for (size_t i = c->start; i < c->len; i++) {
        frame_view_t v;
        if (c->bytes[i] == 0 && i == begin) {
            begin = i + 1; /* a lone flush */
        }
        if (frame_deframer_push_u8(&d, c->bytes[i], &v)) {
            assert_true(n < max);
            out[n].type = v.type;
            out[n].seq = v.seq;
            out[n].payload_len = v.payload_len;
            out[n].wire_len = i + 1 - begin;
            memcpy(out[n].payload, v.payload, v.payload_len);
            n++;
            begin = i + 1;
        }
    }
    frame_stats_t s = frame_deframer_stats(&d);
    assert_int_equal(s.bad_cobs + s.bad_crc + s.bad_length + s.bad_version + s.oversize, 0);
    c->start = c->len;
    return n;
}

static node_config_t config(void)
{
    node_config_t cfg = {
        .axis_count = 2, .window_len = 1024, .hop = 512, .sample_rate_hz = 48000,
        .name = "link-node", .channels = "a,b", .uid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
        .board = MSG_BOARD_HOST, .send_bands = true, .samples_in = true,
        .link = {[NODE_LINK_WIRED] = {capture_write, &g_wired}, [NODE_LINK_BLE] = {capture_write, &g_ble}},
        .io = {.uptime_us = uptime_cb, .save_identity = save_cb},
    };
    return cfg;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_wired, 0, sizeof g_wired);
    memset(&g_ble, 0, sizeof g_ble);
    g_save_fails = 0;
    snprintf(g_id_path, sizeof g_id_path, "/tmp/vigil-test-link-%d.identity", (int)getpid());
    (void)unlink(g_id_path);
    node_config_t cfg = config();
    return node_init(&g_node, &cfg) == VIGIL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    (void)unlink(g_id_path);
    return 0;
}

/* Sends one request frame on link. */
static void request(size_t link, uint8_t type, uint16_t seq, const uint8_t *payload, size_t len)
{
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    size_t n = 0;
    assert_int_equal(frame_build(type, seq, payload, len, wire, sizeof wire, &n), VIGIL_OK);
    node_rx_bytes(&g_node, link, wire, n);
}

static capture_t *cap_of(size_t link)
{
    return link == NODE_LINK_WIRED ? &g_wired : &g_ble;
}

/* The request's one response (and nothing else on that link before it). */
static const rx_frame_t *response(size_t link, uint8_t type, uint16_t seq)
{
    size_t n = take(cap_of(link), g_rx, 64);
    assert_true(n >= 1);
    assert_int_equal(g_rx[0].type, type);
    assert_int_equal(g_rx[0].seq, seq);
    return &g_rx[0];
}

static void expect_nack(size_t link, uint16_t seq, uint8_t req_type, uint8_t reason, uint16_t detail)
{
    const rx_frame_t *f = response(link, MSG_TYPE_NACK, seq);
    msg_nack_t m;
    assert_int_equal(msg_nack_decode(f->payload, f->payload_len, &m), VIGIL_OK);
    assert_int_equal(m.req_type, req_type);
    assert_int_equal(m.reason, reason);
    assert_int_equal(m.detail, detail);
}

static void expect_ack(size_t link, uint16_t seq, uint8_t req_type)
{
    const rx_frame_t *f = response(link, MSG_TYPE_ACK, seq);
    assert_int_equal(f->payload_len, 1);
    assert_int_equal(f->payload[0], req_type);
}

static msg_hello_t hello_of(const rx_frame_t *f)
{
    msg_hello_t h;
    assert_int_equal(f->type, MSG_TYPE_HELLO);
    assert_int_equal(msg_hello_decode(f->payload, f->payload_len, &h), VIGIL_OK);
    assert_true(h.has_info);
    return h;
}

static msg_hello_t hello_req(size_t link, uint16_t seq)
{
    request(link, MSG_TYPE_HELLO_REQ, seq, NULL, 0);
    return hello_of(response(link, MSG_TYPE_HELLO, seq));
}

/* ---- HELLO ---- */

static void boot_hello_on_both_links_with_info(void **state)
{
    (void)state;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    (void)node_send_hello(&g_node);
    for (size_t link = 0; link < 2; link++) {
        size_t n = take(cap_of(link), g_rx, 64);
        assert_int_equal(n, 3); /* HELLO, LOG boot, LOG model loaded */
        msg_hello_t h = hello_of(&g_rx[0]);
        assert_int_equal(g_rx[0].seq, 0);
        assert_int_equal(h.info.protocol_minor, 4);
        assert_true(h.info.has_state);
        assert_int_equal(h.info.detector, MSG_DETECTOR_MODEL);
        /* 1.4: the model's threshold as a score, before any window (model-format §1). */
        assert_true(h.info.has_threshold);
        assert_true(h.info.threshold == nn_score_f32(&g_node.run.nn.model, g_node.run.nn.model.threshold_sumsq));
        assert_true(h.info.threshold > 0.0f);
        assert_int_equal(h.info.capabilities, 0x3FFu); /* bits 0-9: all but model update */
        assert_int_equal(h.info.link, link);
        assert_int_equal(h.info.paired, 0);
        assert_memory_equal(h.info.key_id, ((const uint8_t[4]){0}), 4);
        assert_int_equal(h.info.sensor, MSG_SENSOR_NONE);
        assert_int_equal(h.info.range_g, 16);
        assert_int_equal(h.info.stream_mode, 1);
        assert_int_equal(h.info.raw_decimation, 1);
        assert_int_equal(h.info.model_version, 1);
        assert_int_equal(h.info.model_source, MSG_MODEL_SOURCE_BUILTIN);
        assert_int_equal(h.info.slot[0].state, 0);
        assert_int_equal(g_rx[1].type, MSG_TYPE_LOG);
        assert_int_equal(proto_get_u16le(&g_rx[1].payload[1]), MSG_LOG_BOOT);
        assert_int_equal(proto_get_u16le(&g_rx[2].payload[1]), MSG_LOG_MODEL_LOADED);
        assert_int_equal(g_rx[2].seq, 2);
    }
    /* Each link has its own nonce; a HELLO_REQ issues a new one on that link only. */
    msg_hello_t w1 = hello_req(NODE_LINK_WIRED, 10), b1 = hello_req(NODE_LINK_BLE, 11);
    msg_hello_t w2 = hello_req(NODE_LINK_WIRED, 12);
    assert_memory_not_equal(w1.info.link_nonce, b1.info.link_nonce, 8);
    assert_memory_not_equal(w1.info.link_nonce, w2.info.link_nonce, 8);
    assert_memory_equal(g_node.link[NODE_LINK_BLE].nonce, b1.info.link_nonce, 8);
    /* Without a BLE link the capability bit is clear. */
    node_config_t cfg = config();
    cfg.link[NODE_LINK_BLE].write = NULL;
    cfg.samples_in = false;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    assert_int_equal(hello_req(NODE_LINK_WIRED, 1).info.capabilities, 0x3FFu & ~(MSG_CAP_BLE | MSG_CAP_SAMPLES_IN));
}

/* ---- PING, TIME, CONFIG_GET, unknown types ---- */

static void ping_time_unknown(void **state)
{
    (void)state;
    uint8_t p[65];
    for (size_t i = 0; i < sizeof p; i++) {
        p[i] = (uint8_t)(i * 7);
    }
    request(NODE_LINK_BLE, MSG_TYPE_PING, 5, p, 64);
    const rx_frame_t *f = response(NODE_LINK_BLE, MSG_TYPE_PONG, 5);
    assert_int_equal(f->payload_len, 64);
    assert_memory_equal(f->payload, p, 64);
    request(NODE_LINK_WIRED, MSG_TYPE_PING, 6, NULL, 0);
    assert_int_equal(response(NODE_LINK_WIRED, MSG_TYPE_PONG, 6)->payload_len, 0);
    request(NODE_LINK_WIRED, MSG_TYPE_PING, 7, p, 65);
    expect_nack(NODE_LINK_WIRED, 7, MSG_TYPE_PING, MSG_NACK_BAD_PAYLOAD, 0);

    /* TIME: the echo, the board's clock, and floor(frames * 1e6 / rate). */
    static float zeros[2 * 1000];
    memset(zeros, 0, sizeof zeros);
    assert_int_equal(node_push_samples(&g_node, zeros, 1000), VIGIL_OK);
    uint8_t t[8];
    proto_put_u64le(t, 0x1122334455667788ull);
    request(NODE_LINK_WIRED, MSG_TYPE_TIME_REQ, 8, t, 8);
    f = response(NODE_LINK_WIRED, MSG_TYPE_TIME, 8);
    msg_time_t tm;
    assert_int_equal(msg_time_decode(f->payload, f->payload_len, &tm), VIGIL_OK);
    assert_true(tm.host_time_us == 0x1122334455667788ull);
    assert_true(tm.uptime_us == g_uptime);
    assert_true(tm.stream_t_us == 20833u); /* 1000 / 48000 s */
    request(NODE_LINK_WIRED, MSG_TYPE_TIME_REQ, 9, t, 7);
    expect_nack(NODE_LINK_WIRED, 9, MSG_TYPE_TIME_REQ, MSG_NACK_BAD_PAYLOAD, 0);
    assert_true(node_frames_t_us(0xFFFFFFFFFFull, 48000) == 0xFFFFFFFFFFull * 1000000u / 48000u);

    /* Types the node does not handle, including node-to-host ones and reserved ones. */
    const uint8_t types[] = {MSG_TYPE_HELLO, MSG_TYPE_ACK, MSG_TYPE_FEATURES, 0x0F, 0x15, 0x20, 0xFF};
    for (size_t i = 0; i < sizeof types; i++) {
        request(NODE_LINK_BLE, types[i], (uint16_t)(100 + i), NULL, 0);
        expect_nack(NODE_LINK_BLE, (uint16_t)(100 + i), types[i], MSG_NACK_UNKNOWN_TYPE, 0);
    }
    assert_int_equal(g_node.stats.rx_unknown_type, sizeof types);
}

/* The CONFIG entries, decoded into what a test checks. */
typedef struct {
    char name[33];
    uint8_t range_g, bands, axes, slow;
    uint16_t hop, window;
    float shaft;
    uint32_t rate;
    uint32_t learn;
} cfg_view_t;

static cfg_view_t config_get(size_t link, uint16_t seq)
{
    request(link, MSG_TYPE_CONFIG_GET, seq, NULL, 0);
    const rx_frame_t *f = response(link, MSG_TYPE_CONFIG, seq);
    msg_config_t c;
    assert_int_equal(msg_config_decode(f->payload, f->payload_len, &c), VIGIL_OK);
    assert_int_equal(c.count, 10);
    cfg_view_t v = {0};
    size_t pos = 0;
    for (uint8_t k = 1; k <= 10; k++) {
        msg_config_entry_t e;
        msg_config_next(&c, &pos, &e);
        assert_int_equal(e.key, k); /* in key order */
        switch (k) {
        case 1: memcpy(v.name, e.value, e.len); break;
        case 2: assert_int_equal(e.len, 1); v.range_g = e.value[0]; break;
        case 3: assert_int_equal(e.len, 2); v.hop = proto_get_u16le(e.value); break;
        case 4: assert_int_equal(e.len, 4); v.shaft = proto_get_f32le(e.value); break;
        case 5: assert_int_equal(e.len, 1); v.bands = e.value[0]; break;
        case 6: assert_int_equal(e.len, 1); v.axes = e.value[0]; break;
        case 7: assert_int_equal(e.len, 2); v.window = proto_get_u16le(e.value); break;
        case 8: assert_int_equal(e.len, 4); v.rate = proto_get_u32le(e.value); break;
        case 9: assert_int_equal(e.len, 1); v.slow = e.value[0]; break;
        default: assert_int_equal(e.len, 4); v.learn = proto_get_u32le(e.value); break;
        }
    }
    return v;
}

static void config_set(size_t link, uint16_t seq, const uint8_t *p, size_t len)
{
    request(link, MSG_TYPE_CONFIG_SET, seq, p, len);
}

/* ---- CONFIG ---- */

static void config_get_and_set(void **state)
{
    (void)state;
    cfg_view_t v = config_get(NODE_LINK_BLE, 1); /* CONFIG_GET needs no SECURE over BLE */
    assert_string_equal(v.name, "link-node");
    assert_int_equal(v.range_g, 16);
    assert_int_equal(v.hop, 512);
    assert_true(v.shaft == 0.0f);
    assert_int_equal(v.bands, 1);
    assert_int_equal(v.axes, 2);
    assert_int_equal(v.window, 1024);
    assert_int_equal(v.rate, 48000);
    assert_int_equal(v.slow, 0);

    uint8_t p[64];
    size_t n = 0;
    p[n++] = 5;
    p[n++] = 1, p[n++] = 4, memcpy(&p[n], "pump", 4), n += 4;
    p[n++] = 2, p[n++] = 1, p[n++] = 8;
    p[n++] = 3, p[n++] = 2, proto_put_u16le(&p[n], 256), n += 2;
    p[n++] = 4, p[n++] = 4, proto_put_f32le(&p[n], 29.95f), n += 4;
    p[n++] = 5, p[n++] = 1, p[n++] = 0;
    config_set(NODE_LINK_WIRED, 2, p, n);
    expect_ack(NODE_LINK_WIRED, 2, MSG_TYPE_CONFIG_SET);
    /* LOG 4 follows on every link that streams. */
    assert_int_equal(take(&g_ble, g_rx, 64), 1);
    assert_int_equal(proto_get_u16le(&g_rx[0].payload[1]), MSG_LOG_CONFIG);
    v = config_get(NODE_LINK_WIRED, 3);
    assert_string_equal(v.name, "pump");
    assert_int_equal(v.range_g, 8);
    assert_int_equal(v.hop, 256);
    assert_true(v.shaft == 29.95f);
    assert_int_equal(v.bands, 0);
    assert_string_equal(hello_req(NODE_LINK_WIRED, 4).name, "pump");

    /* FEATURES carry the told shaft speed and no bands; the hop change restarted the stream. */
    static float zeros[2 * 1024];
    memset(zeros, 0, sizeof zeros);
    assert_int_equal(node_push_samples(&g_node, zeros, 1024), VIGIL_OK);
    assert_int_equal(take(&g_wired, g_rx, 64), 1);
    msg_features_t f;
    assert_int_equal(msg_features_decode(g_rx[0].payload, g_rx[0].payload_len, &f), VIGIL_OK);
    assert_int_equal(f.window_index, 0);
    assert_true(f.shaft_hz == 29.95f);
    assert_int_equal(f.band_count, 0);
    assert_false(g_node.model_ok); /* no model was loaded */
    assert_int_equal(take(&g_ble, g_rx, 64), 1); /* the same FEATURES on BLE */

    /* Every NACK reason of §3.7, detail = the key (reasons 3-5) or 0. */
    struct {
        uint8_t bytes[16];
        size_t len;
        uint8_t reason;
        uint16_t detail;
    } bad[] = {
        {{1, 11, 1, 0}, 4, MSG_NACK_UNKNOWN_KEY, 11},
        {{1, 9, 1, 2}, 4, MSG_NACK_OUT_OF_RANGE, 9},
        {{1, 9, 2, 1, 0}, 5, MSG_NACK_BAD_PAYLOAD, 0},
        {{1, 0, 1, 0}, 4, MSG_NACK_UNKNOWN_KEY, 0},
        {{1, 6, 1, 2}, 4, MSG_NACK_READ_ONLY, 6},
        {{1, 7, 2, 0, 4}, 5, MSG_NACK_READ_ONLY, 7},
        {{1, 8, 4, 0, 0, 0, 0}, 7, MSG_NACK_READ_ONLY, 8},
        {{1, 2, 2, 4, 0}, 5, MSG_NACK_BAD_PAYLOAD, 0},           /* len not the key's size */
        {{1, 1, 0}, 3, MSG_NACK_BAD_PAYLOAD, 0},                 /* name of 0 bytes */
        {{2, 5, 1, 1, 5, 1, 0}, 7, MSG_NACK_BAD_PAYLOAD, 0},     /* repeated key */
        {{2, 5, 1, 1, 5}, 5, MSG_NACK_BAD_PAYLOAD, 0},           /* entries overrun */
        {{0}, 0, MSG_NACK_BAD_PAYLOAD, 0},                       /* empty */
        {{1, 2, 1, 3}, 4, MSG_NACK_OUT_OF_RANGE, 2},
        {{1, 3, 2, 0, 0}, 5, MSG_NACK_OUT_OF_RANGE, 3},          /* hop 0 */
        {{1, 3, 2, 0x01, 0x04}, 5, MSG_NACK_OUT_OF_RANGE, 3},    /* hop 1025 > window */
        {{1, 4, 4, 0, 0xC0, 0x7F, 0x7F}, 7, MSG_NACK_OUT_OF_RANGE, 4}, /* NaN */
        {{1, 4, 4, 0, 0x20, 0x7A, 0x44}, 7, MSG_NACK_OUT_OF_RANGE, 4}, /* 1000.5 Hz */
        {{1, 4, 4, 0xCD, 0xCC, 0x4C, 0x3D}, 7, MSG_NACK_OUT_OF_RANGE, 4}, /* 0.05 Hz */
        {{1, 5, 1, 2}, 4, MSG_NACK_OUT_OF_RANGE, 5},
        {{1, 1, 2, 'a', 0}, 5, MSG_NACK_OUT_OF_RANGE, 1},        /* a NUL in the name */
        /* all or nothing: a good entry, then a bad one: nothing applied */
        {{2, 5, 1, 1, 2, 1, 5}, 7, MSG_NACK_OUT_OF_RANGE, 2},
        {{2, 5, 1, 1, 11, 0}, 6, MSG_NACK_UNKNOWN_KEY, 11},
        {{1, 10, 2, 0, 4}, 5, MSG_NACK_BAD_PAYLOAD, 0},           /* learn_windows is a u32 */
        {{1, 10, 4, 63, 0, 0, 0}, 7, MSG_NACK_OUT_OF_RANGE, 10},   /* a period under 64 windows */
        {{1, 10, 4, 0, 0, 0, 0x80}, 7, MSG_NACK_OUT_OF_RANGE, 10}, /* over 2^31 - 1 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        print_message("config_set bad case %zu\n", i);
        config_set(NODE_LINK_WIRED, (uint16_t)(50 + i), bad[i].bytes, bad[i].len);
        expect_nack(NODE_LINK_WIRED, (uint16_t)(50 + i), MSG_TYPE_CONFIG_SET, bad[i].reason, bad[i].detail);
    }
    v = config_get(NODE_LINK_WIRED, 90);
    assert_int_equal(v.range_g, 8);
    assert_int_equal(v.bands, 0);
    /* Over BLE, in the clear: AUTH_REQUIRED (a good payload), BAD_PAYLOAD (a bad one). */
    config_set(NODE_LINK_BLE, 91, (const uint8_t[]){1, 5, 1, 1}, 4);
    expect_nack(NODE_LINK_BLE, 91, MSG_TYPE_CONFIG_SET, MSG_NACK_AUTH_REQUIRED, 0);
    config_set(NODE_LINK_BLE, 92, (const uint8_t[]){1, 5}, 2);
    expect_nack(NODE_LINK_BLE, 92, MSG_TYPE_CONFIG_SET, MSG_NACK_BAD_PAYLOAD, 0);
    /* Storing fails: NACK STORAGE, and the change is in effect. */
    g_save_fails = 1;
    config_set(NODE_LINK_WIRED, 93, (const uint8_t[]){1, 5, 1, 1}, 4);
    expect_nack(NODE_LINK_WIRED, 93, MSG_TYPE_CONFIG_SET, MSG_NACK_STORAGE, 0);
    assert_int_equal(config_get(NODE_LINK_WIRED, 94).bands, 1);
}

/* CONFIG key 9: the velocity band of slow machines (2-1000 Hz), kept in the identity record; the
 * feature spec (and so the model's hash) keeps 10-1000 Hz. */
static void slow_machine_moves_the_velocity_band(void **state)
{
    (void)state;
    assert_int_equal(g_node.feat.vel.decim, 16); /* 48 kHz, hop 512 */
    const float tau10 = g_node.feat.vel.tau_blocks;
    config_set(NODE_LINK_WIRED, 1, (const uint8_t[]){1, 9, 1, 1}, 4);
    expect_ack(NODE_LINK_WIRED, 1, MSG_TYPE_CONFIG_SET);
    assert_int_equal(config_get(NODE_LINK_WIRED, 2).slow, 1);
    assert_true(g_node.feat.vel.tau_blocks == 5.0f * tau10); /* 10 / 2 Hz = 5 s of blocks */
    assert_true(g_node.spec.velocity_lo_hz == 10.0f);
    uint8_t rec[NODE_IDENTITY_LEN];
    node_identity_record(&g_node, rec);
    assert_int_equal(rec[78], 1);
    /* A node that boots from that record measures 2-1000 Hz. */
    g_node.slow_machine = false;
    node_apply_identity(&g_node, rec, sizeof rec);
    assert_true(g_node.slow_machine);
    /* A hop change keeps the band and re-plans the blocks (they divide the hop). */
    config_set(NODE_LINK_WIRED, 3, (const uint8_t[]){1, 3, 2, 200, 0}, 5); /* hop 200 */
    expect_ack(NODE_LINK_WIRED, 3, MSG_TYPE_CONFIG_SET);
    assert_int_equal(g_node.feat.vel.decim, 8);
    assert_true(g_node.feat.vel.tau_blocks > 4.9f * 6000.0f);
    config_set(NODE_LINK_WIRED, 4, (const uint8_t[]){2, 3, 2, 0, 2, 9, 1, 0}, 8);
    expect_ack(NODE_LINK_WIRED, 4, MSG_TYPE_CONFIG_SET);
    assert_int_equal(config_get(NODE_LINK_WIRED, 5).slow, 0);
    assert_int_equal(g_node.feat.vel.decim, 16);
    assert_true(g_node.feat.vel.tau_blocks == tau10);
}

/* A hop change re-checks the model: the hop is part of its feature spec (model-format §2.2). */
static void hop_change_rechecks_the_model(void **state)
{
    (void)state;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    config_set(NODE_LINK_WIRED, 1, (const uint8_t[]){1, 3, 2, 0, 1}, 5); /* hop 256 */
    expect_ack(NODE_LINK_WIRED, 1, MSG_TYPE_CONFIG_SET);
    assert_false(g_node.model_ok);
    assert_int_equal(hello_req(NODE_LINK_WIRED, 2).info.model_source, MSG_MODEL_SOURCE_NONE);
    config_set(NODE_LINK_WIRED, 3, (const uint8_t[]){1, 3, 2, 0, 2}, 5); /* back to 512 */
    expect_ack(NODE_LINK_WIRED, 3, MSG_TYPE_CONFIG_SET);
    assert_true(g_node.model_ok);
    assert_int_equal(hello_req(NODE_LINK_WIRED, 4).info.model_source, MSG_MODEL_SOURCE_BUILTIN);
}

/* ---- STREAM per link ---- */

static void stream(size_t link, uint16_t seq, uint8_t mode, uint8_t d)
{
    request(link, MSG_TYPE_STREAM, seq, (const uint8_t[]){mode, d}, 2);
}

static void stream_modes_per_link(void **state)
{
    (void)state;
    stream(NODE_LINK_WIRED, 1, 4, 1);
    expect_nack(NODE_LINK_WIRED, 1, MSG_TYPE_STREAM, MSG_NACK_OUT_OF_RANGE, 0);
    stream(NODE_LINK_WIRED, 2, 1, 0);
    expect_nack(NODE_LINK_WIRED, 2, MSG_TYPE_STREAM, MSG_NACK_OUT_OF_RANGE, 0);
    stream(NODE_LINK_WIRED, 3, 0, 65); /* D is checked even with raw off */
    expect_nack(NODE_LINK_WIRED, 3, MSG_TYPE_STREAM, MSG_NACK_OUT_OF_RANGE, 0);
    request(NODE_LINK_WIRED, MSG_TYPE_STREAM, 4, (const uint8_t[]){1}, 1);
    expect_nack(NODE_LINK_WIRED, 4, MSG_TYPE_STREAM, MSG_NACK_BAD_PAYLOAD, 0);
    /* BLE in the clear: only the boot default (mode 1, D 1) is accepted. */
    stream(NODE_LINK_BLE, 5, 3, 8);
    expect_nack(NODE_LINK_BLE, 5, MSG_TYPE_STREAM, MSG_NACK_AUTH_REQUIRED, 0);
    stream(NODE_LINK_BLE, 6, 1, 1);
    expect_ack(NODE_LINK_BLE, 6, MSG_TYPE_STREAM);
    /* The wired link off: FEATURES go to BLE only; LOG 6 told the change on BLE. */
    stream(NODE_LINK_WIRED, 7, 0, 1);
    expect_ack(NODE_LINK_WIRED, 7, MSG_TYPE_STREAM);
    assert_int_equal(take(&g_ble, g_rx, 64), 1);
    assert_int_equal(proto_get_u16le(&g_rx[0].payload[1]), MSG_LOG_STREAM);
    static float zeros[2 * 1024];
    memset(zeros, 0, sizeof zeros);
    assert_int_equal(node_push_samples(&g_node, zeros, 1024), VIGIL_OK);
    assert_int_equal(take(&g_wired, g_rx, 64), 0);
    assert_int_equal(take(&g_ble, g_rx, 64), 1);
    assert_int_equal(g_rx[0].type, MSG_TYPE_FEATURES);
    assert_int_equal(hello_req(NODE_LINK_WIRED, 8).info.stream_mode, 0);
    assert_int_equal(hello_req(NODE_LINK_BLE, 9).info.stream_mode, 1);
}

/* ---- RAW_BLOCK (§3.9) ---- */

/* The reference quantizer: q = floor(m / scale + 0.5), clamped; m the float32 mean. */
static int16_t ref_q(const float *x, size_t d, size_t axes, size_t a, float range_g)
{
    float sum = 0.0f;
    for (size_t i = 0; i < d; i++) {
        sum += x[i * axes + a];
    }
    const double v = floor((double)(sum / (float)d) / (double)(range_g / 32768.0f) + 0.5);
    return (int16_t)(v > 32767.0 ? 32767 : v < -32768.0 ? -32768 : v);
}

static float g_sig[2 * 4096];

static void raw_block_content_and_continuity(void **state)
{
    (void)state;
    uint32_t rng = 11;
    for (size_t i = 0; i < 2 * 4096; i++) {
        g_sig[i] = (float)((int32_t)(test_rand_u32(&rng) % 40001u) - 20000) / 1000.0f; /* +-20 g */
    }
    /* ties and limits: m / scale = 0.5, -0.5, -1.5, 2.5, beyond both ends */
    const float s = 16.0f / 32768.0f;
    const float special[] = {0.5f * s, -0.5f * s, -1.5f * s, 2.5f * s, 17.0f, -17.0f, 32767.4f * s, -32768.6f * s};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        g_sig[2 * i] = special[i];
    }
    /* D = 1 on the wired link: a block of 252 frames (2 axes), 1022 payload bytes, at most 1038 wire
     * bytes (1038 without a zero byte in the frame; every zero saves a COBS code byte). */
    assert_int_equal(node_push_samples(&g_node, g_sig, 100), VIGIL_OK); /* the stream is at frame 100 */
    (void)take(&g_wired, g_rx, 64);
    stream(NODE_LINK_WIRED, 1, 2, 1);
    expect_ack(NODE_LINK_WIRED, 1, MSG_TYPE_STREAM);
    (void)take(&g_ble, g_rx, 64);
    assert_int_equal(node_push_samples(&g_node, g_sig, 252), VIGIL_OK);
    assert_int_equal(take(&g_wired, g_rx, 64), 1);
    assert_int_equal(g_rx[0].type, MSG_TYPE_RAW_BLOCK);
    assert_int_equal(g_rx[0].payload_len, 1022);
    assert_int_equal(FRAME_WIRE_MAX(1022), 1038);
    assert_true(g_rx[0].wire_len <= 1038 && g_rx[0].wire_len >= 1034);
    msg_raw_block_t b;
    assert_int_equal(msg_raw_block_decode(g_rx[0].payload, g_rx[0].payload_len, &b), VIGIL_OK);
    assert_int_equal(b.first_frame, 100); /* raw began at the next sample */
    assert_int_equal(b.frame_count, 252);
    assert_int_equal(b.decimation, 1);
    assert_true(b.scale_g == s);
    const int16_t want_special[] = {1, 0, -1, 3, 32767, -32768, 32767, -32768};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(msg_raw_block_sample(&b, i, 0), want_special[i]);
    }
    for (size_t k = 0; k < 252; k++) {
        for (size_t a = 0; a < 2; a++) {
            assert_int_equal(msg_raw_block_sample(&b, k, a), ref_q(&g_sig[2 * k], 1, 2, a, 16.0f));
        }
    }
    /* D = 3, range 4 g: each sample the mean of 3 frames; first_frame + n * D from block to block. */
    config_set(NODE_LINK_WIRED, 2, (const uint8_t[]){1, 2, 1, 4}, 4);
    expect_ack(NODE_LINK_WIRED, 2, MSG_TYPE_CONFIG_SET);
    stream(NODE_LINK_WIRED, 3, 3, 3);
    expect_ack(NODE_LINK_WIRED, 3, MSG_TYPE_STREAM);
    (void)take(&g_wired, g_rx, 64);
    (void)take(&g_ble, g_rx, 64);
    const uint32_t start = (uint32_t)g_node.stream_frames;
    assert_int_equal(node_push_samples(&g_node, g_sig, 3 * 252 * 2 + 5), VIGIL_OK);
    size_t n = take(&g_wired, g_rx, 64), blocks = 0;
    for (size_t i = 0; i < n; i++) {
        if (g_rx[i].type != MSG_TYPE_RAW_BLOCK) {
            continue;
        }
        assert_int_equal(msg_raw_block_decode(g_rx[i].payload, g_rx[i].payload_len, &b), VIGIL_OK);
        assert_int_equal(b.first_frame, start + blocks * 252 * 3);
        assert_int_equal(b.decimation, 3);
        assert_true(b.scale_g == 4.0f / 32768.0f);
        for (size_t k = 0; k < 252; k += 17) {
            const float *x = &g_sig[2 * (blocks * 756 + 3 * k)];
            assert_int_equal(msg_raw_block_sample(&b, k, 0), ref_q(x, 3, 2, 0, 4.0f));
            assert_int_equal(msg_raw_block_sample(&b, k, 1), ref_q(x, 3, 2, 1, 4.0f));
        }
        blocks++;
    }
    assert_int_equal(blocks, 2);
    /* Nothing raw on the BLE link (its mode is 1). */
    n = take(&g_ble, g_rx, 64);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(g_rx[i].type, MSG_TYPE_RAW_BLOCK);
    }
}

/* ---- PAIR and SECURE ---- */

static const uint8_t k_key[32] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
                                  0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                                  0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};

static void pair(size_t link, uint16_t seq, const uint8_t key[32], const char *name)
{
    uint8_t p[80];
    const msg_pair_t m = {.name_len = (uint8_t)strlen(name), .name = (const uint8_t *)name};
    memcpy((void *)m.key, key, 32);
    size_t n = 0;
    assert_int_equal(msg_pair_encode(&m, p, sizeof p, &n), VIGIL_OK);
    request(link, MSG_TYPE_PAIR, seq, p, n);
}

static void pair_wired_only_then_hello_everywhere(void **state)
{
    (void)state;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    pair(NODE_LINK_BLE, 1, k_key, "x");
    expect_nack(NODE_LINK_BLE, 1, MSG_TYPE_PAIR, MSG_NACK_WIRED_ONLY, 0);
    request(NODE_LINK_WIRED, MSG_TYPE_PAIR, 2, k_key, 32);
    expect_nack(NODE_LINK_WIRED, 2, MSG_TYPE_PAIR, MSG_NACK_BAD_PAYLOAD, 0);
    pair(NODE_LINK_WIRED, 3, k_key, "press-7");
    size_t n = take(&g_wired, g_rx, 64);
    assert_int_equal(n, 3); /* ACK, HELLO, LOG 2 */
    assert_int_equal(g_rx[0].type, MSG_TYPE_ACK);
    assert_int_equal(g_rx[0].seq, 3);
    uint8_t digest[32];
    sha256(k_key, 32, digest);
    for (size_t link = 0; link < 2; link++) {
        if (link == 1) {
            assert_int_equal(take(&g_ble, g_rx, 64), 2);
            memmove(&g_rx[1], &g_rx[0], 2 * sizeof g_rx[0]);
        }
        msg_hello_t h = hello_of(&g_rx[1]);
        assert_int_equal(g_rx[1].seq, 0); /* the link's own seq */
        assert_int_equal(h.info.paired, 1);
        assert_memory_equal(h.info.key_id, digest, 4);
        assert_string_equal(h.name, "press-7");
        assert_int_equal(g_rx[2].type, MSG_TYPE_LOG);
        assert_int_equal(proto_get_u16le(&g_rx[2].payload[1]), MSG_LOG_PAIRED);
    }
    /* The built-in model keeps running under the new key. */
    assert_true(g_node.model_ok);
    assert_int_equal(hello_req(NODE_LINK_WIRED, 4).info.model_source, MSG_MODEL_SOURCE_BUILTIN);
    /* name_len 0 keeps the name; the all-zero key unpairs. */
    static const uint8_t zero[32];
    pair(NODE_LINK_WIRED, 5, zero, "");
    expect_ack(NODE_LINK_WIRED, 5, MSG_TYPE_PAIR);
    msg_hello_t h = hello_of(&g_rx[1]);
    assert_int_equal(h.info.paired, 0);
    assert_string_equal(h.name, "press-7");
    assert_int_equal(proto_get_u16le(&g_rx[2].payload[1]), MSG_LOG_UNPAIRED);
}

static void secure(size_t link, uint16_t seq, const uint8_t key[32], uint32_t counter, uint8_t inner_type,
                   const uint8_t *inner, size_t inner_len)
{
    uint8_t p[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    assert_int_equal(msg_secure_encode(key, g_node.link[link].nonce, seq, counter, inner_type, inner, inner_len, p,
                                       sizeof p, &n),
                     VIGIL_OK);
    request(link, MSG_TYPE_SECURE, seq, p, n);
}

static void secure_checks_in_order(void **state)
{
    (void)state;
    const uint8_t mode3[2] = {3, 8};
    /* Unpaired: NOT_PAIRED for anything inside. */
    secure(NODE_LINK_BLE, 1, k_key, 1, MSG_TYPE_STREAM, mode3, 2);
    expect_nack(NODE_LINK_BLE, 1, MSG_TYPE_SECURE, MSG_NACK_NOT_PAIRED, 0);
    request(NODE_LINK_BLE, MSG_TYPE_SECURE, 2, mode3, 2);
    expect_nack(NODE_LINK_BLE, 2, MSG_TYPE_SECURE, MSG_NACK_BAD_PAYLOAD, 0);
    pair(NODE_LINK_WIRED, 3, k_key, "");
    (void)take(&g_wired, g_rx, 64);
    (void)take(&g_ble, g_rx, 64);
    (void)hello_req(NODE_LINK_BLE, 4);

    /* A good tag: the inner command's response, with the SECURE frame's seq. */
    secure(NODE_LINK_BLE, 5, k_key, 1, MSG_TYPE_STREAM, mode3, 2);
    expect_ack(NODE_LINK_BLE, 5, MSG_TYPE_STREAM);
    assert_int_equal(g_node.link[NODE_LINK_BLE].mode, 3);
    assert_int_equal(g_node.link[NODE_LINK_BLE].decimation, 8);
    assert_int_equal(g_node.link[NODE_LINK_WIRED].mode, 1); /* the mode belongs to the link */
    /* The same counter again: REPLAY; a lower one too. */
    secure(NODE_LINK_BLE, 6, k_key, 1, MSG_TYPE_STREAM, mode3, 2);
    expect_nack(NODE_LINK_BLE, 6, MSG_TYPE_SECURE, MSG_NACK_REPLAY, 0);
    /* A bad tag (another key): AUTH_FAILED and a LOG 5 on every streaming link. */
    uint8_t other[32];
    memcpy(other, k_key, 32);
    other[0] ^= 1;
    (void)take(&g_wired, g_rx, 64); /* the LOG 6 of the BLE link's mode change */
    secure(NODE_LINK_BLE, 7, other, 9, MSG_TYPE_STREAM, mode3, 2);
    expect_nack(NODE_LINK_BLE, 7, MSG_TYPE_SECURE, MSG_NACK_AUTH_FAILED, 0);
    assert_int_equal(g_rx[1].type, MSG_TYPE_LOG);
    assert_int_equal(proto_get_u16le(&g_rx[1].payload[1]), MSG_LOG_AUTH_FAILED);
    assert_int_equal(take(&g_wired, g_rx, 64), 1);
    assert_int_equal(proto_get_u16le(&g_rx[0].payload[1]), MSG_LOG_AUTH_FAILED);
    assert_int_equal(g_node.stats.auth_failures, 1);
    /* A tag over another seq than the frame's: AUTH_FAILED (the seq is authenticated). */
    uint8_t p[64];
    size_t n = 0;
    assert_int_equal(msg_secure_encode(k_key, g_node.link[1].nonce, 100, 10, MSG_TYPE_STREAM, mode3, 2, p, sizeof p, &n),
                     VIGIL_OK);
    request(NODE_LINK_BLE, MSG_TYPE_SECURE, 101, p, n);
    expect_nack(NODE_LINK_BLE, 101, MSG_TYPE_SECURE, MSG_NACK_AUTH_FAILED, 0);
    /* Inside SECURE, a CONFIG_SET over BLE; its own NACKs name the inner type. */
    secure(NODE_LINK_BLE, 8, k_key, 2, MSG_TYPE_CONFIG_SET, (const uint8_t[]){1, 2, 1, 2}, 4);
    expect_ack(NODE_LINK_BLE, 8, MSG_TYPE_CONFIG_SET);
    assert_int_equal(g_node.range_g, 2);
    secure(NODE_LINK_BLE, 9, k_key, 3, MSG_TYPE_CONFIG_SET, (const uint8_t[]){1, 7, 2, 0, 4}, 5);
    expect_nack(NODE_LINK_BLE, 9, MSG_TYPE_CONFIG_SET, MSG_NACK_READ_ONLY, 7);
    secure(NODE_LINK_BLE, 10, k_key, 4, MSG_TYPE_PING, NULL, 0);
    expect_nack(NODE_LINK_BLE, 10, MSG_TYPE_PING, MSG_NACK_UNSUPPORTED, 0);
    /* A new nonce (HELLO_REQ) starts the counter again; tags over the old nonce fail. */
    const uint8_t old[8] = {0};
    memcpy((void *)old, g_node.link[1].nonce, 8);
    (void)hello_req(NODE_LINK_BLE, 11);
    secure(NODE_LINK_BLE, 12, k_key, 1, MSG_TYPE_STREAM, (const uint8_t[]){1, 1}, 2);
    expect_ack(NODE_LINK_BLE, 12, MSG_TYPE_STREAM);
    assert_int_equal(msg_secure_encode(k_key, old, 13, 2, MSG_TYPE_STREAM, mode3, 2, p, sizeof p, &n), VIGIL_OK);
    request(NODE_LINK_BLE, MSG_TYPE_SECURE, 13, p, n);
    expect_nack(NODE_LINK_BLE, 13, MSG_TYPE_SECURE, MSG_NACK_AUTH_FAILED, 0);
    /* SECURE is accepted on the wired link too. */
    (void)take(&g_wired, g_rx, 64); /* the LOGs of the changes above */
    secure(NODE_LINK_WIRED, 14, k_key, 1, MSG_TYPE_STREAM, (const uint8_t[]){0, 1}, 2);
    expect_ack(NODE_LINK_WIRED, 14, MSG_TYPE_STREAM);
}

/* A board whose randomness repeats (QEMU models no RNG) or failed (zeros: chip/stm32f4/rng.c). */
static uint8_t g_rand_byte;
static void fixed_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    memset(out, g_rand_byte, len);
}

static void nonce_from_a_repeatable_or_failed_rng(void **state)
{
    (void)state;
    static const uint8_t zero[8] = {0};
    node_config_t cfg = config();
    cfg.io.random = fixed_random;
    g_rand_byte = 0x5a;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    pair(NODE_LINK_WIRED, 1, k_key, "");
    (void)take(&g_wired, g_rx, 64);
    (void)take(&g_ble, g_rx, 64);
    /* The same board bytes twice: still two nonces, neither the board's bytes. */
    msg_hello_t a = hello_req(NODE_LINK_BLE, 2), b = hello_req(NODE_LINK_BLE, 3);
    assert_memory_not_equal(a.info.link_nonce, b.info.link_nonce, 8);
    assert_memory_not_equal(a.info.link_nonce, ((const uint8_t[8]){0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a}), 8);
    /* No entropy (the RNG failed): a zero nonce, and SECURE is refused even with a good tag over it. */
    g_rand_byte = 0;
    msg_hello_t c = hello_req(NODE_LINK_BLE, 4);
    assert_memory_equal(c.info.link_nonce, zero, 8);
    secure(NODE_LINK_BLE, 5, k_key, 1, MSG_TYPE_STREAM, (const uint8_t[]){3, 8}, 2);
    expect_nack(NODE_LINK_BLE, 5, MSG_TYPE_SECURE, MSG_NACK_AUTH_FAILED, 0);
    assert_int_equal(g_node.link[NODE_LINK_BLE].mode, 1);
    /* Entropy back: the next HELLO_REQ draws a nonce, and SECURE works again. */
    g_rand_byte = 0x33;
    (void)take(&g_ble, g_rx, 64);
    (void)take(&g_wired, g_rx, 64);
    msg_hello_t d = hello_req(NODE_LINK_BLE, 6);
    assert_memory_not_equal(d.info.link_nonce, zero, 8);
    secure(NODE_LINK_BLE, 7, k_key, 1, MSG_TYPE_STREAM, (const uint8_t[]){3, 8}, 2);
    expect_ack(NODE_LINK_BLE, 7, MSG_TYPE_STREAM);
}

/* ---- SAMPLES_IN per link ---- */

static void samples_in_links(void **state)
{
    (void)state;
    static uint8_t p[FRAME_MAX_PAYLOAD];
    size_t n = 0;
    static float zeros[2 * 127];
    memset(zeros, 0, sizeof zeros);
    assert_int_equal(msg_samples_in_encode(0, 2, zeros, 127, p, sizeof p, &n), VIGIL_OK);
    request(NODE_LINK_BLE, MSG_TYPE_SAMPLES_IN, 1, p, n); /* never on BLE: dropped, counted, no answer */
    assert_int_equal(g_node.stats.samples_in_rejected, 1);
    assert_int_equal(take(&g_ble, g_rx, 64), 0);
    request(NODE_LINK_FEED, MSG_TYPE_SAMPLES_IN, 2, p, n);
    assert_int_equal(g_node.stats.samples_in_frames, 127);
    request(NODE_LINK_FEED, MSG_TYPE_HELLO_REQ, 3, NULL, 0); /* the feed answers nothing */
    request(NODE_LINK_FEED, MSG_TYPE_PING, 4, NULL, 0);
    assert_int_equal(g_node.stats.feed_ignored, 2);
    assert_int_equal(take(&g_wired, g_rx, 64) + take(&g_ble, g_rx, 64), 0);
    node_rx_bytes(&g_node, 7, p, 4); /* a link this build does not have */
    /* The wired link continues the same stream. */
    assert_int_equal(msg_samples_in_encode(127, 2, zeros, 127, p, sizeof p, &n), VIGIL_OK);
    request(NODE_LINK_WIRED, MSG_TYPE_SAMPLES_IN, 5, p, n);
    assert_int_equal(g_node.stats.samples_in_frames, 254);
}

/* ---- model transfer (§3.14, §6.4) through node_rx_bytes ---- */

#define OTA_SLOT_SIZE 16384u
static _Alignas(4) uint8_t g_ota_mem[STORE_SLOTS * OTA_SLOT_SIZE];
static flash_ram_t g_ota_ram;
static store_flash_t g_ota_flash;
static store_t g_ota_store;
static _Alignas(4) uint8_t g_image[8192];

/* The node runs the built-in model from an empty store, with the receiver started (confirm after 3). */
static void ota_start(void)
{
    assert_int_equal(flash_ram_init(&g_ota_flash, &g_ota_ram, g_ota_mem, OTA_SLOT_SIZE), VIGIL_OK);
    assert_int_equal(store_init(&g_ota_store, &g_ota_flash), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    assert_int_equal(node_ota_init(&g_node, &g_ota_store, nn_default_model_blob, nn_default_model_len, 3), VIGIL_OK);
}

/* The built-in model as version `version`, CRC and tag under key (model-format §2.7); its length. */
static size_t ota_image(uint32_t version, const uint8_t key[32])
{
    const size_t len = nn_default_model_len;
    assert_true(len <= sizeof g_image);
    memcpy(g_image, nn_default_model_blob, len);
    proto_put_u32le(&g_image[12], version);
    const size_t crc_offset = len - 36u;
    proto_put_u32le(&g_image[crc_offset], proto_crc32_u8(g_image, crc_offset));
    hmac_sha256(key, 32, g_image, crc_offset + 4u, &g_image[crc_offset + 4u]);
    return len;
}

/* The request's MODEL_STATUS (decoded) on link. */
static msg_model_status_t ota_status_of(size_t link, uint16_t seq)
{
    const rx_frame_t *f = response(link, MSG_TYPE_MODEL_STATUS, seq);
    msg_model_status_t st;
    assert_int_equal(msg_model_status_decode(f->payload, f->payload_len, &st), VIGIL_OK);
    return st;
}

/* BEGIN, the chunks (1000 bytes) and COMMIT of g_image over the wired link; the COMMIT's response. */
static const rx_frame_t *ota_send_image(size_t len, uint32_t version, const uint8_t key[32], uint16_t seq)
{
    uint8_t p[MSG_MODEL_BEGIN_LEN];
    uint8_t h[32];
    sha256(g_image, len, h);
    proto_put_u32le(p, (uint32_t)len);
    proto_put_u32le(p + 4, version);
    memcpy(p + 8, h, 32);
    msg_model_begin_tag(key, (uint32_t)len, version, h, p + 40);
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_BEGIN, seq, p, sizeof p);
    assert_int_equal(ota_status_of(NODE_LINK_WIRED, seq).state, MSG_TRANSFER_RECEIVING);
    static uint8_t chunk[4 + 1000];
    for (uint32_t off = 0; off < len; off += 1000) {
        const size_t n = len - off < 1000 ? len - off : 1000;
        proto_put_u32le(chunk, off);
        memcpy(chunk + 4, g_image + off, n);
        request(NODE_LINK_WIRED, MSG_TYPE_MODEL_CHUNK, ++seq, chunk, 4 + n);
        assert_int_equal(ota_status_of(NODE_LINK_WIRED, seq).offset, off + n);
    }
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_COMMIT, ++seq, h, 32);
    size_t n = take(&g_wired, g_rx, 64);
    for (size_t i = 0; i < n; i++) {
        if (g_rx[i].seq == seq && (g_rx[i].type == MSG_TYPE_ACK || g_rx[i].type == MSG_TYPE_NACK)) {
            return &g_rx[i];
        }
    }
    fail_msg("no response to COMMIT");
    return NULL;
}

/* Feeds `windows` more feature windows (hop 512 frames each; the first window needs 1024); what
 * they send (FEATURES, EVENT) is skipped. */
static void ota_windows(unsigned windows)
{
    static float frames[2 * 1024];
    for (size_t i = 0; i < 1024; i++) {
        frames[2 * i] = 0.1f * sinf(0.05f * (float)i);
        frames[2 * i + 1] = 0.1f * cosf(0.03f * (float)i);
    }
    const uint32_t target = g_node.window_index + windows;
    while (g_node.window_index < target) {
        assert_int_equal(node_push_samples(&g_node, frames, g_node.window_index == 0 ? 1024 : 512), VIGIL_OK);
    }
    (void)take(&g_wired, g_rx, 64);
}

static void ota_update_runs_then_confirms(void **state)
{
    (void)state;
    ota_start();
    assert_true(hello_req(NODE_LINK_WIRED, 1).info.capabilities & MSG_CAP_MODEL_UPDATE);
    pair(NODE_LINK_WIRED, 2, k_key, "");
    (void)take(&g_wired, g_rx, 64);

    const rx_frame_t *r = ota_send_image(ota_image(2, k_key), 2, k_key, 10);
    assert_int_equal(r->type, MSG_TYPE_ACK);
    /* The new model runs on trial from store slot 0. */
    assert_true(g_node.model_ok);
    assert_int_equal(g_node.run.nn.model.model_version, 2);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_SLOT0 + 0);
    assert_int_equal(store_slot_info(&g_ota_store, 0).state, STORE_SLOT_TRYING);
    ota_windows(2);
    assert_int_equal(store_slot_info(&g_ota_store, 0).state, STORE_SLOT_TRYING);
    ota_windows(1);
    assert_int_equal(store_slot_info(&g_ota_store, 0).state, STORE_SLOT_CONFIRMED);
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_STATUS_REQ, 200, NULL, 0);
    const msg_model_status_t st = ota_status_of(NODE_LINK_WIRED, 200);
    assert_int_equal(st.state, MSG_TRANSFER_IDLE);
    assert_int_equal(st.running_version, 2);

    /* A rollback to the built-in model (version 1): the stored model is rejected, the factory one
     * runs (after a reset too: the golden exchange in test_transfer.c replays that). */
    uint8_t v1[4];
    proto_put_u32le(v1, 1);
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_ROLLBACK, 201, v1, 4);
    expect_ack(NODE_LINK_WIRED, 201, MSG_TYPE_MODEL_ROLLBACK);
    assert_int_equal(g_node.run.nn.model.model_version, 1);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_BUILTIN);
    assert_int_equal(store_slot_info(&g_ota_store, 0).state, STORE_SLOT_REJECTED);
    /* Version 2 again (newer than the factory model), confirmed... */
    r = ota_send_image(ota_image(2, k_key), 2, k_key, 202);
    assert_int_equal(r->type, MSG_TYPE_ACK);
    ota_windows(3);
    assert_int_equal(g_node.run.nn.model.model_version, 2);
    const int slot2 = g_node.model_source - MSG_MODEL_SOURCE_SLOT0;
    assert_int_equal(store_slot_info(&g_ota_store, (uint32_t)slot2).state, STORE_SLOT_CONFIRMED);
    /* ...and during a trial of version 3 a rollback returns to the model that ran before. */
    r = ota_send_image(ota_image(3, k_key), 3, k_key, 210);
    assert_int_equal(r->type, MSG_TYPE_ACK);
    assert_int_equal(g_node.run.nn.model.model_version, 3);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_SLOT0 + 1 - slot2);
    proto_put_u32le(v1, 2);
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_ROLLBACK, 300, v1, 4);
    expect_ack(NODE_LINK_WIRED, 300, MSG_TYPE_MODEL_ROLLBACK);
    assert_int_equal(g_node.run.nn.model.model_version, 2);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_SLOT0 + slot2);
    assert_int_equal(store_slot_info(&g_ota_store, (uint32_t)(1 - slot2)).state, STORE_SLOT_REJECTED);
}

static void ota_refused_image_keeps_the_running_model(void **state)
{
    (void)state;
    ota_start();
    uint8_t begin[MSG_MODEL_BEGIN_LEN] = {0};
    /* Unpaired: only the built-in model runs under the zero key. */
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_BEGIN, 1, begin, sizeof begin);
    expect_nack(NODE_LINK_WIRED, 1, MSG_TYPE_MODEL_BEGIN, MSG_NACK_NOT_PAIRED, 0);
    pair(NODE_LINK_WIRED, 2, k_key, "");
    (void)take(&g_wired, g_rx, 64);
    /* BEGIN signed with the node's key, the image itself under the zero key: refused at COMMIT. */
    static const uint8_t zero[32];
    const rx_frame_t *r = ota_send_image(ota_image(2, zero), 2, k_key, 10);
    assert_int_equal(r->type, MSG_TYPE_NACK);
    assert_int_equal(r->payload[0], MSG_TYPE_MODEL_COMMIT);
    assert_int_equal(r->payload[1], MSG_NACK_MODEL_KEY);
    assert_true(g_node.model_ok);
    assert_int_equal(g_node.run.nn.model.model_version, 1);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_BUILTIN);
    assert_int_equal(g_ota_store.active, -1);
    ota_windows(4);
    assert_int_equal(g_node.model_source, MSG_MODEL_SOURCE_BUILTIN);
    /* An older version than the one running is refused at BEGIN. */
    uint8_t p[MSG_MODEL_BEGIN_LEN];
    uint8_t h[32] = {0};
    proto_put_u32le(p, 100);
    proto_put_u32le(p + 4, 1);
    memcpy(p + 8, h, 32);
    msg_model_begin_tag(k_key, 100, 1, h, p + 40);
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_BEGIN, 30, p, sizeof p);
    expect_nack(NODE_LINK_WIRED, 30, MSG_TYPE_MODEL_BEGIN, MSG_NACK_MODEL_OLDER, 0);
}

static void ota_over_ble_needs_secure_but_for_chunks(void **state)
{
    (void)state;
    /* Without a receiver the requests are unknown. */
    request(NODE_LINK_WIRED, MSG_TYPE_MODEL_STATUS_REQ, 1, NULL, 0);
    expect_nack(NODE_LINK_WIRED, 1, MSG_TYPE_MODEL_STATUS_REQ, MSG_NACK_UNKNOWN_TYPE, 0);
    ota_start();
    pair(NODE_LINK_WIRED, 2, k_key, "");
    (void)take(&g_wired, g_rx, 64);
    (void)take(&g_ble, g_rx, 64);
    (void)hello_req(NODE_LINK_BLE, 3);
    request(NODE_LINK_BLE, MSG_TYPE_MODEL_STATUS_REQ, 4, NULL, 0);
    expect_nack(NODE_LINK_BLE, 4, MSG_TYPE_MODEL_STATUS_REQ, MSG_NACK_AUTH_REQUIRED, 0);
    uint8_t begin[MSG_MODEL_BEGIN_LEN] = {0};
    request(NODE_LINK_BLE, MSG_TYPE_MODEL_BEGIN, 5, begin, sizeof begin);
    expect_nack(NODE_LINK_BLE, 5, MSG_TYPE_MODEL_BEGIN, MSG_NACK_AUTH_REQUIRED, 0);
    assert_int_equal(g_node.ota.state, MSG_TRANSFER_IDLE);
    /* Inside SECURE: answered, with the SECURE frame's seq. */
    secure(NODE_LINK_BLE, 6, k_key, 1, MSG_TYPE_MODEL_STATUS_REQ, NULL, 0);
    assert_int_equal(ota_status_of(NODE_LINK_BLE, 6).running_version, 1);
    /* MODEL_CHUNK in the clear (§3.14): taken, but only into a transfer a SECURE BEGIN started. */
    static uint8_t chunk[4 + 64];
    const size_t len = ota_image(2, k_key);
    memcpy(chunk + 4, g_image, 64);
    request(NODE_LINK_BLE, MSG_TYPE_MODEL_CHUNK, 7, chunk, sizeof chunk);
    expect_nack(NODE_LINK_BLE, 7, MSG_TYPE_MODEL_CHUNK, MSG_NACK_NO_TRANSFER, 0);
    uint8_t p[MSG_MODEL_BEGIN_LEN];
    uint8_t h[32];
    sha256(g_image, len, h);
    proto_put_u32le(p, (uint32_t)len);
    proto_put_u32le(p + 4, 2);
    memcpy(p + 8, h, 32);
    msg_model_begin_tag(k_key, (uint32_t)len, 2, h, p + 40);
    secure(NODE_LINK_BLE, 8, k_key, 2, MSG_TYPE_MODEL_BEGIN, p, sizeof p);
    assert_int_equal(ota_status_of(NODE_LINK_BLE, 8).state, MSG_TRANSFER_RECEIVING);
    request(NODE_LINK_BLE, MSG_TYPE_MODEL_CHUNK, 9, chunk, sizeof chunk);
    assert_int_equal(ota_status_of(NODE_LINK_BLE, 9).offset, 64);
    /* COMMIT is a request like BEGIN: SECURE only. */
    request(NODE_LINK_BLE, MSG_TYPE_MODEL_COMMIT, 10, h, sizeof h);
    expect_nack(NODE_LINK_BLE, 10, MSG_TYPE_MODEL_COMMIT, MSG_NACK_AUTH_REQUIRED, 0);
    assert_int_equal(g_node.ota.state, MSG_TRANSFER_RECEIVING);
}

/* ---- the identity record (§4.3) ---- */

static void identity_survives_restart(void **state)
{
    (void)state;
    pair(NODE_LINK_WIRED, 1, k_key, "kept");
    expect_ack(NODE_LINK_WIRED, 1, MSG_TYPE_PAIR);
    const uint8_t p[17] = {4, 2, 1, 2, 3, 2, 0, 1, 4, 4, 0, 0, 0xF0, 0x41, 5, 1, 0};
    config_set(NODE_LINK_WIRED, 2, p, sizeof p); /* range 2, hop 256, shaft 30 Hz, no bands */
    expect_ack(NODE_LINK_WIRED, 2, MSG_TYPE_CONFIG_SET);

    uint8_t rec[NODE_IDENTITY_LEN + 8];
    const size_t len = identity_file_load(g_id_path, rec, sizeof rec);
    assert_int_equal(len, NODE_IDENTITY_LEN);
    assert_true(node_identity_intact(rec));
    node_config_t cfg = config();
    cfg.identity = rec;
    cfg.identity_len = len;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    msg_hello_t h = hello_req(NODE_LINK_WIRED, 3);
    assert_string_equal(h.name, "kept");
    assert_int_equal(h.hop, 256);
    assert_int_equal(h.info.paired, 1);
    assert_int_equal(h.info.range_g, 2);
    assert_int_equal(h.info.stream_mode, 1); /* stream modes are not kept */
    cfg_view_t v = config_get(NODE_LINK_WIRED, 4);
    assert_true(v.shaft == 30.0f);
    assert_int_equal(v.bands, 0);
    assert_memory_equal(g_node.key, k_key, 32);
    /* A store model must be signed with the kept key; the built-in one is trusted. */
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_SLOT0),
                     VIGIL_ERR_AUTH);
    /* A damaged record is ignored: the configuration's values. */
    rec[20] ^= 1;
    assert_false(node_identity_intact(rec));
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    h = hello_req(NODE_LINK_WIRED, 5);
    assert_string_equal(h.name, "link-node");
    assert_int_equal(h.info.paired, 0);
    /* No temporary file is left behind. */
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", g_id_path);
    assert_int_not_equal(access(tmp, F_OK), 0);
}

/* floor(frames 1e6 / rate) mod 2^64, by 128-bit arithmetic: the reference for node_frames_t_us. */
static uint64_t t_us_reference(uint64_t frames, uint32_t rate)
{
    return (uint64_t)(((unsigned __int128)frames * 1000000u) / rate);
}

/* node_frames_t_us divides with 32-bit divides only (node_stream.c): every sample rate the CONFIG
 * field can hold (any uint32 above 0), the counts around each whole second, 32-bit boundaries and
 * the largest counts (where secs 1e6 wraps 2^64), and pseudo-random values. */
static void frames_t_us_matches_a_128_bit_reference(void **state)
{
    (void)state;
    static const uint32_t rates[] = {1u, 2u, 3u, 7u, 1000u, 4294u, 4295u, 25600u, 26667u, 32768u,
                                     44100u, 48000u, 65535u, 65536u, 65537u, 96000u, 100000u, 1000000u,
                                     16777215u, 16777216u, 0x7FFFFFFFu, 0x80000000u, 0x80000001u,
                                     0xFFFFFFFEu, 0xFFFFFFFFu};
    static const uint64_t counts[] = {0u, 1u, 511u, 512u, 1024u, 0xFFFFu, 0x10000u, 0xFFFFFFFFu,
                                      0x100000000ull, 0x100000001ull, 0xFFFFFFFFFFull, 1ull << 44,
                                      (1ull << 44) + 4095u, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull,
                                      0xFFFFFFFFFFFFFFFEull, 0xFFFFFFFFFFFFFFFFull};
    uint64_t checked = 0;
    uint64_t x = 0x9E3779B97F4A7C15ull; /* xorshift64 */
    for (size_t r = 0; r < sizeof rates / sizeof rates[0] + 200u; r++) {
        uint32_t rate;
        if (r < sizeof rates / sizeof rates[0]) {
            rate = rates[r];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            rate = (uint32_t)(x >> (x & 31u)); /* every magnitude */
            rate = rate == 0u ? 1u : rate;
        }
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            assert_true(node_frames_t_us(counts[c], rate) == t_us_reference(counts[c], rate));
            checked++;
        }
        /* around whole seconds: k rate - 1, k rate, k rate + 1 */
        for (uint64_t k = 1; k < (1ull << 40); k = k * 3u + 1u) {
            const uint64_t f = k * rate;
            if (f / rate != k) {
                break; /* past 2^64 */
            }
            assert_true(node_frames_t_us(f - 1u, rate) == t_us_reference(f - 1u, rate));
            assert_true(node_frames_t_us(f, rate) == t_us_reference(f, rate));
            if (f + 1u != 0u) {
                assert_true(node_frames_t_us(f + 1u, rate) == t_us_reference(f + 1u, rate));
            }
            checked += 3u;
        }
        for (unsigned i = 0; i < 2000u; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const uint64_t f = x >> (x & 63u);
            assert_true(node_frames_t_us(f, rate) == t_us_reference(f, rate));
            checked++;
        }
    }
    assert_true(checked > 400000u);
    /* the windows' times: the node's own window counts for the rates it runs at */
    for (uint32_t w = 0; w < 100000u; w += 7u) {
        assert_true(node_window_t_us(w, 512u, 1024u, 26667u) == t_us_reference((uint64_t)w * 512u + 1024u, 26667u));
        assert_true(node_window_t_us(0xFFFFFFFFu - w, 4096u, 4096u, 48000u) ==
                    t_us_reference((uint64_t)(0xFFFFFFFFu - w) * 4096u + 4096u, 48000u));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(boot_hello_on_both_links_with_info, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_time_unknown, setup, teardown),
        cmocka_unit_test(frames_t_us_matches_a_128_bit_reference),
        cmocka_unit_test_setup_teardown(config_get_and_set, setup, teardown),
        cmocka_unit_test_setup_teardown(slow_machine_moves_the_velocity_band, setup, teardown),
        cmocka_unit_test_setup_teardown(hop_change_rechecks_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(stream_modes_per_link, setup, teardown),
        cmocka_unit_test_setup_teardown(raw_block_content_and_continuity, setup, teardown),
        cmocka_unit_test_setup_teardown(pair_wired_only_then_hello_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(secure_checks_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(nonce_from_a_repeatable_or_failed_rng, setup, teardown),
        cmocka_unit_test_setup_teardown(samples_in_links, setup, teardown),
        cmocka_unit_test_setup_teardown(identity_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(ota_update_runs_then_confirms, setup, teardown),
        cmocka_unit_test_setup_teardown(ota_refused_image_keeps_the_running_model, setup, teardown),
        cmocka_unit_test_setup_teardown(ota_over_ble_needs_secure_but_for_chunks, setup, teardown),
    };
    return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
