/*
 * The node's monotonic clock (TIME uptime_us, protocol.md §3.10): TIM5, a 32-bit timer (RM0090 §18),
 * prescaled to 1 MHz, extended to 64 bits by its update interrupt (one every 71.6 minutes).
 * TIM2 stays free for the benchmark image. QEMU netduinoplus2 clocks its timers at 1 GHz of virtual
 * time; the STM32F405 at 168 MHz clocks TIM5 from APB1 x 2 = 84 MHz.
 */
#ifndef STM32F4_UPTIME_H
#define STM32F4_UPTIME_H

#include <stdint.h>

/* Starts the clock from 0; timer_clk_hz is the timer's input clock, a multiple of 1 MHz. */
void uptime_init(uint32_t timer_clk_hz);

/* Microseconds since uptime_init. */
uint64_t uptime_us(void);

void TIM5_IRQHandler(void);

#endif /* STM32F4_UPTIME_H */
