#include "rng.h"

#include <string.h>

#include "../../src/crypto/sha256.h"
#include "uptime.h"

#define RCC_AHB2ENR (*(volatile uint32_t *)0x40023834u) /* RM0090 §7.3.11 */
#define RCC_AHB2ENR_RNGEN (1u << 6)
#define RNG_CR (*(volatile uint32_t *)0x50060800u)      /* RM0090 §24.4 */
#define RNG_SR (*(volatile uint32_t *)0x50060804u)
#define RNG_DR (*(volatile uint32_t *)0x50060808u)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_SR_DRDY (1u << 0)
#define RNG_SR_CECS (1u << 1)
#define RNG_SR_SECS (1u << 2)

void rng_weak_fill(const uint8_t uid[12], uint8_t *out, size_t len)
{
    static uint32_t counter;
    while (len > 0) {
        uint8_t in[12 + 4 + 8];
        memcpy(in, uid, 12);
        counter++;
        memcpy(&in[12], &counter, 4);
        const uint64_t t = uptime_us();
        memcpy(&in[16], &t, 8);
        uint8_t d[SHA256_DIGEST_LEN];
        sha256(in, sizeof in, d);
        const size_t n = len < sizeof d ? len : sizeof d;
        memcpy(out, d, n);
        out += n;
        len -= n;
    }
}

void rng_hw_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_RNGEN;
    (void)RCC_AHB2ENR; /* ES0182 */
    RNG_CR = RNG_CR_RNGEN;
}

void rng_hw_fill(const uint8_t uid[12], uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 4) {
        uint32_t tries = 100000u; /* ~40 PLL48 cycles per word when it works (RM0090 §24.3.1) */
        uint32_t sr;
        while (((sr = RNG_SR) & (RNG_SR_DRDY | RNG_SR_CECS | RNG_SR_SECS)) == 0 && --tries != 0) {
        }
        if ((sr & (RNG_SR_CECS | RNG_SR_SECS)) || tries == 0) {
            /* §24.3.2: a seed error needs RNGEN cycled; meanwhile do not block the node, and give no
             * repeatable stand-in: zeros, which the node takes as "no entropy" (node_new_nonce). */
            (void)uid;
            RNG_CR = 0;
            RNG_CR = RNG_CR_RNGEN;
            memset(out, 0, len);
            return;
        }
        const uint32_t w = RNG_DR;
        const size_t n = len - i < 4u ? len - i : 4u;
        memcpy(&out[i], &w, n);
    }
}
