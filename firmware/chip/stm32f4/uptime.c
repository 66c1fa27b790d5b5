#include "uptime.h"

#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u) /* RM0090 §7.3.13 */
#define RCC_APB1ENR_TIM5EN (1u << 3)

#define TIM5_BASE 0x40000C00u                         /* RM0090 §2.3 Table 1 */
#define TIM5_CR1 (*(volatile uint32_t *)(TIM5_BASE + 0x00u))
#define TIM5_DIER (*(volatile uint32_t *)(TIM5_BASE + 0x0Cu))
#define TIM5_SR (*(volatile uint32_t *)(TIM5_BASE + 0x10u))
#define TIM5_EGR (*(volatile uint32_t *)(TIM5_BASE + 0x14u))
#define TIM5_CNT (*(volatile uint32_t *)(TIM5_BASE + 0x24u))
#define TIM5_PSC (*(volatile uint32_t *)(TIM5_BASE + 0x28u))
#define TIM5_ARR (*(volatile uint32_t *)(TIM5_BASE + 0x2Cu))
#define TIM_CR1_CEN (1u << 0)                         /* RM0090 §18.4.1 */
#define TIM_DIER_UIE (1u << 0)                        /* §18.4.4 */
#define TIM_SR_UIF (1u << 0)                          /* §18.4.5 */
#define TIM_EGR_UG (1u << 0)                          /* §18.4.6: reload PSC now */
#define NVIC_ISER1 (*(volatile uint32_t *)0xE000E104u) /* PM0214 §4.3.2, IRQs 32..63 */
#define TIM5_IRQN 50u                                 /* RM0090 Table 61 */

static volatile uint32_t g_wraps;

void uptime_init(uint32_t timer_clk_hz)
{
    RCC_APB1ENR |= RCC_APB1ENR_TIM5EN;
    (void)RCC_APB1ENR; /* ES0182: let the clock settle before touching the timer */
    TIM5_PSC = timer_clk_hz / 1000000u - 1u; /* 1 MHz: 83 on the STM32F405, 999 in QEMU */
    TIM5_ARR = 0xFFFFFFFFu;
    TIM5_EGR = TIM_EGR_UG; /* loads PSC; sets UIF, cleared next */
    TIM5_SR = 0;
    g_wraps = 0;
    TIM5_DIER = TIM_DIER_UIE;
    NVIC_ISER1 = 1u << (TIM5_IRQN - 32u);
    TIM5_CR1 = TIM_CR1_CEN;
}

void TIM5_IRQHandler(void)
{
    if (TIM5_SR & TIM_SR_UIF) {
        TIM5_SR = ~TIM_SR_UIF; /* rc_w0 */
        g_wraps++;
    }
}

uint64_t uptime_us(void)
{
    uint32_t hi, lo;
    do { /* a wrap between the two reads shows as a changed count: read again */
        hi = g_wraps;
        lo = TIM5_CNT;
    } while (hi != g_wraps);
    return ((uint64_t)hi << 32) | lo;
}
