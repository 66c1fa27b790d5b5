#include "board.h"

/* RM0090 §7.3 (RCC registers), §5.4 (PWR), §3.9.1 (FLASH_ACR). */
#define RCC_BASE 0x40023800u
#define RCC_CR (*(volatile uint32_t *)(RCC_BASE + 0x00u))
#define RCC_PLLCFGR (*(volatile uint32_t *)(RCC_BASE + 0x04u))
#define RCC_CFGR (*(volatile uint32_t *)(RCC_BASE + 0x08u))
#define RCC_APB1ENR (*(volatile uint32_t *)(RCC_BASE + 0x40u))
#define PWR_CR (*(volatile uint32_t *)0x40007000u)
#define FLASH_ACR (*(volatile uint32_t *)0x40023C00u)

#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_APB1ENR_PWREN (1u << 28)
#define PWR_CR_VOS (1u << 14)            /* regulator scale 1: needed above 144 MHz (§5.4.1) */
#define FLASH_ACR_LATENCY_5WS 5u         /* 150 < HCLK <= 168 MHz at 2.7-3.6 V (Table 10) */
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

void board_clock_init(void)
{
    RCC_CR |= RCC_CR_HSEON;
    while (!(RCC_CR & RCC_CR_HSERDY)) {
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    PWR_CR |= PWR_CR_VOS;
    FLASH_ACR = FLASH_ACR_LATENCY_5WS | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    /* AHB /1, APB1 /4 (42 MHz, max 42), APB2 /2 (84 MHz, max 84) (§7.3.3). */
    RCC_CFGR = (RCC_CFGR & ~0x0000FCF0u) | (5u << 10) | (4u << 13);
    /* PLL: 8 MHz / M 8 = 1 MHz VCO input; x N 336 = 336 MHz; / P 2 = 168 MHz; / Q 7 = 48 MHz (USB)
     * (§7.3.2). */
    RCC_PLLCFGR = 8u | (336u << 6) | (0u << 16) | (1u << 22) | (7u << 24);
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY)) {
    }
    RCC_CFGR = (RCC_CFGR & ~3u) | 2u; /* SW = PLL */
    while (((RCC_CFGR >> 2) & 3u) != 2u) {
    }
}
