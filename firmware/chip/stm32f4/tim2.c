#include "tim2.h"

#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u) /* RM0090 §7.3.13 */
#define RCC_APB1ENR_TIM2EN (1u << 0)

#define TIM2_BASE 0x40000000u                         /* RM0090 §2.3 Table 1 */
#define TIM2_CR1 (*(volatile uint32_t *)(TIM2_BASE + 0x00u))
#define TIM2_EGR (*(volatile uint32_t *)(TIM2_BASE + 0x14u))
#define TIM2_PSC (*(volatile uint32_t *)(TIM2_BASE + 0x28u))
#define TIM2_ARR (*(volatile uint32_t *)(TIM2_BASE + 0x2Cu))
#define TIM_CR1_CEN (1u << 0)                         /* RM0090 §18.4.1 */
#define TIM_EGR_UG (1u << 0)                          /* §18.4.6: reload PSC now */

void tim2_start(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
    (void)RCC_APB1ENR; /* ES0182: let the clock settle before touching the timer */
    TIM2_PSC = 0;            /* count every timer clock */
    TIM2_ARR = 0xFFFFFFFFu;  /* TIM2 is 32-bit: wrap only after 2^32 */
    TIM2_EGR = TIM_EGR_UG;
    TIM2_CR1 = TIM_CR1_CEN;
}
