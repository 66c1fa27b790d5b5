/*
 * vigil-node for the STM32F405 sensor node: the IIS3DWB on SPI1 (26.667 kHz, 3 axes, FIFO
 * threshold on INT1), the node core, the link on USART1, the model store in flash sectors 3-4.
 *
 * Loop: on INT1 (or a FIFO check after any other wake-up), drain the FIFO into the node, which
 * sends FEATURES and EVENT frames; drain received bytes into the node (HELLO_REQ). Sleep in WFI
 * otherwise. A FIFO overrun (samples lost: the loop fell behind, or a flash erase stalled the
 * core) restarts the window stream, so every window is contiguous.
 *
 * Not provisioned with a pairing key yet (the PAIR message comes with the OTA/pairing issue): the
 * node verifies model tags under the unpaired all-zero key.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/nn/default_model.h"
#include "../../src/node/node.h"
#include "../../src/sensor/iis3dwb.h"
#include "../../src/store/store.h"
#include "../../src/version.h"
#include "board.h"
#include "flash_stm32f4.h"
#include "usart.h"

#define UID_BASE 0x1FFF7A10u /* 96-bit unique device ID (RM0090 §39.1) */
#define FIFO_WATERMARK 128u  /* words: 4.8 ms of samples; the FIFO holds 512 (19 ms) */

static node_t g_node;
static iis3dwb_t g_sensor;
static spi_bus_t g_spi;
static store_flash_t g_flash;
static store_t g_store;
static float g_frames[3u * 64u]; /* one FIFO burst at a time: the watermark drains in two */

static vigil_status_t usart_write_cb(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    usart_write(data, len);
    return VIGIL_OK;
}

static void load_model(void)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    flash_stm32f4_init(&g_flash);
    if (store_init(&g_store, &g_flash) == VIGIL_OK &&
        store_boot(&g_store, node_accept_model, &g_node, &blob, &len) == VIGIL_OK &&
        node_set_model(&g_node, blob, len) == VIGIL_OK) {
        return;
    }
    /* The built-in model is for the CWRU demo configuration (48 kHz, 2 axes): its feature spec is
     * not this node's, so it is refused and the node streams features without a score until a
     * model trained on this machine is installed. */
    if (node_set_model(&g_node, nn_default_model_blob, nn_default_model_len) != VIGIL_OK) {
        node_clear_model(&g_node);
    }
}

int main(void)
{
    board_clock_init();
    usart_init(BOARD_PCLK2_HZ, BOARD_LINK_BAUD);
    node_config_t cfg = {
        .axis_count = 3,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = IIS3DWB_ODR_HZ,
        .name = "vigil-node",
        .channels = "x,y,z",
        .board = MSG_BOARD_STM32F405,
        .fw_major = VIGIL_FW_MAJOR,
        .fw_minor = VIGIL_FW_MINOR,
        .fw_patch = VIGIL_FW_PATCH,
        .send_bands = true,
    };
    memcpy(cfg.uid, (const void *)UID_BASE, MSG_UID_LEN);
    if (node_init(&g_node, &cfg, usart_write_cb, NULL) != VIGIL_OK) {
        for (;;) {
            __asm volatile("wfi");
        }
    }
    load_model();
    (void)node_send_hello(&g_node);

    board_spi1_init(&g_spi);
    board_int1_init();
    const int sensor_ok = iis3dwb_init(&g_sensor, &g_spi, IIS3DWB_FS_4G, FIFO_WATERMARK) == VIGIL_OK &&
                          iis3dwb_start(&g_sensor) == VIGIL_OK;
    uint32_t overruns = 0;

    for (;;) {
        if (sensor_ok) {
            (void)board_int1_take();
            int32_t n;
            while ((n = iis3dwb_read(&g_sensor, g_frames, sizeof g_frames / sizeof g_frames[0] / 3u)) > 0) {
                if (g_sensor.overruns != overruns) {
                    overruns = g_sensor.overruns;
                    node_restart_stream(&g_node); /* samples were lost before these */
                }
                if (node_push_samples(&g_node, g_frames, (size_t)n) != VIGIL_OK) {
                    break; /* cannot happen: g_frames is not NULL */
                }
            }
        }
        uint8_t buf[64];
        size_t k;
        while ((k = usart_read(buf, sizeof buf)) > 0) {
            node_rx_bytes(&g_node, buf, k);
        }
        __asm volatile("cpsid i" ::: "memory");
        if (usart_rx_available() == 0) {
            __asm volatile("wfi"); /* INT1 or a received byte wakes the core */
        }
        __asm volatile("cpsie i\n\tisb" ::: "memory");
    }
}
