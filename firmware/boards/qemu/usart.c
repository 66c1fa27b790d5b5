#include "usart.h"

/* USART register block (RM0090 §30.6.8, "USART register map"). */
typedef struct {
    volatile uint32_t SR;   /* 0x00 status */
    volatile uint32_t DR;   /* 0x04 data */
    volatile uint32_t BRR;  /* 0x08 baud rate */
    volatile uint32_t CR1;  /* 0x0C control 1 */
    volatile uint32_t CR2;  /* 0x10 */
    volatile uint32_t CR3;  /* 0x14 */
    volatile uint32_t GTPR; /* 0x18 */
} usart_regs_t;

#define USART1_REGS ((usart_regs_t *)0x40011000u) /* RM0090 §2.3 Table 1, APB2 */

#define USART_SR_ORE (1u << 3)   /* RM0090 §30.6.1 */
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)   /* RM0090 §30.6.4 */
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)

#define RCC_APB2ENR (*(volatile uint32_t *)0x40023844u) /* RM0090 §7.3.14 */
#define RCC_APB2ENR_USART1EN (1u << 4)

#define NVIC_ISER1 (*(volatile uint32_t *)0xE000E104u)  /* PM0214 §4.3.2, IRQs 32..63 */
#define USART1_IRQN 37u                                 /* RM0090 Table 61 */

/*
 * BRR for 115200 baud at the reset clock: HSI 16 MHz, APB2 prescaler 1, OVER8 = 0
 * (RM0090 §30.3.4): USARTDIV = 16e6 / (16 * 115200) = 8.68 -> mantissa 8, fraction 11 (0.6875).
 * QEMU ignores the baud rate.
 */
#define USART_BRR_115200_AT_16MHZ ((8u << 4) | 11u)

#define RX_RING_SIZE 256u /* power of two; a HELLO_REQ frame is 12 bytes */

static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head;   /* written by the ISR only */
static volatile uint32_t rx_tail;   /* written by the main loop only */
static volatile uint32_t rx_dropped;

void usart_init(void)
{
    /*
     * Clock the peripheral (needed on the real chip). Do not wait on any RCC ready bit: QEMU does
     * not model the RCC, and such a wait never ends there. The real board will also need PA9/PA10
     * in alternate function 7 (GPIOA_MODER/AFRH, RM0090 §8.4); QEMU does not model GPIO.
     */
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    /* Read back so the clock is running before the first USART access (STM32F40x errata ES0182,
     * "Delay after an RCC peripheral clock enabling"). */
    (void)RCC_APB2ENR;

    USART1_REGS->BRR = USART_BRR_115200_AT_16MHZ;
    USART1_REGS->CR2 = 0; /* 1 stop bit */
    USART1_REGS->CR3 = 0; /* no flow control, no DMA */
    /* UE, TE and RE all set: QEMU's model drops received bytes unless UE and RE are on. */
    USART1_REGS->CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;

    NVIC_ISER1 = 1u << (USART1_IRQN - 32u);
}

void usart_write(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while ((USART1_REGS->SR & USART_SR_TXE) == 0) {
        }
        USART1_REGS->DR = data[i];
    }
}

void USART1_IRQHandler(void)
{
    uint32_t sr = USART1_REGS->SR;
    if (sr & USART_SR_ORE) {
        rx_dropped++; /* a byte was lost in hardware; the DR read below clears ORE (§30.6.1) */
    }
    if (sr & USART_SR_RXNE) {
        uint8_t byte = (uint8_t)USART1_REGS->DR; /* reading DR clears RXNE */
        uint32_t head = rx_head;
        if (head - rx_tail < RX_RING_SIZE) {
            rx_ring[head % RX_RING_SIZE] = byte;
            rx_head = head + 1; /* publish after the byte is stored */
        } else {
            rx_dropped++;
        }
    }
}

size_t usart_rx_available(void)
{
    return rx_head - rx_tail;
}

size_t usart_read(uint8_t *out, size_t max)
{
    size_t n = 0;
    uint32_t tail = rx_tail;
    uint32_t head = rx_head; /* a 32-bit aligned load is atomic on Cortex-M4 */
    while (n < max && tail != head) {
        out[n++] = rx_ring[tail % RX_RING_SIZE];
        tail++;
    }
    rx_tail = tail;
    return n;
}

uint32_t usart_rx_dropped(void)
{
    return rx_dropped;
}
