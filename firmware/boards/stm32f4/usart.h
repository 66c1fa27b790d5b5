/*
 * USART1 of the STM32F405 (RM0090 §30), the node's link: interrupt-driven receive into a ring
 * buffer (USART_RX_RING_SIZE bytes, per board) with flow control by the interrupt enable, blocking
 * transmit. QEMU netduinoplus2 wires its first -serial to USART1.
 */
#ifndef QEMU_USART_H
#define QEMU_USART_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, 8N1 at baud for a peripheral clock of pclk_hz (APB2), TX/RX and the RX interrupt. */
void usart_init(uint32_t pclk_hz, uint32_t baud);

/* Blocks until every byte is in the data register. */
void usart_write(const uint8_t *data, size_t len);

/* Moves up to max received bytes out of the ring buffer; returns how many. Never blocks. */
size_t usart_read(uint8_t *out, size_t max);

/* Bytes waiting in the ring buffer. */
size_t usart_rx_available(void);

/* Bytes lost: ring buffer full, or hardware overrun (SR.ORE). */
uint32_t usart_rx_dropped(void);

void USART1_IRQHandler(void);

#endif /* QEMU_USART_H */
