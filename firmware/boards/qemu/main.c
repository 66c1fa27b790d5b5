/*
 * vigil-node for QEMU netduinoplus2 (STM32F405): the node core on the emulated MCU, linked over
 * USART1. QEMU emulates no accelerometer, so the samples arrive over the link in SAMPLES_IN
 * frames (docs/protocol.md §3.4): a real recording replayed through the emulated node. QEMU does
 * not emulate the flash controller either (shared/DESIGN.md), so the model store lives in RAM
 * (store/flash_ram.c): empty at every boot, so the built-in default model runs.
 *
 * Sends the boot HELLO, then sleeps in WFI; each received byte goes to the node, which answers
 * HELLO_REQ and turns SAMPLES_IN into FEATURES and EVENT frames.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/nn/default_model.h"
#include "../../src/node/node.h"
#include "../../src/store/flash_ram.h"
#include "../../src/store/store.h"
#include "../../src/version.h"
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

static vigil_status_t usart_write_cb(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    usart_write(data, len);
    return VIGIL_OK;
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
        node_set_model(&g_node, blob, len) == VIGIL_OK) {
        return;
    }
    if (node_set_model(&g_node, nn_default_model_blob, nn_default_model_len) != VIGIL_OK) {
        node_clear_model(&g_node); /* features only: FEATURES carry a NaN score */
    }
}

int main(void)
{
    usart_init(16000000u, 115200u); /* the reset clock: HSI 16 MHz (QEMU models no RCC) */
    node_config_t cfg = {
        .axis_count = 2,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = QEMU_SAMPLE_RATE_HZ,
        .name = "qemu-node",
        .channels = QEMU_CHANNELS,
        .board = MSG_BOARD_QEMU,
        .fw_major = VIGIL_FW_MAJOR,
        .fw_minor = VIGIL_FW_MINOR,
        .fw_patch = VIGIL_FW_PATCH,
        .send_bands = true,
        .samples_in = true,
    };
    memcpy(cfg.uid, qemu_uid, sizeof cfg.uid);
    if (node_init(&g_node, &cfg, usart_write_cb, NULL) != VIGIL_OK) {
        halt(); /* a build-time configuration error: nothing sensible to send */
    }
    load_model();
    (void)node_send_hello(&g_node);

    for (;;) {
        /*
         * Sleep until an interrupt. Interrupts are masked around the emptiness check so a byte that
         * arrives between the check and WFI still wakes the core: WFI wakes on a pending interrupt
         * even with PRIMASK set (ARMv7-M ARM §B1.5.19), and the ISR runs after CPSIE.
         */
        __asm volatile("cpsid i" ::: "memory");
        if (usart_rx_available() == 0) {
            __asm volatile("wfi");
        }
        __asm volatile("cpsie i\n\tisb" ::: "memory");

        uint8_t buf[256];
        size_t n;
        while ((n = usart_read(buf, sizeof buf)) > 0) {
            node_rx_bytes(&g_node, buf, n);
        }
    }
}
