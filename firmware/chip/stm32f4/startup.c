/*
 * Cortex-M4 start-up for the STM32F405 (and QEMU netduinoplus2): vector table and Reset_Handler.
 * Shared by every STM32F4 image (boards/qemu, boards/stm32f405).
 * No CMSIS: the few core registers are written by address, each cited.
 */
#include <stdint.h>
#include <string.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
extern int main(void);

void Reset_Handler(void);
void Default_Handler(void);

/* Unused exceptions and IRQs land in Default_Handler; a board file overrides one by defining it. */
#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void USART1_IRQHandler(void) WEAK_DEFAULT;
void USART2_IRQHandler(void) WEAK_DEFAULT;
void USART3_IRQHandler(void) WEAK_DEFAULT;
void EXTI0_IRQHandler(void) WEAK_DEFAULT;
void TIM5_IRQHandler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

#define IRQ_COUNT 82u            /* STM32F405 maskable interrupts 0..81 (RM0090 Table 61) */
#define USART1_IRQN 37u          /* RM0090 Table 61, positions 37, 38, 39 */
#define USART2_IRQN 38u
#define USART3_IRQN 39u
#define TIM5_IRQN 50u            /* RM0090 Table 61, position 50 */
#define EXTI0_IRQN 6u            /* RM0090 Table 61, position 6 */

/* Cortex-M vector table (ARMv7-M ARM §B1.5.3): initial SP, then exceptions 1..15, then IRQs. */
__attribute__((section(".isr_vector"), used))
const vector_t vector_table[16u + IRQ_COUNT] = {
    [0] = (vector_t)&_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16u + EXTI0_IRQN] = EXTI0_IRQHandler,
    [16u + USART1_IRQN] = USART1_IRQHandler,
    [16u + USART2_IRQN] = USART2_IRQHandler,
    [16u + USART3_IRQN] = USART3_IRQHandler,
    [16u + TIM5_IRQN] = TIM5_IRQHandler,
};

/* Coprocessor Access Control Register (ARMv7-M ARM §B3.2.20; PM0214 §4.6.1). */
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void)
{
    /*
     * Enable the FPU before anything else: CP10 and CP11 full access (bits 20-23). The rest of the
     * firmware is built with -mfloat-abi=hard, and any VFP instruction before this traps (QEMU
     * faults at once). DSB/ISB make the new access rights visible to the next instruction
     * (PM0214 §4.6.1, "enabling the FPU").
     */
    SCB_CPACR |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" ::: "memory");

    /* C run-time set-up: initialised data from flash, zeroed .bss (C11 §6.7.9p10). */
    memcpy(&_sdata, &_sidata, (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata));
    memset(&_sbss, 0, (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss));

    (void)main();
    for (;;) {
        __asm volatile("wfi");
    }
}

/* A fault or unexpected interrupt: stop here, where a debugger shows the stacked frame. */
void Default_Handler(void)
{
    for (;;) {
    }
}
