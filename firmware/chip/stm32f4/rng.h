/*
 * Random bytes for the SECURE link nonces (protocol.md §3.13).
 *
 * rng_hw_fill: the STM32F405's RNG peripheral (RM0090 §24): clocked by RCC AHB2ENR bit 6 (RNGEN)
 * from PLL48CLK, registers at 0x50060800. Falls back to rng_weak_fill if the RNG reports a seed or
 * clock error or never becomes ready.
 *
 * rng_weak_fill: SHA-256(uid || counter || timer count). QEMU netduinoplus2 emulates no RNG, so
 * the emulated node uses this: WEAK — the uid is fixed and the timer counts virtual time from
 * boot, so an observer can predict the nonces. Good enough for tests of the protocol, not for
 * security (the real node uses the hardware RNG).
 */
#ifndef STM32F4_RNG_H
#define STM32F4_RNG_H

#include <stddef.h>
#include <stdint.h>

void rng_hw_init(void);
void rng_hw_fill(const uint8_t uid[12], uint8_t *out, size_t len);
void rng_weak_fill(const uint8_t uid[12], uint8_t *out, size_t len);

#endif /* STM32F4_RNG_H */
