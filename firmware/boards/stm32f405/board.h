/*
 * The STM32F405 sensor node's wiring (assumed: not yet checked on a built board):
 *   HSE 8 MHz crystal -> PLL -> SYSCLK 168 MHz, APB2 84 MHz, APB1 42 MHz
 *   USART1 PA9 (TX) / PA10 (RX), AF7, 921600 baud to a USB-UART bridge (the wired link)
 *   USART2 PA2 (TX) / PA3 (RX), AF7, 115200 baud to a Nordic UART Service bridge module (BLE link)
 *   SPI1   PA5 SCK / PA6 MISO / PA7 MOSI, AF5, PA4 chip select (GPIO): the IIS3DWB
 *   PB0    IIS3DWB INT1 (FIFO threshold), EXTI0, rising edge
 */
#ifndef STM32F405_BOARD_H
#define STM32F405_BOARD_H

#include <stdint.h>

#include "../../src/sensor/spi.h"

#define BOARD_SYSCLK_HZ 168000000u
#define BOARD_PCLK2_HZ 84000000u
#define BOARD_PCLK1_HZ 42000000u
#define BOARD_LINK_BAUD 921600u /* FEATURES with 3 x 32 bands at 52 windows/s is ~25 KB/s */
#define BOARD_BLE_BAUD 115200u  /* the bridge module's UART; BLE itself carries less (§4.2) */

/* Clock tree to 168 MHz from the 8 MHz HSE (waits on RCC ready bits: never in QEMU). */
void board_clock_init(void);

/* SPI1 as a master in mode 3 at 84 MHz / 16 = 5.25 MHz (the IIS3DWB allows 10 MHz) and its pins. */
void board_spi1_init(spi_bus_t *bus);

/* PB0 rising edge -> EXTI0 interrupt, which sets the flag board_int1_pending() reads and clears. */
void board_int1_init(void);
int board_int1_take(void);

#endif /* STM32F405_BOARD_H */
