/*
 * Random bytes for the SECURE link nonces (protocol.md §3.13).
 *
 * rng_hw_fill: the STM32F405's RNG peripheral (RM0090 §24): clocked by RCC AHB2ENR bit 6 (RNGEN)
 * from PLL48CLK, registers at 0x50060800. If the RNG reports a seed or clock error or never becomes
 * ready it fills zeros and restarts the peripheral: the node takes zeros as "no entropy" and
 * refuses SECURE until a later draw succeeds (src/node/node_secure.c), rather than use a value
 * that repeats from boot to boot.
 *
 * rng_weak_fill: SHA-256(uid || counter || timer count). QEMU netduinoplus2 emulates no RNG, so
 * the emulated node uses this: WEAK — the uid is fixed and the timer counts virtual time from
 * boot. The node hashes it with its key, a draw counter and the uptime (node_new_nonce), so the
 * nonces differ at every draw and are unknown without the key, but a nonce of an earlier boot can
 * come again. Good enough for tests of the protocol, not for security.
 */
#ifndef STM32F4_RNG_H
#define STM32F4_RNG_H

#include <stddef.h>
#include <stdint.h>

void rng_hw_init(void);
void rng_hw_fill(const uint8_t uid[12], uint8_t *out, size_t len);
void rng_weak_fill(const uint8_t uid[12], uint8_t *out, size_t len);

#endif /* STM32F4_RNG_H */
