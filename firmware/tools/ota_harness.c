/*
 * The node's model transfer receiver (src/ota/transfer.c) over stdin/stdout, for the app's sender
 * tests (test/integration/ota-c-receiver.test.ts): a node on a RAM model store that runs the model
 * of test/vectors/nn_vectors.h (version 7, confirmed in slot 0) under that file's test key (or no
 * key: --unpaired). One command per line, one answer line each:
 *   Q TT HEX   a request of type TT (hex) with its payload  ->  A TT HEX V  (the response; V: the running version)
 *   W 1|0      a healthy or unhealthy feature window          ->  A 00 - V
 *   B          the node restarts (store_boot, receiver reset) ->  A 00 - V
 *   M          the running slot's blob                        ->  A 00 SHA256 V  (- when the built-in model runs)
 * Bad input gets a plain-words line on stderr and exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/crypto/sha256.h"
#include "../src/nn/infer.h"
#include "../src/nn/model.h"
#include "../src/ota/transfer.h"
#include "../src/proto/frame.h"
#include "../src/store/flash_ram.h"
#include "../src/store/store.h"
#include "../test/model_check.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "nn_vectors.h"
#pragma GCC diagnostic pop

#define SLOT_SIZE 10240u
#define BUILTIN_VERSION 1u
#define CONFIRM_AFTER 3u

static _Alignas(4) uint8_t g_mem[STORE_SLOTS * SLOT_SIZE];
static store_flash_t g_flash;
static flash_ram_t g_ram;
static store_t g_store;
static ota_rx_t g_rx;
static uint8_t g_key[32];
static uint32_t g_running;
/* What node_accept_model checks, under the node's key and the vector model's feature spec. */
static vigil_status_t check(void *ctx, const uint8_t *blob, size_t len)
{
    (void)ctx;
    return model_check(g_key, VEC_NN_MODEL_BLOB + 48, blob, len);
}

static void fail(const char *what)
{
    fprintf(stderr, "ota-harness: %s\n", what);
    exit(2);
}

static void boot(void)
{
    const uint8_t *blob;
    size_t len;
    if (store_init(&g_store, &g_flash) != VIGIL_OK) {
        fail("cannot open the RAM store");
    }
    const vigil_status_t st = store_boot(&g_store, check, NULL, &blob, &len);
    g_running = st == VIGIL_OK ? (uint32_t)blob[12] | (uint32_t)blob[13] << 8 | (uint32_t)blob[14] << 16 |
                                     (uint32_t)blob[15] << 24
                               : BUILTIN_VERSION;
    const ota_config_t cfg = {&g_store, g_key, check, NULL, CONFIRM_AFTER, BUILTIN_VERSION};
    if (ota_init(&g_rx, &cfg, g_running) != VIGIL_OK) {
        fail("cannot start the receiver");
    }
}

static void load(void)
{
    uint32_t slot;
    const ota_run_t r = ota_take_run(&g_rx, &slot);
    if (r == OTA_RUN_SLOT) {
        g_running = store_slot_info(&g_store, slot).version;
    } else if (r == OTA_RUN_BUILTIN) {
        g_running = BUILTIN_VERSION;
    }
}

static void print_hex(const uint8_t *p, size_t n)
{
    if (n == 0) {
        fputc('-', stdout);
    }
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static int hex_digit(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int main(int argc, char **argv)
{
    const int unpaired = argc > 1 && strcmp(argv[1], "--unpaired") == 0;
    memcpy(g_key, VEC_NN_TEST_KEY, 32);
    if (flash_ram_init(&g_flash, &g_ram, g_mem, SLOT_SIZE) != VIGIL_OK || store_init(&g_store, &g_flash) != VIGIL_OK ||
        store_write(&g_store, VEC_NN_MODEL_BLOB, VEC_NN_MODEL_LEN) != VIGIL_OK) {
        fail("cannot install the vector model");
    }
    boot(); /* trials and confirms it */
    if (unpaired) {
        memset(g_key, 0, sizeof g_key);
        boot();
    }
    static char line[2 * (FRAME_MAX_PAYLOAD + 16)];
    static uint8_t payload[FRAME_MAX_PAYLOAD];
    while (fgets(line, sizeof line, stdin) != NULL) {
        uint8_t out[OTA_RESPONSE_MAX], type = 0;
        size_t out_len = 0;
        if (line[0] == 'Q') {
            unsigned t;
            int used = 0;
            if (sscanf(line, "Q %2x %n", &t, &used) != 1) {
                fail("a request line is: Q TYPE HEX");
            }
            size_t n = 0;
            for (const char *p = line + used; hex_digit(p[0]) >= 0 && hex_digit(p[1]) >= 0; p += 2) {
                if (n == sizeof payload) {
                    fail("the payload is longer than a frame's");
                }
                payload[n++] = (uint8_t)(hex_digit(p[0]) << 4 | hex_digit(p[1]));
            }
            ota_handle(&g_rx, (uint8_t)t, payload, n, &type, out, &out_len);
            load();
        } else if (line[0] == 'W') {
            ota_window(&g_rx, line[2] == '1');
            load();
        } else if (line[0] == 'B') {
            boot();
        } else if (line[0] == 'M') {
            if (g_store.active >= 0) {
                sha256(g_store.flash->read(g_store.flash, (uint32_t)g_store.active),
                       store_slot_info(&g_store, (uint32_t)g_store.active).length, out);
                out_len = 32;
            }
        } else {
            fail("unknown command (Q, W, B or M)");
        }
        printf("A %02x ", type);
        print_hex(out, out_len);
        printf(" %u\n", (unsigned)g_running);
        fflush(stdout);
    }
    return 0;
}
