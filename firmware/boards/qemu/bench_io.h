/*
 * Shared by the QEMU benchmark images (bench_main.c, baseline_bench_main.c): "BENCH <name> <value>"
 * lines on USART1 for bench/firmware.ts to parse, and a deterministic xorshift32 signal.
 */
#ifndef QEMU_BENCH_IO_H
#define QEMU_BENCH_IO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usart.h"

static inline void put_str(const char *s)
{
    usart_write(USART_PORT_1, (const uint8_t *)s, strlen(s));
}

static inline void put_u32(uint32_t v)
{
    char buf[11];
    size_t i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    put_str(&buf[i]);
}

static inline void report(const char *name, uint32_t value)
{
    put_str("BENCH ");
    put_str(name);
    put_str(" ");
    put_u32(value);
    put_str("\n");
}

/* xorshift32: a deterministic signal in [-0.5, 0.5). */
static uint32_t g_rng = 0x1234567u;
static inline float noise(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return (float)(int32_t)(g_rng & 0xFFFFu) / 65536.0f - 0.5f;
}

#endif /* QEMU_BENCH_IO_H */
