/*
 * vigil-node for QEMU netduinoplus2 (STM32F405): the node core on the emulated MCU, with three links
 * (docs/protocol.md §4.1): USART1 (the first -serial) is the wired link, USART2 (the second) the
 * Bluetooth LE bridge link, USART3 (the third) the sensor feed, which only takes SAMPLES_IN and
 * sends nothing. QEMU emulates no accelerometer, so the samples arrive in SAMPLES_IN frames
 * (§3.4), on the wired link or the feed: a real recording replayed through the emulated node.
 * A -serial that is not given leaves its USART without a backend: the node writes into the void
 * and hears nothing there, so one -serial still gives a working wired-only node.
 *
 * QEMU does not emulate the flash controller (its netduinoplus2 machine models no flash interface):
 * the model store and the identity record (pairing key, name, CONFIG values, §4.3) live in RAM and
 * are forgotten at every start; the built-in default model runs. QEMU has no RNG either: the SECURE nonces come from
 * SHA-256(uid || counter || timer), which is WEAK: the node mixes in its key, yet a nonce of an earlier boot can come again (chip/stm32f4/rng.h).
 *
 * Sends the boot HELLO on both sending links, then sleeps in WFI; received bytes go to the node.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/nn/default_model.h"
#include "../../src/node/node.h"
#include "../../src/store/flash_ram.h"
#include "../../src/store/store.h"
#include "../../src/version.h"
#include "node_io.h"
#include "rng.h"
#include "uptime.h"
#include "usart.h"

#define QEMU_SAMPLE_RATE_HZ 48000u /* the CWRU recordings the tests replay */
#define QEMU_CHANNELS "DE_accel,FE_accel"
#define QEMU_STORE_SLOT_SIZE 10240u /* a 64-32-8-32-64 model is 7,980 bytes */

/*
 * Fixed node id, ASCII "qemu-node-01". The real chip's 96-bit unique ID at 0x1FFF7A10
 * (RM0090 §39.1) is not modelled by QEMU; the STM32F405 board reads it there instead.
 */
static const uint8_t qemu_uid[MSG_UID_LEN] = {'q', 'e', 'm', 'u', '-', 'n', 'o', 'd', 'e', '-', '0', '1'};

static node_t g_node;
static _Alignas(4) uint8_t g_store_mem[STORE_SLOTS * QEMU_STORE_SLOT_SIZE];
static store_flash_t g_flash;
static flash_ram_t g_ram;
static store_t g_store;
/* The node's own baseline record, in RAM like the model store (forgotten at every start). */
#define QEMU_BASELINE_SLOT_SIZE 4096u
static _Alignas(4) uint8_t g_baseline_mem[STORE_SLOTS * QEMU_BASELINE_SLOT_SIZE];
static store_flash_t g_baseline_flash;
static flash_ram_t g_baseline_ram;

static void random_cb(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    rng_weak_fill(qemu_uid, out, len);
}

static void halt(void)
{
    for (;;) {
        __asm volatile("wfi");
    }
}

/* The newest confirmed model in the store, else the built-in default (docs/model-format.md). */
static void load_model(void)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    if (flash_ram_init(&g_flash, &g_ram, g_store_mem, QEMU_STORE_SLOT_SIZE) == VIGIL_OK &&
        store_init(&g_store, &g_flash) == VIGIL_OK &&
        store_boot(&g_store, node_accept_model, &g_node, &blob, &len) == VIGIL_OK &&
        node_set_model(&g_node, blob, len, (uint8_t)(MSG_MODEL_SOURCE_SLOT0 + g_store.active)) == VIGIL_OK) {
        return;
    }
    if (node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN) !=
        VIGIL_OK) {
        node_clear_model(&g_node); /* features only: FEATURES say "no model" (score -1) */
    }
}

/* Model transfers (docs/protocol.md §3.14) into the RAM store, beside the model that runs. */
static void start_ota(void)
{
    if (g_store.flash != NULL) {
        (void)node_ota_init(&g_node, &g_store, nn_default_model_blob, nn_default_model_len,
                            OTA_CONFIRM_AFTER_DEFAULT);
    }
}

int main(void)
{
    for (unsigned port = 0; port < USART_PORTS; port++) {
        usart_init(port, 16000000u, 115200u); /* the reset clock: HSI 16 MHz (QEMU models no RCC) */
    }
    uptime_init(1000000000u); /* QEMU's timers count at 1 GHz */
    node_config_t cfg = {
        .axis_count = 2,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = QEMU_SAMPLE_RATE_HZ,
        .name = "qemu-node",
        .channels = QEMU_CHANNELS,
        .board = MSG_BOARD_QEMU,
        VIGIL_FW_VERSION_FIELDS,
        .send_bands = true,
        .samples_in = true,
        .sensor = MSG_SENSOR_NONE,
        .range_g = 16,
        .link = STM32F4_NODE_LINKS, /* the feed link (USART3) sends nothing: no write callback */
        .io = {.uptime_us = uptime_cb, .random = random_cb, .save_identity = NULL},
        .store = &g_store,
    };
    memcpy(cfg.uid, qemu_uid, sizeof cfg.uid);
    if (flash_ram_init(&g_baseline_flash, &g_baseline_ram, g_baseline_mem, QEMU_BASELINE_SLOT_SIZE) == VIGIL_OK) {
        cfg.baseline_flash = &g_baseline_flash;
    }
    if (node_init(&g_node, &cfg) != VIGIL_OK) {
        halt(); /* a build-time configuration error: nothing sensible to send */
    }
    load_model();
    node_baseline_boot(&g_node);
    start_ota();
    (void)node_send_hello(&g_node);

    for (;;) {
        stm32f4_sleep_until_rx();

        /* Link i is USART port i (wired, BLE, feed); a slice of each in turn. */
        uint8_t buf[256];
        for (unsigned port = 0; port < USART_PORTS; port++) {
            const size_t n = usart_read(port, buf, sizeof buf);
            if (n > 0) {
                node_rx_bytes(&g_node, port, buf, n);
            }
        }
    }
}
