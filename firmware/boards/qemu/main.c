/*
 * vigil-node for QEMU netduinoplus2 (STM32F405): the node core on the emulated MCU, linked over
 * USART1. Sends the boot HELLO, replays the compiled-in recording excerpt once (unpaced: the
 * emulated UART takes bytes instantly), then sleeps in WFI and answers HELLO_REQ.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/node/node.h"
#include "../../src/version.h"
#include "demo_samples.h"
#include "usart.h"

/*
 * Fixed node id, ASCII "qemu-node-01". The real chip's 96-bit unique ID at 0x1FFF7A10
 * (RM0090 §39.1) is not modelled by QEMU; the STM32F405 board will read it there instead.
 */
static const uint8_t qemu_uid[MSG_UID_LEN] = {'q', 'e', 'm', 'u', '-', 'n', 'o', 'd', 'e', '-', '0', '1'};

static node_t g_node; /* ~50 KB of window buffers: .bss, not the stack */

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

int main(void)
{
    usart_init();
    node_config_t cfg = {
        .axis_count = DEMO_SAMPLES_AXES,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = DEMO_SAMPLES_RATE_HZ,
        .name = "qemu-node",
        .channels = DEMO_SAMPLES_CHANNELS,
        .board = MSG_BOARD_QEMU,
        .fw_major = VIGIL_FW_MAJOR,
        .fw_minor = VIGIL_FW_MINOR,
        .fw_patch = VIGIL_FW_PATCH,
    };
    memcpy(cfg.uid, qemu_uid, sizeof cfg.uid);
    if (node_init(&g_node, &cfg, usart_write_cb, NULL) != VIGIL_OK) {
        halt(); /* a build-time configuration error: nothing sensible to send */
    }
    (void)node_send_hello(&g_node);
    if (node_push_samples(&g_node, &demo_samples[0][0], DEMO_SAMPLES_ROWS) != VIGIL_OK) {
        halt();
    }

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

        uint8_t buf[64];
        size_t n;
        while ((n = usart_read(buf, sizeof buf)) > 0) {
            node_rx_bytes(&g_node, buf, n);
        }
    }
}
