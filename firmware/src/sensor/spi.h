/*
 * A SPI bus as the sensor drivers use it: one transaction with chip select held asserted, first
 * tx_len bytes out (what comes back is ignored), then rx_len bytes in (0x00 clocked out). The
 * STM32F405 board implements it on SPI1 (boards/stm32f405/spi1.c); the tests with a fake device.
 */
#ifndef SENSOR_SPI_H
#define SENSOR_SPI_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct spi_bus spi_bus_t;
struct spi_bus {
    vigil_status_t (*xfer)(const spi_bus_t *bus, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                           size_t rx_len);
    void *ctx;
};

#endif /* SENSOR_SPI_H */
