#include "board.h"

/* RM0090 §28.5 (SPI registers), §8.4 (GPIO), §7.3 (RCC enables), §12.3 (EXTI), §9.2 (SYSCFG). */
#define RCC_AHB1ENR (*(volatile uint32_t *)0x40023830u)
#define RCC_APB2ENR (*(volatile uint32_t *)0x40023844u)
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIO_MODER(b) (*(volatile uint32_t *)((b) + 0x00u))
#define GPIO_OSPEEDR(b) (*(volatile uint32_t *)((b) + 0x08u))
#define GPIO_BSRR(b) (*(volatile uint32_t *)((b) + 0x18u))
#define GPIO_AFRL(b) (*(volatile uint32_t *)((b) + 0x20u))
#define SPI1_BASE 0x40013000u
#define SPI1_CR1 (*(volatile uint32_t *)(SPI1_BASE + 0x00u))
#define SPI1_SR (*(volatile uint32_t *)(SPI1_BASE + 0x08u))
#define SPI1_DR (*(volatile uint32_t *)(SPI1_BASE + 0x0Cu))
#define SYSCFG_EXTICR1 (*(volatile uint32_t *)0x40013808u)
#define EXTI_IMR (*(volatile uint32_t *)0x40013C00u)
#define EXTI_RTSR (*(volatile uint32_t *)0x40013C08u)
#define EXTI_PR (*(volatile uint32_t *)0x40013C14u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_BSY (1u << 7)
#define CS_HIGH() (GPIO_BSRR(GPIOA_BASE) = 1u << 4)
#define CS_LOW() (GPIO_BSRR(GPIOA_BASE) = 1u << (4 + 16))
#define EXTI0_IRQN 6u /* RM0090 Table 61 */

static uint8_t exchange(uint8_t out)
{
    while (!(SPI1_SR & SPI_SR_TXE)) {
    }
    SPI1_DR = out;
    while (!(SPI1_SR & SPI_SR_RXNE)) {
    }
    return (uint8_t)SPI1_DR;
}

static vigil_status_t spi1_xfer(const spi_bus_t *bus, const uint8_t *tx, size_t tx_len, uint8_t *rx,
                                size_t rx_len)
{
    (void)bus;
    CS_LOW();
    for (size_t i = 0; i < tx_len; i++) {
        (void)exchange(tx[i]);
    }
    for (size_t i = 0; i < rx_len; i++) {
        rx[i] = exchange(0x00);
    }
    while (SPI1_SR & SPI_SR_BSY) { /* the last clock edge before CS rises (§28.3.8) */
    }
    CS_HIGH();
    return VIGIL_OK;
}

void board_spi1_init(spi_bus_t *bus)
{
    RCC_AHB1ENR |= (1u << 0) | (1u << 1); /* GPIOA, GPIOB */
    RCC_APB2ENR |= (1u << 12) | (1u << 14); /* SPI1, SYSCFG */
    (void)RCC_APB2ENR;
    /* PA4 output (CS, idle high); PA5-7 alternate function 5 (SPI1), fast. */
    CS_HIGH();
    GPIO_MODER(GPIOA_BASE) = (GPIO_MODER(GPIOA_BASE) & ~(0xFFu << 8)) | (1u << 8) | (2u << 10) | (2u << 12) |
                             (2u << 14);
    GPIO_OSPEEDR(GPIOA_BASE) |= 0xFFu << 8;
    GPIO_AFRL(GPIOA_BASE) = (GPIO_AFRL(GPIOA_BASE) & ~0xFFF00000u) | (5u << 20) | (5u << 24) | (5u << 28);
    /* Master, mode 3 (CPOL 1, CPHA 1: DS13082 §6.2), f_PCLK / 16, software NSS, 8-bit, enabled. */
    SPI1_CR1 = (1u << 0) | (1u << 1) | (1u << 2) | (3u << 3) | (1u << 8) | (1u << 9);
    SPI1_CR1 |= 1u << 6;
    *bus = (spi_bus_t){.xfer = spi1_xfer, .ctx = 0};
}

static volatile int g_int1;

void EXTI0_IRQHandler(void)
{
    EXTI_PR = 1u << 0; /* cleared by writing 1 (§12.3.6) */
    g_int1 = 1;
}

void board_int1_init(void)
{
    /* PB0 input (reset state), EXTI0 from port B, rising edge, unmasked. */
    GPIO_MODER(GPIOB_BASE) &= ~3u;
    SYSCFG_EXTICR1 = (SYSCFG_EXTICR1 & ~0xFu) | 1u;
    EXTI_RTSR |= 1u << 0;
    EXTI_IMR |= 1u << 0;
    NVIC_ISER0 = 1u << EXTI0_IRQN;
}

int board_int1_take(void)
{
    __asm volatile("cpsid i" ::: "memory");
    const int v = g_int1;
    g_int1 = 0;
    __asm volatile("cpsie i" ::: "memory");
    return v;
}
