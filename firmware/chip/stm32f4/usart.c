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

/* RM0090 §2.3 Table 1: USART1 on APB2, USART2 and USART3 on APB1. */
static usart_regs_t *const k_regs[3] = {(usart_regs_t *)0x40011000u, (usart_regs_t *)0x40004400u,
                                        (usart_regs_t *)0x40004800u};
static const uint8_t k_irqn[3] = {37u, 38u, 39u}; /* RM0090 Table 61 */

#define USART_SR_ORE (1u << 3)   /* RM0090 §30.6.1 */
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)   /* RM0090 §30.6.4 */
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)

#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u) /* RM0090 §7.3.13 */
#define RCC_APB2ENR (*(volatile uint32_t *)0x40023844u) /* RM0090 §7.3.14 */
#define RCC_APB2ENR_USART1EN (1u << 4)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_USART3EN (1u << 18)

#define NVIC_ISER1 (*(volatile uint32_t *)0xE000E104u)  /* PM0214 §4.3.2, IRQs 32..63 */
#define NVIC_ICER1 (*(volatile uint32_t *)0xE000E184u)  /* PM0214 §4.3.3 */

#ifndef USART_RX_RING_SIZE
#define USART_RX_RING_SIZE 256u /* power of two; a HELLO_REQ frame is 12 bytes */
#endif
#define RX_RING_SIZE USART_RX_RING_SIZE
_Static_assert((RX_RING_SIZE & (RX_RING_SIZE - 1u)) == 0, "the ring size must be a power of two");
_Static_assert(USART_PORTS >= 1u && USART_PORTS <= 3u, "USART1..USART3");

typedef struct {
    volatile uint8_t ring[RX_RING_SIZE];
    volatile uint32_t head;    /* written by the ISR only */
    volatile uint32_t tail;    /* written by the main loop only */
    volatile uint32_t dropped;
    volatile uint32_t paused;  /* the ISR turned RXNEIE off: the ring was full */
} rx_t;

static rx_t g_rx[USART_PORTS];

/*
 * BRR with OVER8 = 0 (RM0090 §30.3.4): USARTDIV = pclk / (16 baud), mantissa in bits 15:4 and the
 * fraction in sixteenths in bits 3:0; BRR = round(pclk / baud) is exactly that encoding. E.g. the
 * reset clock (HSI 16 MHz) at 115200: 139 = 8 + 11/16. QEMU ignores the baud rate.
 */
static uint32_t brr_for(uint32_t pclk_hz, uint32_t baud)
{
    return (pclk_hz + baud / 2u) / baud;
}

void usart_init(unsigned port, uint32_t pclk_hz, uint32_t baud)
{
    if (port >= USART_PORTS) {
        return;
    }
    /*
     * Clock the peripheral (needed on the real chip). Do not wait on any RCC ready bit: QEMU does
     * not model the RCC, and such a wait never ends there. The real board will also need the pins
     * in their alternate function (GPIO MODER/AFR, RM0090 §8.4); QEMU does not model GPIO.
     * Read back so the clock is running before the first USART access (STM32F40x errata ES0182,
     * "Delay after an RCC peripheral clock enabling").
     */
    if (port == USART_PORT_1) {
        RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
        (void)RCC_APB2ENR;
    } else {
        RCC_APB1ENR |= port == USART_PORT_2 ? RCC_APB1ENR_USART2EN : RCC_APB1ENR_USART3EN;
        (void)RCC_APB1ENR;
    }
    usart_regs_t *u = k_regs[port];
    u->BRR = brr_for(pclk_hz, baud);
    u->CR2 = 0; /* 1 stop bit */
    u->CR3 = 0; /* no flow control, no DMA */
    /* UE, TE and RE all set: QEMU's model drops received bytes unless UE and RE are on. */
    u->CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;

    NVIC_ISER1 = 1u << (k_irqn[port] - 32u);
}

void usart_write(unsigned port, const uint8_t *data, size_t len)
{
    if (port >= USART_PORTS) {
        return;
    }
    usart_regs_t *u = k_regs[port];
    for (size_t i = 0; i < len; i++) {
        while ((u->SR & USART_SR_TXE) == 0) {
        }
        u->DR = data[i];
    }
}

static void usart_irq(unsigned port)
{
    usart_regs_t *u = k_regs[port];
    rx_t *r = &g_rx[port];
    uint32_t sr = u->SR;
    if (sr & USART_SR_ORE) {
        r->dropped++; /* a byte was lost in hardware; the DR read below clears ORE (§30.6.1) */
    }
    if (sr & USART_SR_RXNE) {
        uint32_t head = r->head;
        if (head - r->tail >= RX_RING_SIZE) {
            /*
             * The ring is full: leave the byte in DR and stop the interrupt until the main loop
             * has made room (usart_read turns it back on). QEMU's USART then holds the next bytes
             * back (it accepts a byte only while RXNE is clear), so a burst of SAMPLES_IN frames
             * is paced by the node instead of lost. On silicon the next byte would overrun (ORE,
             * counted above): a real link needs hardware flow control or a slower sender.
             * The NVIC line is masked too: QEMU 7.2's model does not lower its interrupt when
             * RXNEIE is cleared, so the handler would otherwise be entered again at once.
             */
            u->CR1 &= ~USART_CR1_RXNEIE;
            NVIC_ICER1 = 1u << (k_irqn[port] - 32u);
            r->paused = 1;
            return;
        }
        uint8_t byte = (uint8_t)u->DR; /* reading DR clears RXNE */
        r->ring[head % RX_RING_SIZE] = byte;
        r->head = head + 1; /* publish after the byte is stored */
    }
}

void USART1_IRQHandler(void)
{
    usart_irq(USART_PORT_1);
}

#if USART_PORTS > 1
void USART2_IRQHandler(void)
{
    usart_irq(USART_PORT_2);
}
#endif

#if USART_PORTS > 2
void USART3_IRQHandler(void)
{
    usart_irq(USART_PORT_3);
}
#endif

size_t usart_rx_available(unsigned port)
{
    return port < USART_PORTS ? g_rx[port].head - g_rx[port].tail : 0u;
}

size_t usart_rx_available_any(void)
{
    size_t n = 0;
    for (unsigned p = 0; p < USART_PORTS; p++) {
        n += g_rx[p].head - g_rx[p].tail;
    }
    return n;
}

size_t usart_read(unsigned port, uint8_t *out, size_t max)
{
    if (port >= USART_PORTS) {
        return 0;
    }
    rx_t *r = &g_rx[port];
    size_t n = 0;
    uint32_t tail = r->tail;
    uint32_t head = r->head; /* a 32-bit aligned load is atomic on Cortex-M4 */
    while (n < max && tail != head) {
        out[n++] = r->ring[tail % RX_RING_SIZE];
        tail++;
    }
    r->tail = tail;
    if (r->paused && n > 0) {
        r->paused = 0;
        k_regs[port]->CR1 |= USART_CR1_RXNEIE; /* room again: the pending byte interrupts at once */
        NVIC_ISER1 = 1u << (k_irqn[port] - 32u);
    }
    return n;
}

uint32_t usart_rx_dropped(unsigned port)
{
    return port < USART_PORTS ? g_rx[port].dropped : 0u;
}
