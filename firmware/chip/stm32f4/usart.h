/*
 * USART1, USART2 and USART3 of the STM32F405 (RM0090 §30), the node's links: interrupt-driven
 * receive into one ring buffer per port (USART_RX_RING_SIZE bytes, per board) with flow control by
 * the interrupt enable, blocking transmit. QEMU netduinoplus2 wires its first three -serial options
 * to USART1, USART2 and USART3 (a -serial that is not given leaves the USART without a backend:
 * what is written to it goes nowhere and nothing arrives).
 *
 * Ports: USART_PORT_1 (the wired link), USART_PORT_2 (the Bluetooth LE bridge), USART_PORT_3 (the
 * QEMU sensor feed). A build has USART_PORTS of them (the STM32F405 image: 2).
 */
#ifndef QEMU_USART_H
#define QEMU_USART_H

#include <stddef.h>
#include <stdint.h>

#ifndef USART_PORTS
#define USART_PORTS 3u
#endif
#define USART_PORT_1 0u
#define USART_PORT_2 1u
#define USART_PORT_3 2u

/* Clocks the port, 8N1 at baud for a peripheral clock of pclk_hz (APB2 for USART1, APB1 for
 * USART2/3), TX/RX and the RX interrupt. */
void usart_init(unsigned port, uint32_t pclk_hz, uint32_t baud);

/* Blocks until every byte is in the data register. */
void usart_write(unsigned port, const uint8_t *data, size_t len);

/* Moves up to max received bytes out of the port's ring buffer; returns how many. Never blocks. */
size_t usart_read(unsigned port, uint8_t *out, size_t max);

/* Bytes waiting in the port's ring buffer. */
size_t usart_rx_available(unsigned port);

/* Bytes waiting on every port. */
size_t usart_rx_available_any(void);

/* Bytes lost on the port: ring buffer full, or hardware overrun (SR.ORE). */
uint32_t usart_rx_dropped(unsigned port);

void USART1_IRQHandler(void);
void USART2_IRQHandler(void);
void USART3_IRQHandler(void);

#endif /* QEMU_USART_H */
