/*
 * TIM2 as a free-running 32-bit counter (RM0090 §18, general-purpose timers TIM2..TIM5), for the
 * benchmark image. QEMU's netduinoplus2 clocks TIM2 at 1 GHz of virtual time; with
 * `-icount shift=0,align=off,sleep=off` one instruction is 1 ns of virtual time, so the counter
 * reads as the number of instructions executed (bench/firmware.ts). On silicon it would count
 * APB1 timer clocks instead; the benchmark only runs in QEMU.
 */
#ifndef STM32F4_TIM2_H
#define STM32F4_TIM2_H

#include <stdint.h>

void tim2_start(void);

static inline uint32_t tim2_now(void)
{
    return *(volatile uint32_t *)0x40000024u; /* TIM2_CNT, RM0090 §18.4.10 */
}

#endif /* STM32F4_TIM2_H */
