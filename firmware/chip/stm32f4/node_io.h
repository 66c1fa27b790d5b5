/*
 * The node core's link and clock callbacks on the STM32F4's own peripherals, shared by every
 * STM32F405 image (the sensor node and QEMU's netduinoplus2): link i writes to USART port i
 * (docs/protocol.md §4.1: wired on USART1, Bluetooth LE on USART2), TIME's uptime comes from TIM5
 * (uptime.h). The boards add what differs: the random source, the identity store, the samples.
 */
#ifndef CHIP_STM32F4_NODE_IO_H
#define CHIP_STM32F4_NODE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "../../src/node/node.h"
#include "usart.h"

/* node_write_fn for a link; ctx is the USART port, as (void *)(uintptr_t)port. */
vigil_status_t usart_write_cb(void *ctx, const uint8_t *data, size_t len);

/* The node's uptime_us callback: TIM5's microseconds since uptime_init (ctx unused). */
uint64_t uptime_cb(void *ctx);

/* node_config_t.link for the two sending links: wired on USART1, Bluetooth LE on USART2. */
#define STM32F4_NODE_LINKS                                                                                   \
    {                                                                                                      \
        [NODE_LINK_WIRED] = {usart_write_cb, (void *)(uintptr_t)USART_PORT_1},                           \
        [NODE_LINK_BLE] = {usart_write_cb, (void *)(uintptr_t)USART_PORT_2},                             \
    }

/*
 * Sleeps until an interrupt unless a USART has received bytes. Interrupts are masked around the
 * emptiness check so a byte that arrives between the check and WFI still wakes the core: WFI wakes
 * on a pending interrupt even with PRIMASK set (ARMv7-M ARM §B1.5.19), and the ISR runs after CPSIE.
 */
static inline void stm32f4_sleep_until_rx(void)
{
    __asm volatile("cpsid i" ::: "memory");
    if (usart_rx_available_any() == 0) {
        __asm volatile("wfi");
    }
    __asm volatile("cpsie i\n\tisb" ::: "memory");
}

#endif
