/*
 * libFuzzer harness: arbitrary bytes into the node's links and into every message decoder.
 *
 * The first input byte picks the target, the rest is the data:
 *   0, 1, 2   node_rx_bytes on the wired, Bluetooth LE or feed link of a node (host configuration:
 *             2 axes, window 1024, the built-in model, a BLE link, SAMPLES_IN taken, the model
 *             transfer receiver on a RAM store)
 *   3         the three links in turn, in chunks whose lengths the data's own bytes choose
 *   4 .. 17   one decoder each (HELLO, FEATURES, EVENT, SAMPLES_IN, ACK, NACK, PAIR, CONFIG with
 *             its entries, STREAM, RAW_BLOCK with its samples, TIME_REQ, TIME, LOG, SECURE with its tag)
 * Every input starts from a freshly initialised node (node_init, node_set_model), so a crash
 * reproduces from its input alone. A paired variant (selector bit 7)
 * sets a known key first, so SECURE gets past NOT_PAIRED.
 *
 * Built by `make fuzz` with clang -fsanitize=fuzzer,address,undefined (build/fuzz/fuzz_rx).
 */
#include <stdint.h>
#include <string.h>

#include "../../src/crypto/sha256.h"
#include "../../src/nn/default_model.h"
#include "../../src/node/node.h"
#include "../../src/store/flash_ram.h"
#include "../../src/store/store.h"

static node_t g_node;
static size_t g_written;
#define FUZZ_SLOT_SIZE 8192u
static _Alignas(4) uint8_t g_store_mem[STORE_SLOTS * FUZZ_SLOT_SIZE];
static flash_ram_t g_ram;
static store_flash_t g_flash;
static store_t g_store;

static vigil_status_t sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    /* Touch every byte, so a frame built from uninitialised or freed memory shows up. */
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc ^= data[i];
    }
    g_written += len + (acc == 0x5A);
    return (len & 0x3Fu) == 0x3Fu ? VIGIL_ERR_IO : VIGIL_OK; /* refuse some writes too */
}

static uint64_t clock_cb(void *ctx)
{
    (void)ctx;
    return g_written * 10u;
}

static void decode_all(uint8_t which, const uint8_t *p, size_t n)
{
    switch (which) {
    case 4: {
        static msg_hello_t m;
        (void)msg_hello_decode(p, n, &m);
        break;
    }
    case 5: {
        static msg_features_t m;
        (void)msg_features_decode(p, n, &m);
        break;
    }
    case 6: {
        msg_event_t m;
        (void)msg_event_decode(p, n, &m);
        break;
    }
    case 7: {
        msg_samples_in_t m;
        if (msg_samples_in_decode(p, n, &m) == VIGIL_OK && m.frame_count > 0) {
            volatile uint8_t last = m.samples[4u * m.axis_count * m.frame_count - 1u];
            (void)last;
        }
        break;
    }
    case 8: {
        uint8_t t;
        (void)msg_ack_decode(p, n, &t);
        break;
    }
    case 9: {
        msg_nack_t m;
        (void)msg_nack_decode(p, n, &m);
        break;
    }
    case 10: {
        msg_pair_t m;
        if (msg_pair_decode(p, n, &m) == VIGIL_OK && m.name_len > 0) {
            volatile uint8_t last = m.name[m.name_len - 1u];
            (void)last;
        }
        break;
    }
    case 11: {
        msg_config_t c;
        if (msg_config_decode(p, n, &c) == VIGIL_OK) {
            size_t pos = 0;
            for (size_t i = 0; i < c.count; i++) {
                msg_config_entry_t e;
                msg_config_next(&c, &pos, &e);
                if (e.len > 0) {
                    volatile uint8_t last = e.value[e.len - 1u];
                    (void)last;
                }
            }
        }
        break;
    }
    case 12: {
        msg_stream_t m;
        (void)msg_stream_decode(p, n, &m);
        break;
    }
    case 13: {
        msg_raw_block_t m;
        if (msg_raw_block_decode(p, n, &m) == VIGIL_OK) {
            for (size_t k = 0; k < m.frame_count; k++) {
                (void)msg_raw_block_sample(&m, k, m.axis_count - 1u);
            }
        }
        break;
    }
    case 14: {
        uint64_t t;
        (void)msg_time_req_decode(p, n, &t);
        break;
    }
    case 15: {
        msg_time_t m;
        (void)msg_time_decode(p, n, &m);
        break;
    }
    case 16: {
        msg_log_t m;
        if (msg_log_decode(p, n, &m) == VIGIL_OK && m.text_len > 0) {
            volatile uint8_t last = m.text[m.text_len - 1u];
            (void)last;
        }
        break;
    }
    default: {
        msg_secure_t m;
        if (msg_secure_decode(p, n, &m) == VIGIL_OK) {
            static const uint8_t key[32] = {1}, nonce[8] = {2};
            uint8_t tag[16];
            msg_secure_tag(key, nonce, 0, m.counter, m.inner_type, m.inner, m.inner_len, tag);
            (void)crypto_equal_ct(tag, m.tag, 16);
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const uint8_t sel = data[0];
    const uint8_t which = (uint8_t)((sel & 0x7Fu) % 18u);
    data++;
    size--;
    if (which >= 4) {
        decode_all(which, data, size);
        return 0;
    }
    node_config_t cfg = {
        .axis_count = 2, .window_len = 1024, .hop = 512, .sample_rate_hz = 48000, .name = "fuzz",
        .channels = "DE_accel,FE_accel", .board = MSG_BOARD_HOST, .send_bands = true, .samples_in = true,
        .link = {[NODE_LINK_WIRED] = {sink, NULL}, [NODE_LINK_BLE] = {sink, NULL}},
        .io = {.uptime_us = clock_cb},
    };
    if (node_init(&g_node, &cfg) != VIGIL_OK ||
        node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN) != VIGIL_OK ||
        flash_ram_init(&g_flash, &g_ram, g_store_mem, FUZZ_SLOT_SIZE) != VIGIL_OK ||
        store_init(&g_store, &g_flash) != VIGIL_OK ||
        node_ota_init(&g_node, &g_store, nn_default_model_blob, nn_default_model_len, 2) != VIGIL_OK) {
        __builtin_trap();
    }
    if (sel & 0x80u) {
        static const uint8_t key[32] = {0x10, 0x11, 0x12, 0x13};
        node_set_key(&g_node, key);
    }
    if (which < 3) {
        node_rx_bytes(&g_node, which, data, size);
        return 0;
    }
    size_t link = 0;
    while (size > 0) {
        size_t n = 1u + data[0] % 64u;
        n = n < size ? n : size;
        node_rx_bytes(&g_node, link, data, n);
        data += n;
        size -= n;
        link = (link + 1u) % NODE_LINKS_MAX;
    }
    return 0;
}
