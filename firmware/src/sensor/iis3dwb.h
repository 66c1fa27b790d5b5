/*
 * ST IIS3DWB, the wide-band 3-axis vibration accelerometer (datasheet DS13082): 26.667 kHz output
 * rate on three axes, +-2/4/8/16 g, 3 KB FIFO of 7-byte tagged words, SPI up to 10 MHz (mode 0 or
 * 3). Register-level driver: configure the FIFO in continuous mode with the accelerometer batched
 * at the full rate and the FIFO threshold on INT1; the board calls iis3dwb_read when INT1 rises
 * (or polls) and the driver drains the FIFO in bursts, converting to g.
 */
#ifndef SENSOR_IIS3DWB_H
#define SENSOR_IIS3DWB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "sensor.h"
#include "spi.h"

/* Registers (DS13082 §8, "Register mapping"). */
#define IIS3DWB_FIFO_CTRL1 0x07u       /* WTM[7:0] */
#define IIS3DWB_FIFO_CTRL2 0x08u       /* bit 0 WTM[8] */
#define IIS3DWB_FIFO_CTRL3 0x09u       /* BDR_XL[3:0] */
#define IIS3DWB_FIFO_CTRL4 0x0Au       /* FIFO_MODE[2:0] */
#define IIS3DWB_INT1_CTRL 0x0Du
#define IIS3DWB_WHO_AM_I 0x0Fu
#define IIS3DWB_CTRL1_XL 0x10u
#define IIS3DWB_CTRL3_C 0x12u
#define IIS3DWB_CTRL4_C 0x13u
#define IIS3DWB_FIFO_STATUS1 0x3Au     /* DIFF_FIFO[7:0] */
#define IIS3DWB_FIFO_STATUS2 0x3Bu     /* DIFF_FIFO[9:8], flags */
#define IIS3DWB_FIFO_DATA_OUT_TAG 0x78u /* then X_L, X_H, Y_L, Y_H, Z_L, Z_H */

#define IIS3DWB_WHO_AM_I_VALUE 0x7Bu
#define IIS3DWB_SPI_READ 0x80u         /* §6.2.1: bit 7 of the address byte set for a read */
#define IIS3DWB_CTRL3_SW_RESET 0x01u   /* §9.13 */
#define IIS3DWB_CTRL3_IF_INC 0x04u
#define IIS3DWB_CTRL3_BDU 0x40u
#define IIS3DWB_CTRL4_I2C_DISABLE 0x04u /* §9.14: SPI only */
#define IIS3DWB_CTRL1_XL_EN 0xA0u      /* §9.11: XL_EN[2:0] = 101, accelerometer on */
#define IIS3DWB_BDR_XL_26667HZ 0x0Au   /* §9.4: BDR_XL = 1010 */
#define IIS3DWB_FIFO_MODE_CONTINUOUS 0x06u /* §9.5: FIFO_MODE = 110 */
#define IIS3DWB_INT1_FIFO_TH 0x08u     /* §9.7 */
#define IIS3DWB_STATUS2_OVR 0x40u      /* §9.24: FIFO_OVR_IA */
#define IIS3DWB_TAG_XL 0x02u           /* §10: FIFO tag of an accelerometer word */
#define IIS3DWB_FIFO_WORDS 512u        /* 3 KB / (tag + 6 bytes) */
#define IIS3DWB_ODR_HZ 26667u

typedef enum { IIS3DWB_FS_2G = 0, IIS3DWB_FS_4G, IIS3DWB_FS_8G, IIS3DWB_FS_16G } iis3dwb_fs_t;

/* Words fetched per SPI burst: 32 x 7 = 224 bytes of buffer. */
#define IIS3DWB_BURST_WORDS 32u

typedef struct {
    const spi_bus_t *bus;
    iis3dwb_fs_t fs;
    uint16_t watermark;      /* FIFO words that raise INT1, 1 .. 511 */
    float g_per_lsb;
    uint32_t overruns;       /* times the FIFO filled before it was read: samples were lost */
    uint32_t other_tags;     /* FIFO words that were not accelerometer data (skipped) */
    uint32_t frames;         /* frames delivered */
    uint8_t buf[IIS3DWB_BURST_WORDS * 7u];
} iis3dwb_t;

/* Binds the driver to a bus (no SPI traffic). VIGIL_ERR_ARG for a watermark outside 1..511. */
VIGIL_NODISCARD vigil_status_t iis3dwb_init(iis3dwb_t *d, const spi_bus_t *bus, iis3dwb_fs_t fs,
                                            uint16_t watermark);

/* Checks WHO_AM_I, resets the device and configures it (see iis3dwb.c for the order).
 * VIGIL_ERR_SENSOR if the device does not identify or the reset does not complete. */
VIGIL_NODISCARD vigil_status_t iis3dwb_start(iis3dwb_t *d);

/*
 * Drains up to max_frames accelerometer frames (3 floats, g) from the FIFO. Returns the number of
 * frames, or a negative status if the bus fails. An overrun since the last read is counted.
 */
int32_t iis3dwb_read(iis3dwb_t *d, float *frames, size_t max_frames);

/* The sensor_t view of the driver (info: 26667 Hz, 3 axes, "x,y,z"). */
void iis3dwb_sensor(iis3dwb_t *d, sensor_t *s);

#endif /* SENSOR_IIS3DWB_H */
