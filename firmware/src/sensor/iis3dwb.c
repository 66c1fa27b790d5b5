#include "iis3dwb.h"

/* Sensitivity by full scale, mg/LSB (DS13082 Table 3, "So"), and the CTRL1_XL FS_XL[1:0] code
 * (§9.11: 00 = 2 g, 10 = 4 g, 11 = 8 g, 01 = 16 g). */
static const float k_mg_per_lsb[4] = {0.061f, 0.122f, 0.244f, 0.488f};
static const uint8_t k_fs_bits[4] = {0x0u << 2, 0x2u << 2, 0x3u << 2, 0x1u << 2};

#define RESET_POLLS 100u /* the reset takes 50 us (§9.13); a few SPI reads at MHz cover it */

static vigil_status_t write_reg(iis3dwb_t *d, uint8_t reg, uint8_t value)
{
    const uint8_t tx[2] = {reg, value}; /* bit 7 clear: write (§6.2.2) */
    return d->bus->xfer(d->bus, tx, 2, NULL, 0);
}

static vigil_status_t read_regs(iis3dwb_t *d, uint8_t reg, uint8_t *out, size_t n)
{
    const uint8_t tx = (uint8_t)(IIS3DWB_SPI_READ | reg);
    return d->bus->xfer(d->bus, &tx, 1, out, n);
}

vigil_status_t iis3dwb_init(iis3dwb_t *d, const spi_bus_t *bus, iis3dwb_fs_t fs, uint16_t watermark)
{
    if (d == NULL || bus == NULL || (unsigned)fs > IIS3DWB_FS_16G || watermark < 1 ||
        watermark >= IIS3DWB_FIFO_WORDS) {
        return VIGIL_ERR_ARG;
    }
    d->bus = bus;
    d->fs = fs;
    d->watermark = watermark;
    d->g_per_lsb = k_mg_per_lsb[fs] * 0.001f;
    d->overruns = 0;
    d->other_tags = 0;
    d->frames = 0;
    return VIGIL_OK;
}

vigil_status_t iis3dwb_start(iis3dwb_t *d)
{
    uint8_t v = 0;
    vigil_status_t st = read_regs(d, IIS3DWB_WHO_AM_I, &v, 1);
    if (st != VIGIL_OK) {
        return st;
    }
    if (v != IIS3DWB_WHO_AM_I_VALUE) {
        return VIGIL_ERR_SENSOR;
    }
    /* Software reset to the default register values; SW_RESET clears itself when done (§9.13). */
    if ((st = write_reg(d, IIS3DWB_CTRL3_C, IIS3DWB_CTRL3_SW_RESET)) != VIGIL_OK) {
        return st;
    }
    unsigned polls = 0;
    do {
        if ((st = read_regs(d, IIS3DWB_CTRL3_C, &v, 1)) != VIGIL_OK) {
            return st;
        }
    } while ((v & IIS3DWB_CTRL3_SW_RESET) && ++polls < RESET_POLLS);
    if (v & IIS3DWB_CTRL3_SW_RESET) {
        return VIGIL_ERR_SENSOR;
    }
    /*
     * Configuration, accelerometer last so the FIFO starts filling only when everything else is
     * set: block data update and address auto-increment (burst reads, §9.13); I2C off (§9.14);
     * watermark (§9.2, 9.3); accelerometer batched at 26667 Hz (§9.4); continuous mode: the
     * newest data overwrite the oldest when full, flagged by FIFO_OVR_IA (§9.5); threshold on INT1
     * (§9.7); accelerometer on at the chosen full scale (§9.11).
     */
    const uint8_t cfg[][2] = {
        {IIS3DWB_CTRL3_C, IIS3DWB_CTRL3_BDU | IIS3DWB_CTRL3_IF_INC},
        {IIS3DWB_CTRL4_C, IIS3DWB_CTRL4_I2C_DISABLE},
        {IIS3DWB_FIFO_CTRL1, (uint8_t)(d->watermark & 0xFFu)},
        {IIS3DWB_FIFO_CTRL2, (uint8_t)((d->watermark >> 8) & 0x01u)},
        {IIS3DWB_FIFO_CTRL3, IIS3DWB_BDR_XL_26667HZ},
        {IIS3DWB_FIFO_CTRL4, IIS3DWB_FIFO_MODE_CONTINUOUS},
        {IIS3DWB_INT1_CTRL, IIS3DWB_INT1_FIFO_TH},
        {IIS3DWB_CTRL1_XL, (uint8_t)(IIS3DWB_CTRL1_XL_EN | k_fs_bits[d->fs])},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        if ((st = write_reg(d, cfg[i][0], cfg[i][1])) != VIGIL_OK) {
            return st;
        }
    }
    return VIGIL_OK;
}

static inline int16_t s16le(const uint8_t *p)
{
    return (int16_t)(uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

int32_t iis3dwb_read(iis3dwb_t *d, float *frames, size_t max_frames)
{
    uint8_t status[2];
    vigil_status_t st = read_regs(d, IIS3DWB_FIFO_STATUS1, status, 2);
    if (st != VIGIL_OK) {
        return st;
    }
    if (status[1] & IIS3DWB_STATUS2_OVR) {
        d->overruns++;
    }
    size_t words = (size_t)status[0] | ((size_t)(status[1] & 0x03u) << 8); /* DIFF_FIFO[9:0] */
    size_t out = 0;
    while (words > 0 && out < max_frames) {
        size_t n = words < IIS3DWB_BURST_WORDS ? words : IIS3DWB_BURST_WORDS;
        if (n > max_frames - out) {
            n = max_frames - out; /* only accelerometer words are batched; a skipped tag costs a slot */
        }
        /* One burst from FIFO_DATA_OUT_TAG: with IF_INC the address wraps from 0x7E back to 0x78,
         * so consecutive words come out back to back (DS13082 §10, "FIFO"). */
        if ((st = read_regs(d, IIS3DWB_FIFO_DATA_OUT_TAG, d->buf, 7u * n)) != VIGIL_OK) {
            return st;
        }
        for (size_t w = 0; w < n; w++) {
            const uint8_t *p = &d->buf[7u * w];
            if ((p[0] >> 3) != IIS3DWB_TAG_XL) {
                d->other_tags++;
                continue;
            }
            float *f = &frames[3u * out++];
            f[0] = (float)s16le(&p[1]) * d->g_per_lsb;
            f[1] = (float)s16le(&p[3]) * d->g_per_lsb;
            f[2] = (float)s16le(&p[5]) * d->g_per_lsb;
        }
        words -= n;
    }
    d->frames += (uint32_t)out;
    return (int32_t)out;
}

static vigil_status_t sensor_start(sensor_t *s)
{
    return iis3dwb_start(s->ctx);
}

static int32_t sensor_read(sensor_t *s, float *frames, size_t max_frames)
{
    return iis3dwb_read(s->ctx, frames, max_frames);
}

void iis3dwb_sensor(iis3dwb_t *d, sensor_t *s)
{
    *s = (sensor_t){.start = sensor_start, .read = sensor_read, .sample_rate_hz = IIS3DWB_ODR_HZ,
                    .axis_count = 3, .channels = "x,y,z", .ctx = d};
}
