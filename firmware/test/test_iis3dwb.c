/*
 * The IIS3DWB driver against a fake device on a fake SPI bus. The fake implements the SPI protocol
 * of DS13082 §6.2 (read bit, auto-increment, FIFO output wrapping 0x7E -> 0x78), the
 * self-clearing software reset and a FIFO of tagged words; it logs every register write so the
 * configuration sequence can be checked write by write.
 */
#include "test_util.h"

#include <string.h>

#include "../src/sensor/iis3dwb.h"

typedef struct {
    uint8_t regs[128];
    uint8_t fifo[1024][7];
    size_t head, count;
    bool overrun;
    unsigned reset_reads; /* CTRL3_C reads before SW_RESET clears; UINT_MAX: never */
    uint8_t writes[64][2];
    size_t n_writes;
    size_t transfers;
    bool fail;
} fake_t;

static fake_t g_fake;

static uint8_t fake_read(fake_t *f, uint8_t reg)
{
    if (reg == IIS3DWB_CTRL3_C && (f->regs[reg] & IIS3DWB_CTRL3_SW_RESET)) {
        if (f->reset_reads != UINT32_MAX && f->reset_reads-- == 0) {
            f->regs[reg] = 0; /* reset done: defaults */
        }
    }
    if (reg == IIS3DWB_FIFO_STATUS1) {
        return (uint8_t)(f->count & 0xFF);
    }
    if (reg == IIS3DWB_FIFO_STATUS2) {
        uint8_t v = (uint8_t)((f->count >> 8) & 0x03);
        if (f->overrun) {
            v |= IIS3DWB_STATUS2_OVR;
            f->overrun = false; /* cleared by reading, like the latched flag */
        }
        return v;
    }
    return f->regs[reg];
}

static vigil_status_t fake_xfer(const spi_bus_t *bus, const uint8_t *tx, size_t tx_len, uint8_t *rx, size_t rx_len)
{
    fake_t *f = bus->ctx;
    f->transfers++;
    if (f->fail) {
        return VIGIL_ERR_IO;
    }
    assert_true(tx_len >= 1);
    uint8_t addr = tx[0] & 0x7F;
    if (tx[0] & IIS3DWB_SPI_READ) {
        assert_int_equal(tx_len, 1);
        for (size_t i = 0; i < rx_len; i++) {
            if (addr == IIS3DWB_FIFO_DATA_OUT_TAG) {
                assert_true(f->count > 0); /* the driver must not read more words than the FIFO holds */
            }
            if (addr >= IIS3DWB_FIFO_DATA_OUT_TAG && addr <= 0x7E) {
                rx[i] = f->fifo[f->head][addr - IIS3DWB_FIFO_DATA_OUT_TAG];
                if (addr == 0x7E) { /* a word fully read: pop it and wrap to the tag */
                    f->head = (f->head + 1) % 1024;
                    f->count--;
                    addr = IIS3DWB_FIFO_DATA_OUT_TAG;
                    continue;
                }
            } else {
                rx[i] = fake_read(f, addr);
            }
            addr++; /* IF_INC */
        }
    } else {
        assert_int_equal(tx_len, 2);
        assert_int_equal(rx_len, 0);
        assert_true(f->n_writes < 64);
        f->writes[f->n_writes][0] = addr;
        f->writes[f->n_writes][1] = tx[1];
        f->n_writes++;
        f->regs[addr] = tx[1];
    }
    return VIGIL_OK;
}

static spi_bus_t g_bus = {fake_xfer, &g_fake};
static iis3dwb_t g_dev;

static void push_word(uint8_t tag, int16_t x, int16_t y, int16_t z)
{
    const size_t i = (g_fake.head + g_fake.count) % 1024;
    const int16_t v[3] = {x, y, z};
    g_fake.fifo[i][0] = (uint8_t)(tag << 3 | 0x2);
    for (int a = 0; a < 3; a++) {
        g_fake.fifo[i][1 + 2 * a] = (uint8_t)((uint16_t)v[a] & 0xFF);
        g_fake.fifo[i][2 + 2 * a] = (uint8_t)((uint16_t)v[a] >> 8);
    }
    g_fake.count++;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_fake, 0, sizeof g_fake);
    g_fake.regs[IIS3DWB_WHO_AM_I] = IIS3DWB_WHO_AM_I_VALUE;
    g_fake.reset_reads = 2;
    return iis3dwb_init(&g_dev, &g_bus, IIS3DWB_FS_4G, 256) == VIGIL_OK ? 0 : -1;
}

static void start_writes_the_documented_sequence(void **state)
{
    (void)state;
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_OK);
    const uint8_t want[][2] = {
        {IIS3DWB_CTRL3_C, 0x01},   /* SW_RESET */
        {IIS3DWB_CTRL3_C, 0x44},   /* BDU | IF_INC */
        {IIS3DWB_CTRL4_C, 0x04},   /* I2C_disable */
        {IIS3DWB_FIFO_CTRL1, 0x00}, /* watermark 256: WTM[7:0] = 0 */
        {IIS3DWB_FIFO_CTRL2, 0x01}, /* WTM[8] = 1 */
        {IIS3DWB_FIFO_CTRL3, 0x0A}, /* BDR_XL 26667 Hz */
        {IIS3DWB_FIFO_CTRL4, 0x06}, /* continuous */
        {IIS3DWB_INT1_CTRL, 0x08},  /* FIFO threshold on INT1 */
        {IIS3DWB_CTRL1_XL, 0xA8},   /* XL on, FS_XL = 10: +-4 g */
    };
    assert_int_equal(g_fake.n_writes, sizeof want / sizeof want[0]);
    assert_memory_equal(g_fake.writes, want, sizeof want);
}

