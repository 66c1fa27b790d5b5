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
#define NVIC_ICER1 (*(volatile uint32_t *)0xE000E184u)  /* PM0214 §4.3.3 */
#define USART1_IRQN 37u                                 /* RM0090 Table 61 */


#ifndef USART_RX_RING_SIZE
#define USART_RX_RING_SIZE 256u /* power of two; a HELLO_REQ frame is 12 bytes */
#endif
#define RX_RING_SIZE USART_RX_RING_SIZE
_Static_assert((RX_RING_SIZE & (RX_RING_SIZE - 1u)) == 0, "the ring size must be a power of two");

static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head;   /* written by the ISR only */
static volatile uint32_t rx_tail;   /* written by the main loop only */
static volatile uint32_t rx_dropped;
static volatile uint32_t rx_paused; /* the ISR turned RXNEIE off: the ring was full */

/*
 * BRR with OVER8 = 0 (RM0090 §30.3.4): USARTDIV = pclk / (16 baud), mantissa in bits 15:4 and the
 * fraction in sixteenths in bits 3:0; BRR = round(pclk / baud) is exactly that encoding. E.g. the
 * reset clock (HSI 16 MHz) at 115200: 139 = 8 + 11/16. QEMU ignores the baud rate.
 */
static uint32_t brr_for(uint32_t pclk_hz, uint32_t baud)
{
    return (pclk_hz + baud / 2u) / baud;
}

void usart_init(uint32_t pclk_hz, uint32_t baud)
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

    USART1_REGS->BRR = brr_for(pclk_hz, baud);
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
        uint32_t head = rx_head;
        if (head - rx_tail >= RX_RING_SIZE) {
            /*
             * The ring is full: leave the byte in DR and stop the interrupt until the main loop
             * has made room (usart_read turns it back on). QEMU's USART then holds the next bytes
             * back (it accepts a byte only while RXNE is clear), so a burst of SAMPLES_IN frames
             * is paced by the node instead of lost. On silicon the next byte would overrun (ORE,
             * counted above): a real link needs hardware flow control or a slower sender.
             * The NVIC line is masked too: QEMU 7.2's model does not lower its interrupt when
             * RXNEIE is cleared, so the handler would otherwise be entered again at once.
             */
            USART1_REGS->CR1 &= ~USART_CR1_RXNEIE;
            NVIC_ICER1 = 1u << (USART1_IRQN - 32u);
            rx_paused = 1;
            return;
        }
        uint8_t byte = (uint8_t)USART1_REGS->DR; /* reading DR clears RXNE */
        rx_ring[head % RX_RING_SIZE] = byte;
        rx_head = head + 1; /* publish after the byte is stored */
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
    if (rx_paused && n > 0) {
        rx_paused = 0;
        USART1_REGS->CR1 |= USART_CR1_RXNEIE; /* room again: the pending byte interrupts at once */
        NVIC_ISER1 = 1u << (USART1_IRQN - 32u);
    }
    return n;
}

uint32_t usart_rx_dropped(void)
{
    return rx_dropped;
}
