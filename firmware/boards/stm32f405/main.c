/*
 * vigil-node for the STM32F405 sensor node: the IIS3DWB on SPI1 (26.667 kHz, 3 axes, FIFO
 * threshold on INT1), the node core, the wired link on USART1 and the Bluetooth LE bridge module
 * on USART2 (docs/protocol.md §4.1), the model store in flash sectors 8-9, the identity record
 * (pairing key, name, CONFIG values, §4.3) in flash sector 5 (chip/stm32f4/flash_stm32f4.h),
 * SECURE nonces from the RNG peripheral, TIME's uptime from TIM5.
 *
 * Loop: on INT1 (or a FIFO check after any other wake-up), drain the FIFO into the node, which
 * sends FEATURES and EVENT frames; drain received bytes into the node (HELLO_REQ). Sleep in WFI
 * otherwise. A FIFO overrun (samples lost: the loop fell behind, or a flash erase stalled the
 * core) restarts the window stream, so every window is contiguous.
 *
 * CONFIG range_g re-programs the sensor's full scale (and restarts the sample stream).
 */
#include <stdint.h>
#include <string.h>

#if !VIGIL_NO_DEFAULT_MODEL
#include "../../src/nn/default_model.h"
#endif
#include "../../src/node/node.h"
#include "../../src/sensor/iis3dwb.h"
#include "../../src/store/store.h"
#include "../../src/version.h"
#include "board.h"
#include "flash_stm32f4.h"
#include "node_io.h"
#include "rng.h"
#include "uptime.h"
#include "usart.h"

#define UID_BASE 0x1FFF7A10u /* 96-bit unique device ID (RM0090 §39.1) */
#define FIFO_WATERMARK 128u  /* words: 4.8 ms of samples; the FIFO holds 512 (19 ms) */

static node_t g_node;
static iis3dwb_t g_sensor;
static spi_bus_t g_spi;
static store_flash_t g_flash;
static store_flash_t g_baseline_flash;
static store_t g_store;
static float g_frames[3u * 64u]; /* one FIFO burst at a time: the watermark drains in two */

static void random_cb(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    rng_hw_fill((const uint8_t *)UID_BASE, out, len);
}

static vigil_status_t save_identity_cb(void *ctx, const uint8_t *rec, size_t len)
{
    (void)ctx;
    return flash_stm32f4_identity_save(rec, len);
}

static iis3dwb_fs_t fs_of(uint8_t range_g)
{
    return range_g == 2u ? IIS3DWB_FS_2G : range_g == 8u ? IIS3DWB_FS_8G : range_g == 16u ? IIS3DWB_FS_16G
                                                                                          : IIS3DWB_FS_4G;
}

static void load_model(void)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    if (store_init(&g_store, &g_flash) == VIGIL_OK &&
        store_boot(&g_store, node_accept_model, &g_node, &blob, &len) == VIGIL_OK &&
        node_set_model(&g_node, blob, len, (uint8_t)(MSG_MODEL_SOURCE_SLOT0 + g_store.active)) == VIGIL_OK) {
        return;
    }
#if VIGIL_NO_DEFAULT_MODEL
    /* This image carries no built-in model (the Makefile says why): the node learns its own
     * baseline (docs/detection.md §3) until a model trained for it is installed. */
    node_clear_model(&g_node);
#else
    if (node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN) !=
        VIGIL_OK) {
        node_clear_model(&g_node);
    }
#endif
}

/* Model transfers (docs/protocol.md §3.14) into the flash store, beside the model that runs. */
static void start_ota(void)
{
#if VIGIL_NO_DEFAULT_MODEL
    const uint8_t *builtin = NULL;
    const size_t builtin_len = 0;
#else
    const uint8_t *builtin = nn_default_model_blob;
    const size_t builtin_len = nn_default_model_len;
#endif
    if (g_store.flash != NULL) {
        (void)node_ota_init(&g_node, &g_store, builtin, builtin_len, OTA_CONFIRM_AFTER_DEFAULT);
    }
}

int main(void)
{
    board_clock_init();
    usart_init(USART_PORT_1, BOARD_PCLK2_HZ, BOARD_LINK_BAUD);
    usart_init(USART_PORT_2, BOARD_PCLK1_HZ, BOARD_BLE_BAUD);
    uptime_init(2u * BOARD_PCLK1_HZ); /* APB1 timers run at twice PCLK1 */
    rng_hw_init();
    flash_stm32f4_init(&g_flash);
    flash_stm32f4_baseline_init(&g_baseline_flash);
    const uint8_t *identity = flash_stm32f4_identity_load(node_identity_intact);
    node_config_t cfg = {
        .axis_count = 3,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = IIS3DWB_ODR_HZ,
        .name = "vigil-node",
        .channels = "x,y,z",
        .board = MSG_BOARD_STM32F405,
        VIGIL_FW_VERSION_FIELDS,
        .send_bands = true,
        .sensor = MSG_SENSOR_IIS3DWB,
        .range_g = 4,
        .link = STM32F4_NODE_LINKS,
        .io = {.uptime_us = uptime_cb, .random = random_cb, .save_identity = save_identity_cb},
        .identity = identity,
        .identity_len = identity != NULL ? FLASH_STM32F4_RECORD_LEN : 0u,
        .store = &g_store,
        .baseline_flash = &g_baseline_flash,
    };
    memcpy(cfg.uid, (const void *)UID_BASE, MSG_UID_LEN);
    if (node_init(&g_node, &cfg) != VIGIL_OK) {
        for (;;) {
            __asm volatile("wfi");
        }
    }
    load_model();
    node_baseline_boot(&g_node);
    start_ota();
    (void)node_send_hello(&g_node);

    board_spi1_init(&g_spi);
    board_int1_init();
    uint8_t range_g = g_node.range_g;
    int sensor_ok = iis3dwb_init(&g_sensor, &g_spi, fs_of(range_g), FIFO_WATERMARK) == VIGIL_OK &&
                    iis3dwb_start(&g_sensor) == VIGIL_OK;
    uint32_t overruns = 0;

    for (;;) {
        if (g_node.range_g != range_g) { /* CONFIG range_g: the sensor's full scale follows */
            range_g = g_node.range_g;
            sensor_ok = iis3dwb_init(&g_sensor, &g_spi, fs_of(range_g), FIFO_WATERMARK) == VIGIL_OK &&
                        iis3dwb_start(&g_sensor) == VIGIL_OK;
            overruns = g_sensor.overruns;
            node_restart_stream(&g_node);
        }
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
        for (unsigned port = 0; port < USART_PORTS; port++) { /* port i is link i: wired, BLE */
            size_t k;
            while ((k = usart_read(port, buf, sizeof buf)) > 0) {
                node_rx_bytes(&g_node, port, buf, k);
            }
        }
        stm32f4_sleep_until_rx(); /* INT1 or a received byte wakes the core */
    }
}