static void full_scale_codes(void **state)
{
    (void)state;
    const uint8_t code[4] = {0xA0, 0xA8, 0xAC, 0xA4}; /* 2, 4, 8, 16 g */
    for (int fs = 0; fs < 4; fs++) {
        assert_int_equal(setup(NULL), 0);
        assert_int_equal(iis3dwb_init(&g_dev, &g_bus, (iis3dwb_fs_t)fs, 100), VIGIL_OK);
        assert_int_equal(iis3dwb_start(&g_dev), VIGIL_OK);
        assert_int_equal(g_fake.regs[IIS3DWB_CTRL1_XL], code[fs]);
        assert_int_equal(g_fake.regs[IIS3DWB_FIFO_CTRL1], 100);
        assert_int_equal(g_fake.regs[IIS3DWB_FIFO_CTRL2], 0);
    }
    assert_int_equal(iis3dwb_init(&g_dev, &g_bus, IIS3DWB_FS_2G, 0), VIGIL_ERR_ARG);
    assert_int_equal(iis3dwb_init(&g_dev, &g_bus, IIS3DWB_FS_2G, 512), VIGIL_ERR_ARG);
}

static void refuses_a_wrong_device_or_a_stuck_reset(void **state)
{
    (void)state;
    g_fake.regs[IIS3DWB_WHO_AM_I] = 0x6C; /* an LSM6DSO */
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_ERR_SENSOR);
    assert_int_equal(g_fake.n_writes, 0);
    assert_int_equal(setup(NULL), 0);
    g_fake.reset_reads = UINT32_MAX;
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_ERR_SENSOR);
    assert_int_equal(setup(NULL), 0);
    g_fake.fail = true;
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_ERR_IO);
}

static void drains_fifo_in_bursts_and_converts_to_g(void **state)
{
    (void)state;
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_OK);
    /* 100 accelerometer words, a temperature word in the middle (skipped), extremes included. */
    for (int i = 0; i < 100; i++) {
        push_word(IIS3DWB_TAG_XL, (int16_t)(i * 300 - 15000), (int16_t)-i, i == 50 ? INT16_MIN : INT16_MAX);
        if (i == 40) {
            push_word(0x03, 1, 2, 3);
        }
    }
    static float frames[3 * 200];
    const size_t before = g_fake.transfers;
    const int32_t n = iis3dwb_read(&g_dev, frames, 200);
    assert_int_equal(n, 100);
    assert_int_equal(g_dev.other_tags, 1);
    assert_int_equal(g_fake.count, 0);
    /* status + ceil(101 / 32) bursts */
    assert_int_equal(g_fake.transfers - before, 1 + 4);
    const float s = g_dev.g_per_lsb; /* g/LSB at +-4 g: 0.122 mg (DS13082 Table 3) */
    assert_true(s > 0.12199e-3f && s < 0.12201e-3f);
    for (int i = 0; i < 100; i++) {
        assert_true(frames[3 * i] == (float)(i * 300 - 15000) * s);
        assert_true(frames[3 * i + 1] == (float)(-i) * s);
        assert_true(frames[3 * i + 2] == (float)(i == 50 ? INT16_MIN : INT16_MAX) * s);
    }
    assert_true(frames[3 * 50 + 2] < -3.99f && frames[3 * 50 + 2] > -4.0f);
    /* Nothing queued: one status read, no burst. */
    assert_int_equal(iis3dwb_read(&g_dev, frames, 200), 0);
}

static void respects_max_frames_and_counts_overruns(void **state)
{
    (void)state;
    assert_int_equal(iis3dwb_start(&g_dev), VIGIL_OK);
    for (int i = 0; i < 70; i++) {
        push_word(IIS3DWB_TAG_XL, (int16_t)i, 0, 0);
    }
    g_fake.overrun = true;
    static float frames[3 * 64];
    assert_int_equal(iis3dwb_read(&g_dev, frames, 64), 64);
    assert_int_equal(g_dev.overruns, 1);
    assert_int_equal(g_fake.count, 6);
    assert_int_equal(iis3dwb_read(&g_dev, frames, 64), 6);
    assert_true(frames[0] == 64.0f * g_dev.g_per_lsb); /* in order, nothing lost or repeated */
    assert_int_equal(g_dev.overruns, 1);
    assert_int_equal(g_dev.frames, 70);
    g_fake.fail = true;
    assert_int_equal(iis3dwb_read(&g_dev, frames, 64), VIGIL_ERR_IO);
}

static void sensor_interface(void **state)
{
    (void)state;
    sensor_t s;
    iis3dwb_sensor(&g_dev, &s);
    assert_int_equal(s.sample_rate_hz, 26667);
    assert_int_equal(s.axis_count, 3);
    assert_string_equal(s.channels, "x,y,z");
    assert_int_equal(s.start(&s), VIGIL_OK);
    push_word(IIS3DWB_TAG_XL, 8197, -8197, 0); /* 8197 LSB at 4 g = 1.000 g */
    float f[3];
    assert_int_equal(s.read(&s, f, 1), 1);
    assert_true(f[0] > 0.9999f && f[0] < 1.0001f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(start_writes_the_documented_sequence, setup),
        cmocka_unit_test_setup(full_scale_codes, setup),
        cmocka_unit_test_setup(refuses_a_wrong_device_or_a_stuck_reset, setup),
        cmocka_unit_test_setup(drains_fifo_in_bursts_and_converts_to_g, setup),
        cmocka_unit_test_setup(respects_max_frames_and_counts_overruns, setup),
        cmocka_unit_test_setup(sensor_interface, setup),
    };
    return cmocka_run_group_tests_name("iis3dwb", tests, NULL, NULL);
}
