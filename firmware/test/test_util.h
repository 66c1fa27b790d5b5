/* Shared helpers for the cmocka tests (host only). */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <setjmp.h> /* cmocka.h needs these first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Deterministic xorshift32, so a failing randomized case reproduces. */
static inline uint32_t test_rand_u32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif /* TEST_UTIL_H */
